build-dev/obj/programs/gen.o: programs/gen.c programs/gen.h lib/common.h \
 include/tally.h
programs/gen.h:
lib/common.h:
include/tally.h:
