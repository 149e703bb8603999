build-dev/obj/lib/summary_by.o: lib/summary_by.c lib/by.h lib/accum.h \
 lib/jsonl.h lib/common.h include/tally.h lib/match.h lib/dict.h \
 lib/hash.h lib/normalize.h lib/tokenize.h lib/summary.h
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
