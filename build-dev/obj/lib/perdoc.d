build-dev/obj/lib/perdoc.o: lib/perdoc.c lib/perdoc.h lib/common.h \
 include/tally.h lib/dict.h lib/hash.h lib/jsonl.h lib/match.h \
 lib/normalize.h lib/tokenize.h lib/unicode.h
lib/perdoc.h:
lib/common.h:
include/tally.h:
lib/dict.h:
lib/hash.h:
lib/jsonl.h:
lib/match.h:
lib/normalize.h:
lib/tokenize.h:
lib/unicode.h:
