build-dev/obj/programs/kwicmerge.o: programs/kwicmerge.c \
 programs/kwicmerge.h include/tally.h
programs/kwicmerge.h:
include/tally.h:
