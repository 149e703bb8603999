build-dev/obj/lib/date.o: lib/date.c lib/date.h include/tally.h
lib/date.h:
include/tally.h:
