build-dev/obj/lib/dict_yaml.o: lib/dict_yaml.c lib/common.h \
 include/tally.h lib/dict.h lib/hash.h lib/dictfmt.h
lib/common.h:
include/tally.h:
lib/dict.h:
lib/hash.h:
lib/dictfmt.h:
