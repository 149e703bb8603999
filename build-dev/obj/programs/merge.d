build-dev/obj/programs/merge.o: programs/merge.c programs/commands.h \
 programs/cliopt.h programs/kwicmerge.h include/tally.h \
 programs/outfile.h
programs/commands.h:
programs/cliopt.h:
programs/kwicmerge.h:
include/tally.h:
programs/outfile.h:
