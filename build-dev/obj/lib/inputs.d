build-dev/obj/lib/inputs.o: lib/inputs.c lib/inputs.h lib/common.h \
 include/tally.h lib/glob.h
lib/inputs.h:
lib/common.h:
include/tally.h:
lib/glob.h:
