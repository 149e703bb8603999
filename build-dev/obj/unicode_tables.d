build-dev/obj/unicode_tables.o: build-dev/gen/unicode_tables.c \
 lib/unicode.h
lib/unicode.h:
