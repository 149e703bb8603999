build-dev/obj/lib/jsonl.o: lib/jsonl.c lib/jsonl.h lib/common.h \
 include/tally.h
lib/jsonl.h:
lib/common.h:
include/tally.h:
