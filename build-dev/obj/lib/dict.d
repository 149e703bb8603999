build-dev/obj/lib/dict.o: lib/dict.c lib/dict.h lib/common.h \
 include/tally.h lib/hash.h lib/normalize.h lib/tokenize.h lib/unicode.h
lib/dict.h:
lib/common.h:
include/tally.h:
lib/hash.h:
lib/normalize.h:
lib/tokenize.h:
lib/unicode.h:
