#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# bench_hijack_net.sh: TCP throughput of one iperf3 connection between
# Linux and a rump kernel over a tap device, beside Linux and Linux over
# a veth pair, measured in the same run (issue 6's "over tap" target,
# issue 7's iperf3 case).
#
#	bench/bench_hijack_net.sh BUILD_DIR
#
#   tap    iperf3 -s under librumphijack, its socket in rump_allserver's
#          kernel (virtif0 10.79.0.2/24 on a tap); iperf3 -c -t 3 from a
#          namespace holding the tap (10.79.0.1/24).  ns -> rump, and
#          rump -> ns with -R.
#   veth   iperf3 -s in one namespace, iperf3 -c -t 3 in another, joined
#          by a veth pair (10.80.0.1/24, 10.80.0.2/24); the same two
#          directions.
# Each figure is the median of BENCH_HIJACK_NET_RUNS (default 3) runs of
# the receiver's bitrate, the four kinds interleaved; a failed iperf3 run
# is tried again once.  Prints the details and RESULT lines
# (bench/bench.h's format) for bench/run.sh.  Needs root, /dev/net/tun,
# network namespaces, iperf3 and python3; without them it says why and
# prints no RESULT line.
set -eu

if [ $# -ne 1 ] || [ ! -x "$1/bin/rump_allserver" ]; then
	echo "usage: $0 BUILD_DIR (a configured and built meson directory)" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
HIJACK=$B/lib/librumphijack/librumphijack.so
RUNS=${BENCH_HIJACK_NET_RUNS:-3}
SECS=3

if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ] ||
    ! command -v iperf3 >/dev/null 2>&1 ||
    ! command -v python3 >/dev/null 2>&1 ||
    ! command -v ip >/dev/null 2>&1; then
	echo "== bench_hijack_net: skipped (needs root, /dev/net/tun, ip," \
	    "iperf3 and python3)"
	exit 0
fi

T=$(mktemp -d /tmp/bench_hijack_net.XXXXXX)
SOCK=$T/sock
NST=bhntap$$
NSA=bhnva$$
NSB=bhnvb$$
TAP=bhnt$$

cleanup() {
	[ -S "$SOCK" ] && RUMP_SERVER="unix://$SOCK" timeout 10 \
	    "$B/bin/rump.halt" 2>/dev/null || true
	for ns in "$NST" "$NSA" "$NSB"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 \
		    2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

ip netns add "$NST" 2>/dev/null || {
	echo "== bench_hijack_net: skipped (network namespaces not permitted)"
	exit 0
}
ip netns add "$NSA"
ip netns add "$NSB"

# The rump kernel on a tap, the tap in namespace NST.
"$B/bin/rump_allserver" "unix://$SOCK"
RUMP_SERVER="unix://$SOCK" "$B/bin/rump.ifconfig/rump.ifconfig" virtif0 create \
    linkstr "$TAP" 10.79.0.2/24 up
ip link set "$TAP" netns "$NST"
ip -n "$NST" addr add 10.79.0.1/24 dev "$TAP"
ip -n "$NST" link set "$TAP" up
ip -n "$NST" link set lo up

# The veth pair between NSA and NSB.
ip link add bhnva$$ netns "$NSA" type veth peer name bhnvb$$ netns "$NSB"
ip -n "$NSA" addr add 10.80.0.1/24 dev bhnva$$
ip -n "$NSB" addr add 10.80.0.2/24 dev bhnvb$$
for ns in "$NSA" "$NSB"; do
	ip -n "$ns" link set lo up
done
ip -n "$NSA" link set bhnva$$ up
ip -n "$NSB" link set bhnvb$$ up

cat >"$T/rate.py" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
print("%.3f" % (j["end"]["sum_received"]["bits_per_second"] / 1e9))
EOF

# one KIND [-R]: one iperf3 run, the receiver's Gbit/s on stdout.
# KIND tap: the server hijacked into the rump kernel, the client in NST;
# KIND veth: the server in NSB, the client in NSA.
one() {
	kind=$1
	shift
	rm -f "$T/s.out" "$T/c.json"
	if [ "$kind" = tap ]; then
		RUMPHIJACK=path=/rump,socket=inet LD_PRELOAD="$HIJACK" \
		    RUMP_SERVER="unix://$SOCK" timeout 60 iperf3 -s -1 \
		    --forceflush -B 10.79.0.2 >"$T/s.out" 2>&1 </dev/null &
		addr=10.79.0.2
		cns=$NST
	else
		ip netns exec "$NSB" timeout 60 iperf3 -s -1 --forceflush \
		    -B 10.80.0.2 >"$T/s.out" 2>&1 </dev/null &
		addr=10.80.0.2
		cns=$NSA
	fi
	spid=$!
	i=0
	until grep -q "Server listening" "$T/s.out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 200 ]; then
			cat "$T/s.out" >&2
			return 1
		fi
		sleep 0.05
	done
	if ! ip netns exec "$cns" timeout 60 iperf3 -c "$addr" -t "$SECS" \
	    -J "$@" >"$T/c.json" 2>&1 || ! wait $spid; then
		echo "$0: iperf3 $kind $* failed" >&2
		cat "$T/s.out" "$T/c.json" >&2
		return 1
	fi
	python3 "$T/rate.py" "$T/c.json"
}

# median: of the numbers on stdin.
median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# two KIND [-R]: one run, tried again once if iperf3 failed.
two() {
	one "$@" || one "$@"
}

echo "== bench_hijack_net (iperf3, one TCP connection, -t $SECS," \
    "median of $RUNS)"
tf="" tr="" vf="" vr=""
r=0
while [ $r -lt "$RUNS" ]; do
	tf="$tf $(two tap)"
	vf="$vf $(two veth)"
	tr="$tr $(two tap -R)"
	vr="$vr $(two veth -R)"
	r=$((r + 1))
done
med() { echo "$1" | tr ' ' '\n' | grep . | median; }
tapf=$(med "$tf")
tapr=$(med "$tr")
vethf=$(med "$vf")
vethr=$(med "$vr")
echo "  ns -> rump over tap:   $tapf Gbit/s (runs:$tf)"
echo "  ns -> ns over veth:    $vethf Gbit/s (runs:$vf)"
echo "  rump -> ns over tap:   $tapr Gbit/s (runs:$tr)"
echo "  ns -> ns over veth -R: $vethr Gbit/s (runs:$vr)"
echo "RESULT|iperf3 ns->rump tap|$tapf|$vethf|Gbit/s|>= 0.8x|veth ns<->ns"
echo "RESULT|iperf3 rump->ns tap|$tapr|$vethr|Gbit/s|>= 0.8x|veth ns<->ns"
