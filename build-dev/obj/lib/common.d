build-dev/obj/lib/common.o: lib/common.c lib/common.h include/tally.h \
 lib/unicode.h
lib/common.h:
include/tally.h:
lib/unicode.h:
