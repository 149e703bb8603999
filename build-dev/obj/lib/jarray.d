build-dev/obj/lib/jarray.o: lib/jarray.c lib/jarray.h
lib/jarray.h:
