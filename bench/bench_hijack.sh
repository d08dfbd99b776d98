#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# bench_hijack.sh: unmodified programs through librumphijack against the
# same programs on the host's tmpfs, measured in the same run.
#
#	bench/bench_hijack.sh BUILD_DIR
#
#   cat       cat of a BENCH_HIJACK_MB (default 1024) MiB file to /dev/null:
#             a rump tmpfs file through the hijack vs a /dev/shm file
#   cp -r     cp -r of a 20 000-file tree (200 directories of 100 files
#             of 100 bytes) from /dev/shm into the rump kernel vs into
#             /dev/shm
#   stat      hijacked stat() of a rump file, µs per call, beside the
#             remote getpid floor (rump_sys_getpid through librumpclient)
#   read      hijacked 1-byte read() of a rump file, the same
# Prints the details and RESULT lines (bench/bench.h's format) for
# bench/run.sh.  Needs cc and the build's rump_allserver and libraries.
set -eu

if [ $# -ne 1 ] || [ ! -x "$1/bin/rump_allserver" ]; then
	echo "usage: $0 BUILD_DIR (a configured and built meson directory)" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
HIJACK=$B/lib/librumphijack/librumphijack.so
MB=${BENCH_HIJACK_MB:-1024}
SHM=/dev/shm
[ -d "$SHM" ] && [ -w "$SHM" ] || SHM=/tmp
T=$(mktemp -d /tmp/bench_hijack.XXXXXX)
H=$(mktemp -d "$SHM/bench_hijack.XXXXXX")
SOCK=$T/sock

cleanup() {
	[ -S "$SOCK" ] && RUMP_SERVER="unix://$SOCK" "$B/bin/rump.halt" \
	    2>/dev/null || true
	rm -rf "$T" "$H"
}
trap cleanup EXIT INT TERM

# secs CMD...: wall time of CMD in seconds.
secs() {
	s=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || { echo "$0: failed: $*" >&2; exit 1; }
	e=$(date +%s.%N)
	echo "$s $e" | awk '{ printf "%.3f", $2 - $1 }'
}
hj() { LD_PRELOAD="$HIJACK" RUMP_SERVER="unix://$SOCK" "$@"; }

cc -O2 -o "$T/calls" "$SRC/bench/bench_hijack_calls.c"
cc -O2 -DWITH_RUMPCLIENT -I"$SRC/include" -I"$B/include" \
    -o "$T/calls_rc" "$SRC/bench/bench_hijack_calls.c" \
    -L"$B/lib/librumpclient" -lrumpclient \
    -Wl,-rpath,"$B/lib/librumpclient"

"$B/bin/rump_allserver" -r $((MB * 2 + 512))m "unix://$SOCK"

echo "== bench_hijack ($MB MiB file, 20000-file tree; host side on $SHM)"

# --- cat of a big file ---
dd if=/dev/zero of="$H/big" bs=1M count="$MB" 2>/dev/null
hj dd if=/dev/zero of=/rump/big bs=1M count="$MB" 2>/dev/null
cat "$H/big" >/dev/null
host_cat=$(secs cat "$H/big")
rump_cat=$(secs hj cat /rump/big)
hj rm /rump/big
rm -f "$H/big"
echo "  cat $MB MiB to /dev/null: rump $rump_cat s, host $host_cat s"

# --- cp -r of 20 000 small files ---
mkdir "$H/tree"
(cd "$H/tree" && awk 'BEGIN {
	line = sprintf("%099d", 0)
	for (d = 0; d < 200; d++) {
		dir = sprintf("d%03d", d)
		system("mkdir " dir)
		for (f = 0; f < 100; f++)
			print line > (dir "/f" f)
		for (f = 0; f < 100; f++)
			close(dir "/f" f)
	}
}')
host_cp=$(secs cp -r "$H/tree" "$H/copy")
rump_cp=$(secs hj cp -r "$H/tree" /rump/copy)
n=$(hj find /rump/copy -type f | wc -l)
[ "$n" -eq 20000 ] || { echo "$0: $n files copied, not 20000" >&2; exit 1; }
echo "  cp -r 20000 files: rump $rump_cp s, host $host_cp s"

# --- per-call costs ---
head -c 100000 /dev/zero >"$H/small"
hj cp "$H/small" /rump/small
N=20000
host_stat=$("$T/calls" stat "$H/small" $N | cut -d'|' -f3)
rump_stat=$(hj "$T/calls" stat /rump/small $N | cut -d'|' -f3)
host_read=$("$T/calls" read "$H/small" $N | cut -d'|' -f3)
rump_read=$(hj "$T/calls" read /rump/small $N | cut -d'|' -f3)
floor=$(RUMP_SERVER="unix://$SOCK" "$T/calls_rc" getpid $N | cut -d'|' -f3)
echo "  stat(): rump $rump_stat us, host $host_stat us, remote getpid $floor us"
echo "  read(1 byte): rump $rump_read us, host $host_read us"

echo "RESULT|hijack cat ${MB} MiB|$rump_cat|$host_cat|s|< 3x|host tmpfs"
echo "RESULT|hijack cp -r 20000|$rump_cp|$host_cp|s|< 10x|host tmpfs"
echo "RESULT|hijack stat()|$rump_stat|$floor|us|< 1.5x|remote getpid"
echo "RESULT|hijack read() 1 byte|$rump_read|$floor|us|< 1.5x|remote getpid"
