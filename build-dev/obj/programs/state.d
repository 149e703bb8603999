build-dev/obj/programs/state.o: programs/state.c programs/kwicmerge.h \
 include/tally.h programs/outfile.h programs/cliopt.h programs/state.h
programs/kwicmerge.h:
include/tally.h:
programs/outfile.h:
programs/cliopt.h:
programs/state.h:
