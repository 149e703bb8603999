build-dev/obj/programs/cli.o: programs/cli.c programs/cli.h \
 programs/commands.h programs/cliopt.h include/tally.h
programs/cli.h:
programs/commands.h:
programs/cliopt.h:
include/tally.h:
