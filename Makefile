# SPDX-License-Identifier: BSD-2-Clause
# The README's commands.  The build itself is Meson's; this file installs
# missing Debian build dependencies (when run as root), configures and runs.
#
#   make run     build everything and run the demo
#   make check   build and run every test
#   make check-asan   the same suite in an ASan+UBSan build
#   make bench   benchmarks in a release build
#   make install meson install (PREFIX=/usr/local)

BUILD      ?= build
ASAN_BUILD ?= build-asan
BENCH_BUILD ?= build-release
PREFIX     ?= /usr/local
DEBS = meson ninja-build gcc pkg-config python3 libcriterion-dev binutils \
       e2fsprogs libfuse3-dev fuse3 tshark fuse2fs iproute2 netcat-openbsd \
       socat curl iperf3 iputils-ping nftables ethtool

.PHONY: all deps run check check-asan bench install clean fuzz

all: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@missing=""; \
	for p in $(DEBS); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else \
			echo "missing build dependencies; as root run:"; \
			echo "  apt-get install -y$$missing"; \
			exit 1; \
		fi; \
	fi

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX)

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined \
	    -Db_lundef=false --buildtype=debug

# With the test programs: the network benchmarks drive them (h_tap, h_tcp).
$(BENCH_BUILD)/build.ninja:
	meson setup $(BENCH_BUILD) --buildtype=release -Ddiagnostic=false

run: all
	$(BUILD)/examples/rump_demo
	@echo
	@echo "== the same kernel as a server: rump_allserver and two clients"
	@sock=$$(mktemp -u /tmp/rump_demo.XXXXXX); \
	$(BUILD)/bin/rump_allserver unix://$$sock || exit 1; \
	export RUMP_SERVER=unix://$$sock; \
	$(BUILD)/examples/rump_remote_demo write && \
	$(BUILD)/examples/rump_remote_demo read; st=$$?; \
	$(BUILD)/bin/rump.stat; \
	$(BUILD)/bin/rump.halt && echo "server halted, socket removed:" \
	    "$$(test -e $$sock && echo no || echo yes)"; exit $$st

check: all
	meson test -C $(BUILD) --print-errorlogs --num-processes 2

check-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    meson test -C $(ASAN_BUILD) --print-errorlogs --num-processes 2 \
	    --timeout-multiplier 3

bench: deps $(BENCH_BUILD)/build.ninja
	ninja -C $(BENCH_BUILD)
	bench/run.sh $(BENCH_BUILD)

# libFuzzer harnesses (fuzz/) need clang: a separate build, then a run of
# FUZZ_TIME seconds of each harness over a scratch copy of its corpus.
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 120
fuzz: deps
	@command -v clang >/dev/null || { echo "make fuzz needs clang"; exit 1; }
	test -f $(FUZZ_BUILD)/build.ninja || CC=clang meson setup $(FUZZ_BUILD) \
	    -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug \
	    -Dtests=false
	ninja -C $(FUZZ_BUILD) fuzz/fuzz_sp
	rm -rf $(FUZZ_BUILD)/corpus-sp && cp -r fuzz/corpus/sp $(FUZZ_BUILD)/corpus-sp
	$(FUZZ_BUILD)/fuzz/fuzz_sp -max_total_time=$(FUZZ_TIME) $(FUZZ_BUILD)/corpus-sp

install: all
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(BENCH_BUILD)
