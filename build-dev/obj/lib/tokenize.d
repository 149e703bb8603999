build-dev/obj/lib/tokenize.o: lib/tokenize.c lib/tokenize.h \
 include/tally.h lib/unicode.h
lib/tokenize.h:
include/tally.h:
lib/unicode.h:
