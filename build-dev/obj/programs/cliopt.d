build-dev/obj/programs/cliopt.o: programs/cliopt.c programs/cliopt.h \
 include/tally.h
programs/cliopt.h:
include/tally.h:
