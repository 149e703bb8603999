build-dev/obj/lib/vocab.o: lib/vocab.c lib/vocab.h lib/accum.h \
 lib/jsonl.h lib/common.h include/tally.h lib/match.h lib/dict.h \
 lib/hash.h lib/normalize.h lib/tokenize.h lib/summary.h \
 lib/summary_vocab.h lib/unicode.h
lib/vocab.h:
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
lib/unicode.h:
