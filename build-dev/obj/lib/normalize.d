build-dev/obj/lib/normalize.o: lib/normalize.c lib/normalize.h \
 lib/common.h include/tally.h lib/unicode.h
lib/normalize.h:
lib/common.h:
include/tally.h:
lib/unicode.h:
