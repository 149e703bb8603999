build-dev/obj/lib/match.o: lib/match.c lib/match.h lib/dict.h \
 lib/common.h include/tally.h lib/hash.h lib/normalize.h lib/tokenize.h \
 lib/unicode.h
lib/match.h:
lib/dict.h:
lib/common.h:
include/tally.h:
lib/hash.h:
lib/normalize.h:
lib/tokenize.h:
lib/unicode.h:
