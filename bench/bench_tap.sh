#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# bench_tap.sh: a rump kernel's TCP/IP against the Linux stack over a tap
# (virtif), beside Linux against Linux over a veth pair between two
# namespaces, measured in the same run.
#
#	bench/bench_tap.sh BUILD_DIR
#
#   throughput   one TCP connection, BENCH_TAP_MB (default 1024) MiB.
#                rump -> Linux: h_tap sends the test stream from inside
#                the kernel to "socat -u TCP-LISTEN: /dev/null" in the
#                namespace, timed from the go signal to socat's exit;
#                Linux -> rump: "socat -u OPEN:/dev/zero TCP:" to h_tap
#                reading into /dev/null, timed by h_tap (accept to EOF).
#                Reference: socat to socat over the veth pair, timed from
#                the client's start to the server's exit.  socat moves
#                256 KiB per call (-b), as h_tap does.
#   ping-pong    1-byte TCP round trips (TCP_NODELAY), bench_tap_peer
#                in the namespace against h_tap's echo; reference: the
#                same client against bench_tap_peer's echo over the veth.
#   loss         rump -> Linux (offload off) and veth (offloads off) with
#                BENCH_TAP_LOSS_PM (default 10) per mille of the TCP packets
#                dropped each way by nftables in the receiving namespace,
#                BENCH_TAP_LOSS_MB (default 64) MiB; needs nft and ethtool
#                (this kernel has no netem)
#   ICMP         echo round trips, mean: h_inet (raw socket in the rump
#                kernel) pinging the namespace's side of the tap;
#                reference: bench_tap_peer pinging the veth peer.  The
#                namespace pinging the rump kernel is shown beside it.
# Each figure is the median of BENCH_TAP_RUNS runs (default 5); the
# throughput ratios are also given as the median of each run's own ratio
# (a transfer against the veth transfer of the same run, so a slow moment
# of the machine weighs on both sides).  Prints the details and RESULT
# lines (bench/bench.h's format) for bench/run.sh.  Needs root, network
# namespaces, /dev/net/tun, ip(8) and socat, and the build's
# tests/netinet/h_tap and h_inet and bench/bench_tap_peer; without them
# it says why and exits 0 with no RESULT lines.
set -u

if [ $# -ne 1 ] || [ ! -x "$1/tests/netinet/h_tap" ] ||
    [ ! -x "$1/bench/bench_tap_peer" ]; then
	echo "usage: $0 BUILD_DIR (a configured and built meson directory)" >&2
	exit 2
fi
B=$(cd "$1" && pwd)/tests/netinet
PEER=$(cd "$1" && pwd)/bench/bench_tap_peer
MB=${BENCH_TAP_MB:-1024}
BYTES=$((MB * 1048576))
LOSS_PM=${BENCH_TAP_LOSS_PM:-10}
LMB=${BENCH_TAP_LOSS_MB:-64}
LBYTES=$((LMB * 1048576))
RUNS=${BENCH_TAP_RUNS:-5}
T=$(mktemp -d /tmp/bench_tap.XXXXXX) || exit 1
ns=btapns$$
va=btapva$$
vb=btapvb$$
tap=btap$$
kpid=""

cleanup() {
	[ -n "$kpid" ] && kill "$kpid" 2>/dev/null
	for n in $ns $va $vb; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

echo "== bench_tap ($MB MiB per transfer, median of $RUNS runs)"
skip() {
	echo "  skipped: $1"
	exit 0
}
[ "$(id -u)" = 0 ] || skip "not root"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
for t in ip socat timeout; do
	command -v $t >/dev/null 2>&1 || skip "no $t"
done
ip netns add "$ns" 2>/dev/null || skip "network namespaces not permitted"
ip netns add "$va" && ip netns add "$vb" || exit 1
for n in $ns $va $vb; do
	ip -n "$n" link set lo up
done
ip -n "$va" link add veth0 type veth peer name veth1 netns "$vb" &&
ip -n "$va" addr add 10.78.0.1/24 dev veth0 &&
ip -n "$vb" addr add 10.78.0.2/24 dev veth1 &&
ip -n "$va" link set veth0 up &&
ip -n "$vb" link set veth1 up || exit 1

now() { date +%s.%N; }
elapsed() { echo "$1 $2" | awk '{ printf "%.6f", $2 - $1 }'; }
fail() { echo "$0: $1" >&2; cat "$T"/*.log >&2 2>/dev/null; exit 1; }

waitfile() {
	i=0
	while [ ! -f "$1" ]; do
		i=$((i + 1))
		[ $i -gt 400 ] && return 1
		sleep 0.025
	done
}

# kernel PROG ARGS...: a rump kernel with virtif on a new tap, moved
# into $ns and configured (the kernel has .2, the namespace .1); stdin
# from $kin, stdout to $kout (default /dev/null and $T/k.out), with the
# environment assignments in $kenv.
kernel() {
	prog=$1
	shift
	rm -f "$T/k.ready" "$T/k.ready.bound" "$T/k.go"
	timeout 300 env ${kenv:-} "$prog" -v "$tap,10.77.0.2/24" -R "$T/k.ready" "$@" \
	    >"${kout:-$T/k.out}" 2>"$T/k.log" <"${kin:-/dev/null}" &
	kpid=$!
	waitfile "$T/k.ready" || fail "the rump kernel did not start"
	ip link set "$tap" netns "$ns" &&
	ip -n "$ns" addr add 10.77.0.1/24 dev "$tap" &&
	ip -n "$ns" link set "$tap" up || fail "tap set-up"
	i=0
	until ip netns exec "$ns" ip route get 10.77.0.2 >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 100 ] && fail "no route to the rump kernel"
		sleep 0.05
	done
}
kwait() {
	wait "$kpid"
	r=$?
	kpid=""
	return $r
}

# median: of the numbers on stdin, one a line.
median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

mibs() { echo "$1" | awk -v b="$BYTES" '{ printf "%.1f", b / $1 / 1048576 }'; }

run_tx() {	# rump -> Linux: MiB/s
	ip netns exec "$ns" timeout 300 socat -b 262144 -u TCP-LISTEN:5101,reuseaddr \
	    OPEN:/dev/null &
	spid=$!
	kernel "$B/h_tap" -W "$T/k.go" -g "$BYTES" connect 10.77.0.1 5101
	t0=$(now)
	touch "$T/k.go"
	wait "$spid" || fail "socat (rump -> Linux)"
	t1=$(now)
	kwait || fail "h_tap connect"
	mibs "$(elapsed "$t0" "$t1")"
}

run_rx() {	# Linux -> rump: MiB/s
	# What arrives goes to /dev/null, as socat's does over the veth
	# (a file under /tmp would add a write to disk to our side only).
	kout=/dev/null kernel "$B/h_tap" listen 5102
	waitfile "$T/k.ready.bound" || fail "h_tap listen"
	ip netns exec "$ns" timeout 300 socat -b 262144 -u \
	    OPEN:/dev/zero,readbytes=$BYTES TCP:10.77.0.2:5102 ||
	    fail "socat (Linux -> rump)"
	kwait || fail "h_tap listen"
	s=$(sed -n 's/.* received \([0-9]*\) bytes in \([0-9.]*\) s.*/\1 \2/p' \
	    "$T/k.log")
	[ "${s%% *}" = "$BYTES" ] || fail "h_tap got ${s%% *} bytes"
	mibs "${s#* }"
}

# veth_xfer PORT BYTES: socat to socat over the veth pair, MiB/s.
veth_xfer() {
	ip netns exec "$vb" timeout 300 socat -b 262144 -u \
	    TCP-LISTEN:"$1",reuseaddr OPEN:/dev/null &
	spid=$!
	sleep 0.2
	t0=$(now)
	ip netns exec "$va" timeout 300 socat -b 262144 -u \
	    OPEN:/dev/zero,readbytes="$2" TCP:10.78.0.2:"$1" ||
	    fail "socat (veth)"
	wait "$spid" || fail "socat server (veth)"
	t1=$(now)
	echo "$2 $t0 $t1" | awk '{ printf "%.1f", $1 / ($3 - $2) / 1048576 }'
}

run_veth() {	# Linux -> Linux over the veth: MiB/s
	veth_xfer 5103 "$BYTES"
}

run_pp() {	# tap: us per 1-byte round trip
	kernel "$B/h_tap" echo 5104
	waitfile "$T/k.ready.bound" || fail "h_tap echo"
	ip netns exec "$ns" timeout 60 "$PEER" pingpong 10.77.0.2 5104 \
	    20000 || fail "pingpong (tap)"
	kwait || fail "h_tap echo"
}

run_pp_veth() {
	rm -f "$T/e.ready"
	ip netns exec "$vb" timeout 60 "$PEER" echo 5105 "$T/e.ready" &
	epid=$!
	waitfile "$T/e.ready" || fail "echo server (veth)"
	ip netns exec "$va" timeout 60 "$PEER" pingpong 10.78.0.2 5105 \
	    20000 || fail "pingpong (veth)"
	wait "$epid"
}

run_icmp() {	# rump -> Linux over the tap: mean us
	kernel "$B/h_inet" -W "$T/k.go" ping 10.77.0.1 1000
	ip netns exec "$ns" timeout 60 "$PEER" icmp 10.77.0.2 1000 \
	    >"$T/icmp_in" || fail "ICMP to the rump kernel"
	touch "$T/k.go"
	kwait || fail "h_inet ping"
	sed -n 's|.*rtt min/avg/max [0-9.]*/\([0-9.]*\)/.*|\1|p' "$T/k.out" |
	    awk '{ printf "%.1f", $1 * 1000 }'
	printf " %s" "$(cat "$T/icmp_in")"
}

# lossy NS on|off: drop LOSS_PM per mille of the TCP packets that enter
# and leave namespace NS (nftables, "numgen random"), on wire-sized
# segments: segmentation and receive offloads of the namespace's devices
# are turned off first (a 64 KiB aggregate lost whole would be 44
# segments).  This machine's kernel has no netem (the issue's reference
# tool); nftables' random drop is the same loss model.
lossy() {
	ip netns exec "$1" nft delete table inet bench_loss 2>/dev/null
	[ "$2" = off ] && return 0
	for d in $(ip -n "$1" -o link show | awk -F': ' '{ print $2 }' |
	    sed 's/@.*//'); do
		[ "$d" = lo ] && continue
		ip netns exec "$1" ethtool -K "$d" tso off gso off gro off 		    >/dev/null 2>&1
	done
	ip netns exec "$1" nft -f - <<-EOF
	table inet bench_loss {
		chain in { type filter hook input priority 0;
			meta l4proto tcp numgen random mod 1000 < $LOSS_PM drop; }
		chain out { type filter hook output priority 0;
			meta l4proto tcp numgen random mod 1000 < $LOSS_PM drop; }
	}
	EOF
}

run_tx_loss() {	# rump -> Linux at LOSS_PM: MiB/s
	ip netns exec "$ns" timeout 300 socat -b 262144 -u TCP-LISTEN:5106,reuseaddr \
	    OPEN:/dev/null &
	spid=$!
	kenv=RUMP_VIRTIF_NOOFFLOAD=1
	kernel "$B/h_tap" -W "$T/k.go" -g "$LBYTES" connect 10.77.0.1 5106
	kenv=
	lossy "$ns" on || fail "nft (tap)"
	t0=$(now)
	touch "$T/k.go"
	wait "$spid" || fail "socat (rump -> Linux, loss)"
	t1=$(now)
	lossy "$ns" off
	kwait || fail "h_tap connect (loss)"
	echo "$LBYTES $t0 $t1" | awk '{ printf "%.1f", $1 / ($3 - $2) / 1048576 }'
}

run_veth_loss() {	# Linux -> Linux over the veth at LOSS_PM: MiB/s
	lossy "$vb" on || fail "nft (veth)"
	ip netns exec "$va" ethtool -K veth0 tso off gso off gro off \
	    >/dev/null 2>&1
	r=$(veth_xfer 5107 "$LBYTES") || exit 1
	lossy "$vb" off
	ip netns exec "$va" ethtool -K veth0 tso on gso on >/dev/null 2>&1
	ip netns exec "$vb" ethtool -K veth1 tso on gso on >/dev/null 2>&1
	echo "$r"
}

run_icmp_veth() {
	ip netns exec "$va" timeout 60 "$PEER" icmp 10.78.0.2 1000 ||
	    fail "ICMP (veth)"
}

: >"$T/tx"; : >"$T/rx"; : >"$T/veth"; : >"$T/txr"; : >"$T/rxr"
: >"$T/pp"; : >"$T/ppv"; : >"$T/icmp"; : >"$T/icmpv"; : >"$T/icmpi"
i=0
while [ $i -lt $RUNS ]; do
	tx=$(run_tx) || exit 1
	rx=$(run_rx) || exit 1
	ve=$(run_veth) || exit 1
	pp=$(run_pp) || exit 1
	ppv=$(run_pp_veth) || exit 1
	ic=$(run_icmp) || exit 1
	ici=${ic#* }
	ic=${ic% *}
	icv=$(run_icmp_veth) || exit 1
	echo "  run $((i + 1)): rump->Linux $tx MiB/s, Linux->rump $rx MiB/s," \
	    "veth $ve MiB/s; ping-pong $pp us (veth $ppv us);" \
	    "ICMP $ic us (veth $icv us; Linux to rump $ici us)"
	echo "$tx" >>"$T/tx"; echo "$rx" >>"$T/rx"; echo "$ve" >>"$T/veth"
	echo "$pp" >>"$T/pp"; echo "$ppv" >>"$T/ppv"
	echo "$ic" >>"$T/icmp"; echo "$icv" >>"$T/icmpv"
	echo "$ici" >>"$T/icmpi"
	echo "$tx $ve" | awk '{ print $1 / $2 }' >>"$T/txr"
	echo "$rx $ve" | awk '{ print $1 / $2 }' >>"$T/rxr"
	i=$((i + 1))
done
# With loss: last, since they turn the namespaces' offloads off.
: >"$T/txl"; : >"$T/vel"; : >"$T/txlr"
i=0
while [ $i -lt $RUNS ] && command -v nft >/dev/null 2>&1 &&
    command -v ethtool >/dev/null 2>&1; do
	txl=$(run_tx_loss) || exit 1
	vel=$(run_veth_loss) || exit 1
	echo "  loss run $((i + 1)) ($LOSS_PM per mille each way, $LMB MiB):" \
	    "rump->Linux $txl MiB/s, veth $vel MiB/s"
	echo "$txl" >>"$T/txl"; echo "$vel" >>"$T/vel"
	echo "$txl $vel" | awk '{ print $1 / $2 }' >>"$T/txlr"
	i=$((i + 1))
done
tx=$(median <"$T/tx"); rx=$(median <"$T/rx"); ve=$(median <"$T/veth")
pp=$(median <"$T/pp"); ppv=$(median <"$T/ppv")
ic=$(median <"$T/icmp"); icv=$(median <"$T/icmpv")
ici=$(median <"$T/icmpi")
for row in "rump->Linux|$tx|$ve|MiB/s" "Linux->rump|$rx|$ve|MiB/s" \
    "ping-pong|$pp|$ppv|us" "ICMP echo|$ic|$icv|us" \
    "ICMP to rump|$ici|$icv|us"; do
	echo "$row" | awk -F'|' '{ printf "  %-12s %9.1f %s  reference %9.1f" \
	    " %s  ratio %.2f\n", $1, $2, $4, $3, $4, $2 / $3 }'
done
echo "  per-run ratios, median: rump->Linux $(median <"$T/txr")," \
    "Linux->rump $(median <"$T/rxr")"
echo "RESULT|tap tcp rump->Linux|$tx|$ve|MiB/s|>= 0.8x|Linux veth pair"
echo "RESULT|tap tcp Linux->rump|$rx|$ve|MiB/s|>= 0.8x|Linux veth pair"
echo "RESULT|tap tcp 1-byte RTT|$pp|$ppv|us|<= 2x|Linux veth pair"
echo "RESULT|tap ICMP echo RTT|$ic|$icv|us|<= 2x|Linux veth pair"
if [ -s "$T/txl" ]; then
	txl=$(median <"$T/txl"); vel=$(median <"$T/vel")
	echo "$txl $vel $LOSS_PM $(median <"$T/txlr")" | awk '{
	    printf "  at %.1f%% loss: rump->Linux %.1f MiB/s, veth %.1f MiB/s," \
	    " ratio %.2f (per-run median %.2f)\n", $3 / 10, $1, $2,
	    $1 / $2, $4 }'
	echo "RESULT|tap tcp rump->Linux $((LOSS_PM / 10))% loss|$txl|$vel|MiB/s||Linux veth pair, nft drop"
else
	echo "  at loss: skipped (no nft or ethtool)"
fi
