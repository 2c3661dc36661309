# libFuzzer targets, included by the top Makefile (see fuzz/README.md).
#
#   make fuzz         build with clang, seed, fuzz each target FUZZ_SECONDS (60)
#   make fuzz-smoke   run $(FUZZ_REGRESSIONS)/NAME/* once, then fuzz each FUZZ_SMOKE_SECONDS (5)
#   make fuzz-build   only build the fuzzers and the seed corpus
#
# Everything lands in $(BUILD)/fuzz/, apart from the main build's objects; the
# code under test is compiled again by clang with coverage and ASan+UBSan, with
# flags of its own (the main build's warnings are for the main compiler).

FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_TARGETS       ?= frames wav hello keys codec jitter stream handshake dnssd control rtp
# Hand-made and crash-found inputs, one directory per target; each must run clean.
FUZZ_REGRESSIONS   ?= tests/fuzz

FUZZ_DIR      := $(BUILD)/fuzz
FUZZ_PKGS     := sndfile samplerate opus libsodium spandsp
FUZZ_PKG_CFLAGS := $(shell pkg-config --cflags $(FUZZ_PKGS) 2>/dev/null)
FUZZ_PKG_LIBS   := $(shell pkg-config --libs $(FUZZ_PKGS) 2>/dev/null)
FUZZ_CFLAGS   ?= -std=c11 -g -O1 -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
                 -Wall -Wextra -Werror $(FUZZ_PKG_CFLAGS)
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_LDLIBS   := $(FUZZ_PKG_LIBS) -lm
# The sources the targets exercise: proto and its utf8 text checks, the page codec in wav,
# the terminal's key input in keyproto, the stream codec, the jitter buffer, a streamed
# page put back together (stream_page), the handshake (auth over noise; identity
# for its key type), mDNS announcements (dnssd), what a client writes to the console's
# control socket (control_proto), and RTP datagrams from a paging group (rtp_depack).
FUZZ_SRCS     := $(filter src/net/proto.c src/audio/wav.c src/common/utf8.c src/tui/keyproto.c \
                          src/audio/stream_codec.c src/audio/jitter.c src/audio/stream_page.c \
                          src/net/auth.c src/net/noise.c src/net/identity.c src/net/dnssd.c \
                          src/net/control_proto.c src/net/rtp.c src/audio/rtp_codec.c \
                          src/audio/rtp_depack.c,$(LIB_SRCS))
FUZZ_OBJS     := $(FUZZ_SRCS:src/%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BINS     := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_SEEDER   := $(FUZZ_DIR)/make_seeds
FUZZ_SEEDED   := $(FUZZ_DIR)/corpus/.seeded
# One process, bounded memory; a unit slower than 10 s counts as a hang.
FUZZ_RUN_FLAGS := -rss_limit_mb=2048 -malloc_limit_mb=256 -fork=0 -timeout=10
# More libFuzzer flags from the command line, e.g. FUZZ_ARGS="-jobs=2" (later flags win).
FUZZ_ARGS     ?=

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-clean fuzz-cc

fuzz-cc:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
		echo "fuzz: $(FUZZ_CC) not found; on Debian: apt-get install clang libclang-rt-14-dev" >&2; \
		exit 1; }

# Coverage-instrumented objects for the fuzzers; the seed generator links them too.
$(FUZZ_OBJS): $(FUZZ_DIR)/obj/%.o: src/%.c | fuzz-cc
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BINS): $(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.h $(FUZZ_OBJS) | fuzz-cc
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -MMD -MP -o $@ $< $(FUZZ_OBJS) $(FUZZ_LDLIBS)

$(FUZZ_SEEDER): fuzz/make_seeds.c fuzz/fuzz_common.h $(FUZZ_OBJS) | fuzz-cc
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -o $@ $< $(FUZZ_OBJS) $(FUZZ_LDLIBS)

# Seeds are rewritten when the generator changes; what the fuzzer added stays.
$(FUZZ_SEEDED): $(FUZZ_SEEDER)
	$(FUZZ_SEEDER) $(FUZZ_DIR)/corpus
	@touch $@

fuzz-build: $(FUZZ_BINS) $(FUZZ_SEEDED)

# $(1): extra run.sh options, $(2): seconds per target. Runs every target, fails if any failed.
define FUZZ_RUN
	@rc=0; for t in $(FUZZ_TARGETS); do \
		sh fuzz/run.sh $(1) $$t $(FUZZ_DIR)/fuzz_$$t $(2) $(FUZZ_DIR)/corpus/$$t \
			$(FUZZ_REGRESSIONS)/$$t $(FUZZ_DIR)/out $(FUZZ_RUN_FLAGS) $(FUZZ_ARGS) || rc=1; \
	done; exit $$rc
endef

fuzz: fuzz-build
	@echo "fuzz: $(FUZZ_SECONDS) s per target: $(FUZZ_TARGETS) (logs in $(FUZZ_DIR)/out)"
	$(call FUZZ_RUN,,$(FUZZ_SECONDS))

fuzz-smoke: fuzz-build
	$(call FUZZ_RUN,--regressions,$(FUZZ_SMOKE_SECONDS))

fuzz-clean:
	rm -rf $(FUZZ_DIR)

-include $(FUZZ_OBJS:.o=.d) $(FUZZ_BINS:=.d) $(FUZZ_SEEDER).d
