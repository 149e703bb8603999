build-dev/obj/programs/main.o: programs/main.c programs/cli.h
programs/cli.h:
