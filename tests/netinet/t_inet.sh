#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# t_inet.sh: rump kernels (one per process, h_inet) on shmif buses in a
# temporary directory: addresses and ARP, ping both ways, UDP exchange,
# ECONNREFUSED, a 60 KiB datagram fragmented and reassembled, three
# kernels on one bus, a kernel routing between two buses, TTL expiry;
# then the buses dumped with shmif_dumpbus and decoded by tshark (when
# installed) with no malformed packets.  Speaks TAP.
#
# H_INET and SHMIF_DUMPBUS name the programs (meson sets them).

H_INET=${H_INET:-./h_inet}
SHMIF_DUMPBUS=${SHMIF_DUMPBUS:-./shmif_dumpbus}
dir=$(mktemp -d /tmp/t_inet.XXXXXX) || exit 1
pids=""
n=0
fail=0

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

notok() {
	n=$((n + 1))
	fail=1
	echo "not ok $n - $1"
	if [ -f "$dir/out" ]; then
		sed 's/^/# /' "$dir/out"
	fi
}

check() {
	desc=$1
	shift
	if "$@" >"$dir/out" 2>&1; then
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
	"$H_INET" -R "$dir/$name.ready" "$@" >"$dir/$name.log" 2>&1 &
	pids="$pids $!"
	i=0
	while [ ! -f "$dir/$name.ready" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ]; then
			echo "# $name did not come up:"
			sed 's/^/# /' "$dir/$name.log"
			return 1
		fi
		sleep 0.05
	done
}

stopall() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	pids=""
}

echo "1..15"

B1=$dir/bus1
B2=$dir/bus2

# --- two kernels on one bus ---
start a -i "$B1,10.0.0.1/24" serve 60
check "ARP resolution and ping A from B" \
	"$H_INET" -i "$B1,10.0.0.2/24" arp 10.0.0.1
check "ping A from B (5 requests)" \
	"$H_INET" -i "$B1,10.0.0.2/24" ping 10.0.0.1 5
stopall
start b -i "$B1,10.0.0.2/24" serve 60
check "ping B from A (the other way)" \
	"$H_INET" -i "$B1,10.0.0.1/24" ping 10.0.0.2 3
stopall

start echo -i "$B1,10.0.0.1/24" echo 7777 60
check "UDP exchange (100 bytes)" \
	"$H_INET" -i "$B1,10.0.0.2/24" udp 10.0.0.1 7777 100
stopall
start echo -i "$B1,10.0.0.1/24" -s echo 7777 60
check "60 KiB UDP datagram fragmented and reassembled" \
	"$H_INET" -i "$B1,10.0.0.2/24" -s udp 10.0.0.1 7777 61440
if grep -q "fragmented" "$dir/out" && \
    ! grep -q " 0 fragmented" "$dir/out"; then
	ok "sender fragmented"
else
	notok "sender fragmented"
fi
stopall

start a -i "$B1,10.0.0.1/24" serve 60
check "ECONNREFUSED on connected UDP (ICMP port unreachable)" \
	"$H_INET" -i "$B1,10.0.0.2/24" refused 10.0.0.1 9999

# --- three kernels on one bus ---
start b -i "$B1,10.0.0.2/24" serve 60
check "third kernel pings the first" \
	"$H_INET" -i "$B1,10.0.0.3/24" ping 10.0.0.1 2
check "third kernel pings the second" \
	"$H_INET" -i "$B1,10.0.0.3/24" ping 10.0.0.2 2
stopall

# --- a router between two buses ---
start r -i "$B1,10.0.1.254/24" -i "$B2,10.0.2.254/24" -F 1 -s serve 60
start b -i "$B2,10.0.2.1/24" -g 10.0.2.254 echo 7777 60
check "ping across the router" \
	"$H_INET" -i "$B1,10.0.1.1/24" -g 10.0.1.254 ping 10.0.2.1 3
check "UDP across the router" \
	"$H_INET" -i "$B1,10.0.1.1/24" -g 10.0.1.254 udp 10.0.2.1 7777 3000
check "TTL 1 expires at the router (ICMP time exceeded)" \
	"$H_INET" -i "$B1,10.0.1.1/24" -g 10.0.1.254 ping 10.0.2.1 1 1
if grep -q "time exceeded from 10.0.1.254" "$dir/out"; then
	ok "time exceeded comes from the router"
else
	notok "time exceeded comes from the router"
fi
stopall

# --- the buses as pcap ---
if "$SHMIF_DUMPBUS" -h "$B1" >"$dir/out" 2>&1 && \
    grep -q "magic 0x46494d53" "$dir/out" && \
    "$SHMIF_DUMPBUS" -p "$dir/bus1.pcap" "$B1" && \
    "$SHMIF_DUMPBUS" -p - "$B2" >"$dir/bus2.pcap"; then
	ok "shmif_dumpbus header and pcap"
	sed 's/^/# /' "$dir/out"
else
	notok "shmif_dumpbus header and pcap"
fi
if command -v tshark >/dev/null 2>&1; then
	if tshark -r "$dir/bus1.pcap" -V >"$dir/v1" 2>&1 && \
	    tshark -r "$dir/bus2.pcap" -V >"$dir/v2" 2>&1 && \
	    ! grep -qi "malformed" "$dir/v1" "$dir/v2" && \
	    grep -q "Echo (ping) reply" "$dir/v1" && \
	    grep -q "Address Resolution Protocol (reply)" "$dir/v1" && \
	    grep -q "Reassembled IPv4" "$dir/v1" && \
	    grep -q "User Datagram Protocol" "$dir/v2"; then
		ok "tshark decodes the buses, nothing malformed ($(grep -c '^Frame ' "$dir/v1") + $(grep -c '^Frame ' "$dir/v2") frames)"
	else
		notok "tshark decodes the buses, nothing malformed"
		grep -i -m5 "malformed" "$dir/v1" "$dir/v2" | sed 's/^/# /'
	fi
else
	ok "tshark decodes the buses # SKIP tshark not installed"
fi
exit $fail
