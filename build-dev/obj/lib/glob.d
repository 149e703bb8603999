build-dev/obj/lib/glob.o: lib/glob.c lib/glob.h include/tally.h \
 lib/common.h
lib/glob.h:
include/tally.h:
lib/common.h:
