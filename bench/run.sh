#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# run.sh: run the benchmarks and print a summary table.
#
#	bench/run.sh BUILD_DIR
#
# Started by `make bench` after the build; it builds nothing itself.  Every
# benchmark program prints its own details and RESULT lines (see
# bench/bench.h); this script collects them.  The boot benchmark needs a
# fresh process per boot, so it is started BOOT_RUNS times here and the
# medians are taken.  Each row of the summary gives our figure, the
# reference, their ratio (ours / reference) and the target.
set -eu

BOOT_RUNS=11

if [ $# -ne 1 ] || [ ! -d "$1/bench" ]; then
	echo "usage: $0 BUILD_DIR (a configured and built meson directory)" >&2
	exit 2
fi
B=$1/bench
for prog in bench_boot_core bench_boot_vfs bench_syscall bench_tmpfs_meta \
    bench_tmpfs_data; do
	if [ ! -x "$B/$prog" ]; then
		echo "$0: $B/$prog is missing: build first" >&2
		exit 2
	fi
done

RESULTS=$(mktemp)
trap 'rm -f "$RESULTS"' EXIT INT TERM

# median FIELD: the median of column FIELD of "|"-separated lines on stdin.
median() {
	cut -d'|' -f"$1" | sort -n | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) exit 1
			if (NR % 2) print v[(NR + 1) / 2]
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

# boot VARIANT REF_MS: BOOT_RUNS fresh processes, median boot time and RSS.
boot() {
	lines=$(i=0; while [ $i -lt $BOOT_RUNS ]; do
		"$B/bench_boot_$1" || exit 1
		i=$((i + 1))
	done | grep '^BOOT|') || {
		echo "$0: bench_boot_$1 failed" >&2
		exit 1
	}
	if [ "$(echo "$lines" | wc -l)" -ne $BOOT_RUNS ]; then
		echo "$0: bench_boot_$1 failed" >&2
		exit 1
	fi
	wall=$(echo "$lines" | median 3)
	kern=$(echo "$lines" | median 4)
	rss=$(echo "$lines" | median 5)
	kmem=$(echo "$lines" | median 6)
	awk -v v="$1" -v w="$wall" -v k="$kern" -v r="$rss" -v m="$kmem" \
	    -v n="$BOOT_RUNS" 'BEGIN {
		printf "  %-4s rump_init %7.3f ms (kernel says %.3f ms), " \
		    "RSS +%.0f KiB, kmem %.0f KiB; median of %d boots\n",
		    v, w / 1e6, k / 1e6, r / 1024, m / 1024, n
	}'
	awk -v v="$1" -v w="$wall" -v ref="$2" 'BEGIN {
		printf "RESULT|boot %s|%.3f|%.3f|ms|< 1|published*\n",
		    v, w / 1e6, ref
	}' >>"$RESULTS"
	awk -v v="$1" -v r="$rss" 'BEGIN {
		printf "RESULT|boot %s RSS|%.3f|2.900|MiB|< 1|published*\n",
		    v, r / 1048576
	}' >>"$RESULTS"
}

# run PROG: run a benchmark program, show its report, keep its RESULTs.
run() {
	echo "== $1"
	out=$("$B/$1") || {
		echo "$out"
		echo "$0: $1 failed" >&2
		exit 1
	}
	echo "$out" | grep -v '^RESULT|' || true
	echo "$out" | grep '^RESULT|' >>"$RESULTS" || true
	echo
}

echo "== bench_boot (core only; core + vfs + tmpfs)"
boot core 6.5
boot vfs 9.9
echo
run bench_syscall
run bench_tmpfs_meta
run bench_tmpfs_data

echo "== summary (ratio = ours / reference)"
awk -F'|' '
	function met(ours, ratio, target,   op, num, val) {
		split(target, t, " ")
		op = t[1]; num = t[2]
		val = ours
		if (num ~ /x$/) { sub(/x$/, "", num); val = ratio }
		if (op == "<")  return val <  num + 0
		if (op == "<=") return val <= num + 0
		if (op == ">")  return val >  num + 0
		if (op == ">=") return val >= num + 0
		return 0
	}
	BEGIN {
		printf "%-18s %10s %10s %-12s %7s  %-13s %s\n", "benchmark",
		    "ours", "reference", "reference is", "ratio", "target", "met"
	}
	{
		ratio = ($4 > 0) ? $3 / $4 : 0
		printf "%-18s %10.3f %10.3f %-12s %7.2f  %-13s %s\n",
		    $2, $3, $4, $7, ratio, ($6 ~ /x$/) ? $6 : $6 " " $5,
		    met($3, ratio, $6) ? "yes" : "no"
	}' "$RESULTS"
echo "* published: NetBSD rump kernel figures (6.5 ms core, 9.9 ms with" \
    "vfs+tmpfs, ~2.9 MiB RSS), not measured here."
