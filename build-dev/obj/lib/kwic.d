build-dev/obj/lib/kwic.o: lib/kwic.c lib/kwic.h lib/accum.h lib/jsonl.h \
 lib/common.h include/tally.h lib/match.h lib/dict.h lib/hash.h \
 lib/normalize.h lib/tokenize.h lib/summary.h lib/perdoc.h lib/unicode.h
lib/kwic.h:
lib/accum.h:
lib/jsonl.h:
lib/common.h:
include/tally.h:
lib/match.h:
lib/dict.h:
lib/hash.h:
lib/normalize.h:
lib/tokenize.h:
lib/summary.h:
lib/perdoc.h:
lib/unicode.h:
