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
       e2fsprogs

.PHONY: all deps run check check-asan bench install clean

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

$(BENCH_BUILD)/build.ninja:
	meson setup $(BENCH_BUILD) --buildtype=release -Ddiagnostic=false \
	    -Dtests=false

run: all
	$(BUILD)/examples/rump_demo

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

install: all
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(BENCH_BUILD)
