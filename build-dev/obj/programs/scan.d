build-dev/obj/programs/scan.o: programs/scan.c programs/commands.h \
 programs/cliopt.h programs/outfile.h programs/progress.h include/tally.h \
 programs/state.h
programs/commands.h:
programs/cliopt.h:
programs/outfile.h:
programs/progress.h:
include/tally.h:
programs/state.h:
