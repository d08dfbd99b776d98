#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# t_tcp.sh: TCP between two rump kernels (one per process, h_tcp) on a
# shmif bus in a temporary directory: connect both ways, a 256 MiB
# transfer with hashes compared (jumbo MTU; it used to stall when a loss
# burst filled the reassembly queue), many concurrent
# connections, keepalive noticing a killed peer, a small transfer whose
# capture tshark must find clean, and transfers through
# the test impairment in tcp_input (RUMP_TCP_IMPAIR, seeded) and on
# the link (shmif's RUMP_SHMIF_IMPAIR) at 1, 5 and 10 % loss and with
# duplication plus reordering, and a link delay.  The sink closes
# with SO_LINGER so its answer is resent if lost before its process (and
# kernel) exits.  Speaks TAP.
#
# H_TCP names the program (meson sets it).  T_TCP_BIG overrides the size
# of the big transfer (bytes).  Every client runs under timeout(1), every
# peer is waited for with a deadline and checked to be alive, and the
# processes and the bus directory go on any exit.

H_TCP=${H_TCP:-./h_tcp}
BIG=${T_TCP_BIG:-268435456}
TMO=180                                 # seconds, any one client
dir=$(mktemp -d /tmp/t_tcp.XXXXXX) || exit 1
pids=""
peerbad=0
n=0
fail=0

cleanup() {
	for p in $pids; do
		kill -9 "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1))
	fail=1
	echo "not ok $n - $1"
	sed 's/^/# /' "$dir/out"
	for f in "$dir"/*.log; do
		[ -f "$f" ] && sed "s|^|# $(basename "$f"): |" "$f"
	done
}

check() {
	desc=$1
	shift
	if [ "$peerbad" = 1 ]; then
		echo "(the peer did not start)" >"$dir/out"
		notok "$desc"
		return
	fi
	if timeout $TMO "$@" >"$dir/out" 2>&1; then
		ok "$desc"
		sed 's/^/# /' "$dir/out"
	else
		notok "$desc"
	fi
}

# start NAME ARGS...: a background kernel; waits for its ready file.
start() {
	name=$1
	shift
	rm -f "$dir/$name.ready"
	"$H_TCP" -R "$dir/$name.ready" "$@" >"$dir/$name.log" 2>&1 &
	last=$!
	pids="$pids $last"
	i=0
	while [ ! -f "$dir/$name.ready" ]; do
		i=$((i + 1))
		if [ $i -gt 1200 ] || ! kill -0 "$last" 2>/dev/null; then
			echo "# $name did not come up"
			sed "s/^/# $name: /" "$dir/$name.log"
			peerbad=1
			return 1
		fi
		sleep 0.05
	done
}

stopall() {
	for p in $pids; do
		kill -9 "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	pids=""
	peerbad=0
	rm -f "$dir"/*.log
	newbus
}

# newbus: a fresh bus file for the next case.  A peer killed with -9 in
# the middle of a bus operation leaves the bus's lock taken for good
# (shmif has no recovery from a dead lock holder), and a kernel attaching
# to that bus later would hang.
busn=0
newbus() {
	busn=$((busn + 1))
	B=$dir/bus$busn
	A="$B,10.0.0.1/24"
	C="$B,10.0.0.2/24"
}

echo "1..29"
newbus

start sink -i "$A" sink 5001 1
check "connect B -> A, 1 MiB" "$H_TCP" -i "$C" source 10.0.0.1 5001 1048576
stopall
start sink -i "$C" sink 5001 1
check "connect A -> B (the other way), 1 MiB" \
	"$H_TCP" -i "$A" source 10.0.0.2 5001 1048576
stopall

# capscan EXTRA COUNTFILTER MIN: the bus's frames as a pcap, which
# tshark (TCP analysis, checksum checks) must find free of malformed or
# out-of-spec packets and of EXTRA (a display filter, or ""), with more
# than MIN frames matching COUNTFILTER.  Details go to $dir/out.
capscan() {
	# A segment that fills the receiver's window to its edge is flow
	# control working (a slow reader), not a fault: tshark's "window
	# full" note is let through, on its own.
	bad='_ws.malformed ||
	    (_ws.expert.severity >= "warning" && !tcp.analysis.window_full) ||
	    tcp.checksum.status == 0 || ip.checksum.status == 0 ||
	    (tcp.analysis.flags && !tcp.analysis.window_update &&
	    !tcp.analysis.window_full) || tcp.analysis.retransmission ||
	    tcp.analysis.fast_retransmission || tcp.analysis.out_of_order ||
	    tcp.analysis.lost_segment || tcp.analysis.duplicate_ack'
	[ -n "$1" ] && bad="$bad || $1"
	if "$SHMIF_DUMPBUS" -p "$dir/cap.pcap" "$B" >"$dir/out" 2>&1 &&
	    tshark -r "$dir/cap.pcap" -o tcp.check_checksum:TRUE \
		-o ip.check_checksum:TRUE -Y "$bad" \
		>"$dir/bad" 2>"$dir/err" && [ ! -s "$dir/bad" ] &&
	    [ "$(tshark -r "$dir/cap.pcap" -Y "$2" 2>/dev/null | wc -l)" -gt "$3" ]
	then
		return 0
	fi
	cat "$dir/bad" "$dir/err" >>"$dir/out" 2>/dev/null
	return 1
}

# capclean DESC EXTRA COUNTFILTER MIN BYTES: capscan of the bus after a
# transfer of BYTES made by the caller.  A flagged capture is taken once
# more, with a new bus, sink and transfer (the environment as it is):
# on a loaded host (the ASan suite beside others) a process that is not
# scheduled for longer than the tail loss probe's 10 ms makes TCP probe
# with a segment the peer already has, which tshark calls a
# retransmission.  What is flagged again is a failure; the first flags
# are shown either way.
capclean() {
	if ! command -v tshark >/dev/null 2>&1 || [ -z "${SHMIF_DUMPBUS:-}" ]; then
		ok "$1 # SKIP tshark or shmif_dumpbus missing"
		return
	fi
	if capscan "$2" "$3" "$4"; then
		ok "$1"
		return
	fi
	echo "# flagged; taking the capture once more:"
	head -5 "$dir/out" | sed 's/^/#   /'
	stopall
	start sink -i "$A" sink 5001 1
	if timeout $TMO "$H_TCP" -i "$C" source 10.0.0.1 5001 "$5" \
	    >"$dir/xout" 2>&1 && capscan "$2" "$3" "$4"; then
		ok "$1"
	else
		notok "$1"
	fi
}

# A transfer small enough that the whole conversation stays in the bus's
# ring, decoded by tshark with its TCP analysis and checksum checks.
# First with shmif's segmentation offload (aggregates on the bus: a
# handful of frames, each summed whole), then without (MSS-sized frames).
start sink -i "$A" sink 5001 1
check "offload: 1 MiB for the capture" "$H_TCP" -i "$C" source 10.0.0.1 5001 1048576
capclean "offload: aggregates on the bus, capture clean" "" 'ip.len > 9000' 5 \
    1048576
stopall
export RUMP_SHMIF_TSO=0
start sink -i "$A" sink 5001 1
check "200 KiB for the capture" "$H_TCP" -i "$C" source 10.0.0.1 5001 204800
capclean "tshark finds the capture clean (checksums, TCP analysis)" "" tcp 140 \
    204800
unset RUMP_SHMIF_TSO
stopall

start sink -i "$A" -m 9000 sink 5001 1
check "$((BIG / 1048576)) MiB, MTU 9000, hashes equal" \
	"$H_TCP" -i "$C" -m 9000 source 10.0.0.1 5001 $BIG
stopall

start many -i "$A" many 5002 1000
check "1000 concurrent connections" "$H_TCP" -i "$C" manyc 10.0.0.1 5002 1000
stopall

start hold -i "$A" hold 5003
timeout 60 "$H_TCP" -R "$dir/ka.ready" -i "$C" keepalive 10.0.0.1 5003 \
    >"$dir/ka.out" 2>&1 &
kapid=$!
i=0
while [ ! -f "$dir/ka.ready" ] && [ $i -lt 1200 ] &&
    kill -0 "$kapid" 2>/dev/null; do
	sleep 0.05
	i=$((i + 1))
done
stopall                                # the peer dies without a word
if wait "$kapid"; then
	cp "$dir/ka.out" "$dir/out"
	ok "keepalive notices a dead peer (ETIMEDOUT)"
	sed 's/^/# /' "$dir/out"
else
	cp "$dir/ka.out" "$dir/out"
	notok "keepalive notices a dead peer (ETIMEDOUT)"
fi

# Loss, duplication and reordering at the receivers' TCP input (seeded).
export RUMP_TCP_IMPAIR="10,0,0" RUMP_TCP_IMPAIR_SEED=10
start sink -i "$A" sink 5004 1
check "4095 KiB intact at 1 % loss (both directions)" \
	"$H_TCP" -i "$C" source 10.0.0.1 5004 4194300
stopall
export RUMP_TCP_IMPAIR="50,0,0" RUMP_TCP_IMPAIR_SEED=50
start sink -i "$A" sink 5004 1
check "819 KiB intact at 5 % loss (both directions)" \
	"$H_TCP" -i "$C" source 10.0.0.1 5004 838860
stopall
export RUMP_TCP_IMPAIR="100,0,0" RUMP_TCP_IMPAIR_SEED=100
start sink -i "$A" sink 5004 1
check "256 KiB intact at 10 % loss (both directions)" \
	"$H_TCP" -i "$C" source 10.0.0.1 5004 262144
stopall
export RUMP_TCP_IMPAIR="20,20,50" RUMP_TCP_IMPAIR_SEED=7
start sink -i "$A" sink 5004 1
check "4 MiB intact with 2 % loss, 2 % duplicates, 5 % reordering" \
	"$H_TCP" -i "$C" source 10.0.0.1 5004 4194304
stopall
unset RUMP_TCP_IMPAIR RUMP_TCP_IMPAIR_SEED

# The same on the link: shmif's impairment of received frames
# (RUMP_SHMIF_IMPAIR, seeded), in both kernels, so both directions.  The
# sender's aggregates are cut into wire segments before they take their
# chances.  Besides the hashes: the source's TCP retransmitted, and the
# impairment's counters (interface statistics, printed by both h_tcp)
# moved in the sink's kernel.
# impaired DESC PATTERN...: every extended regex is in the source's
# output or the sink's log.
impaired() {
	desc=$1
	shift
	# The sink prints once its close is done, after the source's end.
	i=0
	while ! grep -q '^impair:' "$dir/sink.log" 2>/dev/null &&
	    [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	for re in "$@"; do
		if ! grep -Eq "$re" "$dir/out" "$dir/sink.log"; then
			echo "(no match for: $re)" >>"$dir/out"
			notok "$desc"
			return
		fi
	done
	ok "$desc"
}
# impcase IMPAIR SEED BYTES DESC IDESC PATTERN...: a transfer of BYTES
# with RUMP_SHMIF_IMPAIR=IMPAIR in both kernels, then impaired IDESC.
impcase() {
	export RUMP_SHMIF_IMPAIR="$1" RUMP_SHMIF_IMPAIR_SEED="$2"
	bytes=$3
	desc=$4
	idesc=$5
	shift 5
	start sink -i "$A" sink 5004 1
	check "$desc" "$H_TCP" -i "$C" source 10.0.0.1 5004 "$bytes"
	impaired "$idesc" "$@"
	stopall
}
impcase 10,0,0,0 11 4194300 \
	"shmif impairment: 4095 KiB intact at 1 % loss (both directions)" \
	"shmif impairment 1 %: frames dropped, TCP retransmitted" \
	'retrans [1-9]' ', [1-9][0-9]* dropped'
impcase 50,0,0,0 51 524288 \
	"shmif impairment: 512 KiB intact at 5 % loss (both directions)" \
	"shmif impairment 5 %: frames dropped, TCP retransmitted" \
	'retrans [1-9]' ', [1-9][0-9]* dropped'
impcase 100,0,0,0 101 262144 \
	"shmif impairment: 256 KiB intact at 10 % loss (both directions)" \
	"shmif impairment 10 %: frames dropped, TCP retransmitted" \
	'retrans [1-9]' ', [1-9][0-9]* dropped'
impcase 20,20,50,0,0,2 7 4194304 \
	"shmif impairment: 4 MiB intact with 2 % loss in bursts of 2, 2 % duplicates, 5 % reordering" \
	"shmif impairment: frames duplicated and reordered" \
	', [1-9][0-9]* duplicated, [1-9][0-9]* reordered'
# 2 ms each way: the source's smoothed RTT must be at least 4 ms.
export RUMP_SHMIF_IMPAIR="0,0,0,2000" RUMP_SHMIF_IMPAIR_SEED=1
start sink -i "$A" sink 5004 1
check "shmif impairment: 1 MiB intact with 2 ms delay (both directions)" \
	"$H_TCP" -i "$C" source 10.0.0.1 5004 1048576
impaired "shmif impairment: the delay shows in the RTT" \
	'rtt ([4-9][0-9]{3}|[0-9]{5,}) us' ', [1-9][0-9]* delayed'
stopall
unset RUMP_SHMIF_IMPAIR RUMP_SHMIF_IMPAIR_SEED

# TSO forced on every route (RUMP_TCP_TSO=force): TCP builds segments of
# up to 64 KiB and ip_output cuts them for shmif in software (shmif's own
# offload, which would carry them whole, off: RUMP_SHMIF_TSO=0).  The cut
# pieces must look to tshark like ordinary segments, and transfers with
# loss and reordering (partial ACKs, SACK, retransmission of part of a
# TSO segment) must arrive intact.  The source reports how many TSO
# segments were cut, which must not be 0.
export RUMP_TCP_TSO=force RUMP_SHMIF_TSO=0
tsocut() {	# tsocut DESC: the source's report names cut segments
	if grep -q '^tso: [1-9][0-9]* segments cut' "$dir/out"; then
		ok "$1"
	else
		notok "$1"
	fi
}
start sink -i "$A" sink 5001 1
check "TSO cut in software: 200 KiB for the capture" \
	"$H_TCP" -i "$C" source 10.0.0.1 5001 204800
tsocut "TSO cut in software: the source cut segments"
capclean "TSO cut in software: capture clean (checksums, TCP analysis, MTU)" \
    'ip.len > 1500' tcp 140 204800
stopall
export RUMP_TCP_IMPAIR="50,0,0" RUMP_TCP_IMPAIR_SEED=51
start sink -i "$A" sink 5004 1
check "TSO cut in software: 4 MiB intact at 5 % loss" \
	"$H_TCP" -i "$C" source 10.0.0.1 5004 4194304
tsocut "TSO cut in software: segments cut under loss"
stopall
export RUMP_TCP_IMPAIR="20,20,50" RUMP_TCP_IMPAIR_SEED=8
start sink -i "$A" -m 9000 sink 5004 1
check "TSO cut in software: 16 MiB intact, MTU 9000, loss, duplicates, reordering" \
	"$H_TCP" -i "$C" -m 9000 source 10.0.0.1 5004 16777216
stopall
unset RUMP_TCP_IMPAIR RUMP_TCP_IMPAIR_SEED RUMP_TCP_TSO RUMP_SHMIF_TSO
exit $fail
