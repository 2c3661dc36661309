# intercom — push-to-talk public address for the terminal.
#
#   make            build bin/intercom-console, bin/intercom-speaker and bin/intercom-ctl
#   make run        install missing Debian packages, build, start the console
#   make check      install missing packages, build, run every test under ASan+UBSan
#   make demo       install missing packages, build, show console and two speakers in tmux
#   make install    copy the programs to $(DESTDIR)$(PREFIX)/bin, assets to .../share/intercom,
#                   manual pages, systemd units, bash completion, example configs
#   make deb        build the Debian packages in a copy of the tree (scripts/build-deb.sh)
#
# Local overrides (CC, CFLAGS, ...) go in .config, which is not tracked.
-include .config

PREFIX   ?= /usr/local
MANDIR   ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
# Units and sysusers.d go where systemd looks for them under PREFIX (/usr/local/lib/systemd/...).
UNITDIR  ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
SAN      ?= 0
# The build directory follows the flags: sanitizer objects never mix with normal ones.
ifeq ($(SAN),1)
BUILD    ?= build/san
else
BUILD    ?= build
endif
CC       ?= cc
PKGS     := portaudio-2.0 sndfile samplerate libsodium ncursesw opus avahi-client spandsp
# Quiet by default ("CC src/x.c"); make V=1 shows whole commands.
V        ?= 0
ifeq ($(V),1)
Q        :=
say       = @true
else
Q        := @
say       = @printf '  %-6s %s\n' $(1) $(2)
endif

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wformat=2 -Wundef -Wvla -Wwrite-strings
CPPFLAGS += -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -MMD -MP
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread

ifeq ($(SAN),1)
CFLAGS   += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
endif

# src/GROUP/NAME.c, include/intercom/GROUP/NAME.h (docs/ARCHITECTURE.md has the groups).
MAINS    := src/console/console.c src/speaker/speaker.c src/ctl/ctl.c
LIB_SRCS := $(filter-out $(MAINS),$(wildcard src/*/*.c))
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libintercom.a
BINS     := $(BUILD)/bin/intercom-console $(BUILD)/bin/intercom-speaker $(BUILD)/bin/intercom-ctl
UNITS    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
PROGRAM_TESTS := $(sort $(wildcard tests/programs/test_*.sh))

.PHONY: all run check demo test units unit-bins programs deps test-deps install clean \
        check-build check-build-normal check-build-san check-quick check-units-normal check-units-san check-docs \
        check-programs check-man check-units check-completion deb

all: $(BINS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(call say,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(BUILD)/bin/intercom-console: $(BUILD)/obj/console/console.o
$(BUILD)/bin/intercom-speaker: $(BUILD)/obj/speaker/speaker.o
$(BUILD)/bin/intercom-ctl: $(BUILD)/obj/ctl/ctl.o
$(BINS): $(LIB)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

deps:
	@scripts/deps.sh

test-deps:
	@scripts/deps.sh --test

# The console's curses screen; make run ARGS="--headless -d 3" passes options.
ARGS ?=
run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/bin/intercom-console $(ARGS)

# The whole system on virtual audio devices, in tmux (scripts/demo.sh).
demo: test-deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

# make check: everything, on both builds, in three phases, each in parallel:
#   1. build: the normal and the sanitizer trees (programs, unit tests, the
#      preload shim), the fuzzers and the benchmark program, side by side;
#   2. the quick runs side by side, each one's output printed whole when it
#      ends: units (normal and ASan+UBSan), fuzz-smoke, bench-smoke;
#   3. the program tests of both builds in one pool (scripts/run-programs.sh),
#      longest first, CHECK_TEST_JOBS at once.
# A phase that fails stops make check. The sanitizer build lives in its own
# directory (build/san) so it never mixes with the normal one.
NPROC           := $(shell nproc 2>/dev/null || echo 2)
# The program tests mostly wait (real-time audio, protocol deadlines): each
# build's suite gets as many places as there are cores, both run at once.
CHECK_TEST_JOBS ?= $(NPROC)
SAN_PRELOAD      = $(shell $(CC) -print-file-name=libasan.so) $(abspath build/san/tests/keep_dlopen.so)

# phase NAME COMMAND — runs COMMAND and says how long it took (its status is the recipe's).
phase = s=$$(date +%s); $(2) && echo "check: $(1) took $$(( $$(date +%s) - s )) s"

check: test-deps
	@$(call phase,build,$(MAKE) --no-print-directory -j$(NPROC) check-build)
	@$(call phase,units + fuzz-smoke + bench-smoke,$(MAKE) --no-print-directory -j4 --output-sync=recurse check-quick)
	@$(call phase,program tests,$(MAKE) --no-print-directory check-programs)

check-build: check-build-normal check-build-san fuzz-build
check-build-normal:
	@$(MAKE) --no-print-directory SAN=0 BUILD=build all unit-bins bench-build
check-build-san:
	@$(MAKE) --no-print-directory SAN=1 all unit-bins build/san/tests/keep_dlopen.so

# Longest first: make starts them in this order.
check-quick: fuzz-smoke bench-smoke check-units-san check-units-normal check-docs check-man \
             check-units check-completion
# The README's options table lists exactly what --help prints from the option table.
check-docs:
	@scripts/check-options-doc.sh build/bin README.md
# The manual pages lint clean and list exactly the options of each program's --help.
check-man:
	@scripts/check-man.sh build/bin man
# The systemd units verify (systemd-analyze; skipped where it cannot run).
check-units:
	@scripts/check-units.sh build/bin
# The bash completion completes options (and intercom-ctl's names) as --help says.
check-completion:
	@tests/completion/test_completion.sh build/bin

check-units-normal:
	@$(MAKE) --no-print-directory SAN=0 BUILD=build units
check-units-san:
	@$(MAKE) --no-print-directory SAN=1 units

check-programs:
	@INTERCOM_TEST_JOBS=$(CHECK_TEST_JOBS) scripts/run-programs.sh \
		build/bin $(PROGRAM_TESTS) \
		--and --label san --preload "$(SAN_PRELOAD)" build/san/bin $(PROGRAM_TESTS)

test: units programs

unit-bins: $(UNITS)

units: $(UNITS)
	@scripts/run-units.sh $(UNITS)

# Sanitizer runs preload the ASan runtime and a shim keeping audio plugins loaded
# (see tests/lib/keep_dlopen.c) into our programs only.
ifeq ($(SAN),1)
PRELOAD_SHIM := $(BUILD)/tests/keep_dlopen.so
PRELOAD      = $(shell $(CC) -print-file-name=libasan.so) $(abspath $(PRELOAD_SHIM))
endif

$(BUILD)/tests/keep_dlopen.so: tests/lib/keep_dlopen.c
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -O2 -o $@ $<

programs: $(BINS) $(PRELOAD_SHIM)
	@INTERCOM_PRELOAD="$(PRELOAD)" scripts/run-programs.sh $(BUILD)/bin $(PROGRAM_TESTS)

# The console finds the test tone in $(PREFIX)/share/intercom, next to its bin/ (src/common/assets.c).
# intercom-ctl goes with the others once it is built (it comes from another branch).
INSTALL_BINS = $(BINS) $(filter-out $(BINS),$(wildcard $(BUILD)/bin/intercom-ctl))
# Example configs go to $(SYSCONFDIR)/intercom only where no config is there yet.
install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/intercom/examples \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(SYSCONFDIR)/intercom
	install -m 755 $(INSTALL_BINS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 assets/test-tone.wav assets/chime.wav $(DESTDIR)$(PREFIX)/share/intercom
	install -m 644 $(patsubst $(BUILD)/bin/%,man/%.1,$(INSTALL_BINS)) $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/intercom.7 $(DESTDIR)$(MANDIR)/man7
	for unit in contrib/systemd/*.service; do \
		sed 's|/usr/bin/|$(PREFIX)/bin/|g' "$$unit" >$(DESTDIR)$(UNITDIR)/$${unit##*/} || exit 1; \
	done
	install -m 644 contrib/systemd/intercom.sysusers $(DESTDIR)$(SYSUSERSDIR)/intercom.conf
	for prog in $(notdir $(INSTALL_BINS)); do \
		install -m 644 contrib/bash-completion/intercom $(DESTDIR)$(COMPLETIONDIR)/$$prog || exit 1; \
	done
	install -m 644 contrib/config/console.conf contrib/config/speaker.conf \
		$(DESTDIR)$(PREFIX)/share/intercom/examples
	for conf in console.conf speaker.conf; do \
		[ -e $(DESTDIR)$(SYSCONFDIR)/intercom/$$conf ] || \
		install -m 644 contrib/config/$$conf $(DESTDIR)$(SYSCONFDIR)/intercom || exit 1; \
	done

# The Debian packages, built in a copy of the tree: ../*.deb never lands in it.
deb:
	@scripts/build-deb.sh

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(BUILD)/obj/console/console.d $(BUILD)/obj/speaker/speaker.d $(BUILD)/obj/ctl/ctl.d
.SECONDARY:

# Fuzz targets (libFuzzer, clang): make fuzz, and a short smoke in make check.
-include fuzz/fuzz.mk

# Benchmarks: make bench, and a smoke run in make check.
-include bench/bench.mk
