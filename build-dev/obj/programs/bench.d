build-dev/obj/programs/bench.o: programs/bench.c programs/bench.h \
 include/tally.h lib/common.h lib/dict.h lib/common.h lib/hash.h \
 programs/gen.h lib/jsonl.h lib/match.h lib/dict.h lib/normalize.h \
 lib/tokenize.h lib/reader.h lib/tokenize.h
programs/bench.h:
include/tally.h:
lib/common.h:
lib/dict.h:
lib/common.h:
lib/hash.h:
programs/gen.h:
lib/jsonl.h:
lib/match.h:
lib/dict.h:
lib/normalize.h:
lib/tokenize.h:
lib/reader.h:
lib/tokenize.h:
