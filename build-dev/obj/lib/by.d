build-dev/obj/lib/by.o: lib/by.c lib/by.h lib/accum.h lib/jsonl.h \
 lib/common.h include/tally.h lib/match.h lib/dict.h lib/hash.h \
 lib/normalize.h lib/tokenize.h lib/summary.h lib/date.h lib/unicode.h
lib/by.h:
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
lib/date.h:
lib/unicode.h:
