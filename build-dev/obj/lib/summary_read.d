build-dev/obj/lib/summary_read.o: lib/summary_read.c lib/by.h lib/accum.h \
 lib/jsonl.h lib/common.h include/tally.h lib/match.h lib/dict.h \
 lib/hash.h lib/normalize.h lib/tokenize.h lib/summary.h \
 lib/summary_vocab.h
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
lib/summary_vocab.h:
