build-dev/obj/programs/table.o: programs/table.c programs/table.h
programs/table.h:
