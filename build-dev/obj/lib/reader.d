build-dev/obj/lib/reader.o: lib/reader.c lib/reader.h lib/common.h \
 include/tally.h
lib/reader.h:
lib/common.h:
include/tally.h:
