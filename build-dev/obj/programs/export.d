build-dev/obj/programs/export.o: programs/export.c programs/commands.h \
 programs/cliopt.h programs/outfile.h programs/table.h include/tally.h
programs/commands.h:
programs/cliopt.h:
programs/outfile.h:
programs/table.h:
include/tally.h:
