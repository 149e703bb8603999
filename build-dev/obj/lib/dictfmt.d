build-dev/obj/lib/dictfmt.o: lib/dictfmt.c lib/dictfmt.h include/tally.h \
 lib/common.h lib/dict.h lib/hash.h lib/unicode.h
lib/dictfmt.h:
include/tally.h:
lib/common.h:
lib/dict.h:
lib/hash.h:
lib/unicode.h:
