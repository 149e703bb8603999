build-dev/obj/programs/outfile.o: programs/outfile.c programs/outfile.h \
 programs/cliopt.h
programs/outfile.h:
programs/cliopt.h:
