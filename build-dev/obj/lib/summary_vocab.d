build-dev/obj/lib/summary_vocab.o: lib/summary_vocab.c \
 lib/summary_vocab.h lib/summary.h lib/common.h include/tally.h \
 lib/dict.h lib/hash.h
lib/summary_vocab.h:
lib/summary.h:
lib/common.h:
include/tally.h:
lib/dict.h:
lib/hash.h:
