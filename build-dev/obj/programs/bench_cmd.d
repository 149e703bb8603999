build-dev/obj/programs/bench_cmd.o: programs/bench_cmd.c programs/bench.h \
 include/tally.h programs/commands.h programs/cliopt.h
programs/bench.h:
include/tally.h:
programs/commands.h:
programs/cliopt.h:
