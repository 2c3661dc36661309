# Benchmarks (docs/BENCHMARKS.md). Included by the top Makefile.
#
#   make bench         optimised build, every measurement, one table (a few minutes)
#   make bench-smoke   same programs once at a tiny size: nothing rots, no timing asserted
#
# Always the normal -O2 build in build/, never the sanitizer one, whatever SAN says.

BENCH_SRCS := $(wildcard bench/*.c)
BENCH_OBJS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/obj/%.o)
BENCH_PROG := $(BUILD)/bench/intercom-bench

.PHONY: bench bench-smoke bench-build

$(BUILD)/bench/obj/%.o: bench/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) -Ibench $(CFLAGS) -c -o $@ $<

$(BENCH_PROG): $(BENCH_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bench-build: $(BINS) $(BENCH_PROG)

# The rigs need the test tools (PulseAudio, ALSA plugins), as make check does.
bench: test-deps
	@$(MAKE) --no-print-directory SAN=0 BUILD=build bench-build
	@bench/run.sh build

bench-smoke: test-deps
	@$(MAKE) --no-print-directory SAN=0 BUILD=build bench-build
	@bench/run.sh --smoke build

-include $(BENCH_OBJS:.o=.d)
