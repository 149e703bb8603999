# tally — one Makefile for the library, the CLI, the tests and the benchmarks.
#
#   make            build build/tally and build/libtally.a
#   make test       unit tests (cmocka) and end-to-end CLI tests
#   make demo       scan the sample archive in corpus/ and print the summary
#   make check-asan the test suite under AddressSanitizer + UBSan (build-asan/)
#   make check-tsan the test suite under ThreadSanitizer (build-tsan/)
#   make check-slurm contrib/slurm on a one-node Slurm cluster started for the test (root)
#   make bench      benchmarks (see bench/)
#   make man        regenerate man/tally.1 from the option tables
#   make install    PREFIX=/usr/local (MANDIR=PREFIX/share/man), DESTDIR for staging
#   V=1             show full command lines
#
# Missing Debian packages are installed by scripts/ensure-deps.sh before the first compile.

SANITIZER ?=
ifeq ($(SANITIZER),)
BUILD ?= build
SANFLAGS =
else ifeq ($(SANITIZER),thread)
BUILD ?= build-tsan
SANFLAGS = -fsanitize=thread -O1 -g
else
BUILD ?= build-asan
SANFLAGS = -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all -O1 -g
endif

CC ?= cc
OPT ?= -O2 -g
WARN = -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla -Werror
PKGS = libuv libzstd zlib jansson libutf8proc libxxhash yaml-0.1
# Recursively expanded on purpose: pkg-config runs when a recipe needs it, after the
# dependency stamp has installed it.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) -lpthread -lm
CMOCKA_LIBS = $(shell pkg-config --libs cmocka)
ALL_CFLAGS = $(WARN) $(OPT) $(SANFLAGS) -D_GNU_SOURCE -Iinclude -Ilib -Iprograms -I$(BUILD)/gen $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

UNICODE_DIR ?= /usr/share/unicode

# The engine (lib/) is the library; the programs (programs/: the command line, its subcommands,
# tally bench, the corpus generator) sit on it. The installed libtally.a holds lib/ only.
LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:lib/%.c=$(BUILD)/obj/lib/%.o) $(BUILD)/obj/unicode_tables.o
PROG_SRC = $(filter-out programs/main.c,$(wildcard programs/*.c))
PROG_OBJ = $(PROG_SRC:programs/%.c=$(BUILD)/obj/programs/%.o)
TEST_SRC = $(wildcard tests/test_*.c)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_SUPPORT = $(wildcard tests/support/*.c)
TOOLS = $(BUILD)/tools/gencorpus $(BUILD)/tools/sumcheck

ifeq ($(V),1)
Q =
else
Q = @
endif

DEPS_STAMP = $(BUILD)/.deps-ok

.PHONY: all test unit-tests cli-tests demo check-asan check-tsan bench clean format deps install man fuzz fuzz-check
all: $(BUILD)/tally $(BUILD)/libtally.a

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/ensure-deps.sh
	$(Q)mkdir -p $(BUILD)
	$(Q)sh scripts/ensure-deps.sh
	$(Q)touch $@

$(BUILD)/gen/unicode_tables.c: tools/gen_unicode.c | $(DEPS_STAMP)
	$(Q)mkdir -p $(BUILD)/gen $(BUILD)/tools
	@echo "  GEN     $@"
	$(Q)$(CC) -std=c11 -O1 -Wall -Wextra -Werror -o $(BUILD)/tools/gen_unicode tools/gen_unicode.c
	$(Q)$(BUILD)/tools/gen_unicode $(UNICODE_DIR) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/unicode_tables.o: $(BUILD)/gen/unicode_tables.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/lib/%.o: lib/%.c | $(DEPS_STAMP) $(BUILD)/gen/unicode_tables.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/programs/%.o: programs/%.c | $(DEPS_STAMP) $(BUILD)/gen/unicode_tables.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libtally.a: $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/tally: $(BUILD)/obj/programs/main.o $(PROG_OBJ) $(BUILD)/libtally.a
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(BUILD)/obj/programs/main.o $(PROG_OBJ) $(BUILD)/libtally.a $(PKG_LIBS)

$(BUILD)/tests/%: tests/%.c $(TEST_SUPPORT) $(BUILD)/libtally.a | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(TEST_SUPPORT) $(BUILD)/libtally.a $(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tools/%: tools/%.c $(PROG_OBJ) $(BUILD)/libtally.a | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(PROG_OBJ) $(BUILD)/libtally.a $(PKG_LIBS)

test: all $(TEST_BIN) $(TOOLS)
	$(Q)sh tests/run-tests.sh $(BUILD)

demo: $(BUILD)/tally
	$(BUILD)/tally scan -d corpus/policy.dict --per-doc $(BUILD)/demo-docs.jsonl corpus/archive ; \
	  s=$$?; echo "(per-document records: $(BUILD)/demo-docs.jsonl; exit status $$s)" >&2; [ $$s -le 3 ]

check-asan:
	$(Q)$(MAKE) --no-print-directory SANITIZER=address,undefined test

check-tsan:
	$(Q)$(MAKE) --no-print-directory SANITIZER=thread test

.PHONY: check-slurm
# a stuck cluster fails the check: every wait in it has a deadline, and this one covers it all
check-slurm: all $(TOOLS)
	$(Q)timeout -k 20 600 sh tests/slurm/check.sh $(BUILD)

bench: all $(TOOLS)
	$(Q)sh bench/run.sh $(BUILD)

FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang

# libFuzzer targets in tests/fuzz/ (clang; run.sh installs what it needs): each for FUZZ_SECONDS
fuzz: $(BUILD)/gen/unicode_tables.c
	$(Q)CC=$(FUZZ_CC) sh tests/fuzz/run.sh $(FUZZ_SECONDS)

# each fuzz target once over its committed seed corpus (regressions), as CI runs it
fuzz-check: $(BUILD)/gen/unicode_tables.c
	$(Q)CC=$(FUZZ_CC) sh tests/fuzz/run.sh check

clean:
	rm -rf build build-asan build-tsan build-fuzz

format:
	clang-format -i include/*.h lib/*.c lib/*.h programs/*.c programs/*.h tests/*.c tools/*.c

# man/tally.1 is generated from the option tables in programs/ and committed;
# tests/cli/manpage.sh fails when it is out of date
man: $(BUILD)/tally
	$(Q)mkdir -p man
	$(Q)$(BUILD)/tally __man > man/tally.1.tmp && mv man/tally.1.tmp man/tally.1
	@echo "  GEN     man/tally.1"

PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BUILD)/tally $(DESTDIR)$(PREFIX)/bin/tally
	install -m 644 $(BUILD)/libtally.a $(DESTDIR)$(PREFIX)/lib/libtally.a
	install -m 644 include/tally.h $(DESTDIR)$(PREFIX)/include/tally.h
	install -m 644 man/tally.1 $(DESTDIR)$(MANDIR)/man1/tally.1

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/obj/lib/*.d $(BUILD)/obj/programs/*.d)
