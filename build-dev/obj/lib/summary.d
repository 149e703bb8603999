build-dev/obj/lib/summary.o: lib/summary.c lib/summary.h lib/common.h \
 include/tally.h lib/dict.h lib/hash.h lib/by.h lib/accum.h lib/jsonl.h \
 lib/match.h lib/normalize.h lib/tokenize.h lib/summary_vocab.h \
 lib/unicode.h
lib/summary.h:
lib/common.h:
include/tally.h:
lib/dict.h:
lib/hash.h:
lib/by.h:
lib/accum.h:
lib/jsonl.h:
lib/match.h:
lib/normalize.h:
lib/tokenize.h:
lib/summary_vocab.h:
lib/unicode.h:
