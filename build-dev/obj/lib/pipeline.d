build-dev/obj/lib/pipeline.o: lib/pipeline.c lib/accum.h lib/jsonl.h \
 lib/common.h include/tally.h lib/match.h lib/dict.h lib/hash.h \
 lib/normalize.h lib/tokenize.h lib/summary.h lib/by.h lib/kwic.h \
 lib/glob.h lib/jarray.h lib/inputs.h lib/perdoc.h lib/reader.h \
 lib/vocab.h
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
lib/by.h:
lib/kwic.h:
lib/glob.h:
lib/jarray.h:
lib/inputs.h:
lib/perdoc.h:
lib/reader.h:
lib/vocab.h:
