build-dev/obj/programs/progress.o: programs/progress.c \
 programs/progress.h include/tally.h programs/outfile.h programs/cliopt.h
programs/progress.h:
include/tally.h:
programs/outfile.h:
programs/cliopt.h:
