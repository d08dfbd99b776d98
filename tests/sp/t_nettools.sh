#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# t_nettools.sh: the network tools (rump.ifconfig, rump.route, rump.ping,
# rump.netstat, rump.arp) against two rump_allserver kernels on one shmif
# bus in a temporary directory, in TAP.  Run by meson with ALLSERVER,
# HALT, IFCONFIG, ROUTE, PING, NETSTAT and ARP in the environment.  Both
# servers are halted (or killed) on exit.
set -u

T=$(mktemp -d /tmp/t_nettools.XXXXXX)
n=0
failed=0

cleanup() {
	for s in "$T"/a.sock "$T"/b.sock; do
		[ -S "$s" ] && RUMP_SERVER="unix://$s" "$HALT" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # check DESCRIPTION COMMAND...: must succeed; output in $T/out
	d=$1; shift
	if "$@" >"$T/out" 2>&1; then ok "$d"; else
		sed 's/^/# /' "$T/out"; not_ok "$d"; fi
}
check_fail() { # the command must fail and say something
	d=$1; shift
	if "$@" >"$T/out" 2>&1; then
		not_ok "$d (succeeded)"
	elif [ ! -s "$T/out" ]; then
		not_ok "$d (no message)"
	else
		ok "$d: $(head -n1 "$T/out")"
	fi
}
has() { # has DESCRIPTION REGEX: the last output matches
	if grep -Eq "$2" "$T/out"; then ok "$1"; else
		sed 's/^/# /' "$T/out"; not_ok "$1"; fi
}
A() { RUMP_SERVER="unix://$T/a.sock" "$@"; }
B() { RUMP_SERVER="unix://$T/b.sock" "$@"; }

cd "$T"
# -R: the clients are root in the kernels whoever runs the test.
check "server a starts" "$ALLSERVER" -R "unix://$T/a.sock"
check "server b starts" "$ALLSERVER" -R "unix://$T/b.sock"

# --- rump.ifconfig ---
check "a: create shmif0 on the bus, 10.0.0.1/24, up" \
    A "$IFCONFIG" shmif0 create linkstr "$T/bus" 10.0.0.1/24 up
check "b: create shmif (unit chosen) with netmask, mtu, up" \
    B "$IFCONFIG" shmif create linkstr "$T/bus" inet 10.0.0.2 \
    netmask 255.255.255.0 mtu 1400 up
has "b: the chosen name is printed" '^shmif0$'
check "b: mtu back to 1500" B "$IFCONFIG" shmif0 mtu 1500
check "a: listing" A "$IFCONFIG"
has "a: lo0 listed" '^lo0: flags=.*<UP,LOOPBACK,RUNNING>'
has "a: shmif0 up" '^shmif0: flags=.*UP.* mtu 1500'
has "a: shmif0 address and netmask" \
    'inet 10\.0\.0\.1 netmask 255\.255\.255\.0 broadcast 10\.0\.0\.255'
has "a: ethernet address" 'ether ([0-9a-f]{2}:){5}[0-9a-f]{2}'
check "b: one interface" B "$IFCONFIG" shmif0
has "b: address" 'inet 10\.0\.0\.2 netmask 255\.255\.255\.0'
check_fail "a: unknown interface" A "$IFCONFIG" nosuch0
check_fail "a: lo0 cannot be destroyed" A "$IFCONFIG" lo0 destroy
check_fail "a: bad address" A "$IFCONFIG" shmif0 10.0.0.300

# --- rump.ping across the bus ---
check "a: ping b (-c 3 -i 0.05)" A "$PING" -c 3 -i 0.05 10.0.0.2
has "a: three replies" '3 packets transmitted, 3 packets received, 0\.0% packet loss'
has "a: rtt statistics" 'round-trip min/avg/max/stddev = [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms'
has "a: reply lines" '64 bytes from 10\.0\.0\.2: icmp_seq=2 ttl=64'
check "b: ping a with -s 200 -t 7" B "$PING" -c 2 -i 0.05 -s 200 -t 7 \
    10.0.0.1
has "b: sized replies" '208 bytes from 10\.0\.0\.1'
check_fail "a: ping an address nobody has (fails)" \
    A "$PING" -c 1 -W 0.5 10.0.0.99
has "a: loss reported" '1 packets transmitted, 0 packets received, 100\.0% packet loss'

# --- rump.route ---
check "a: add a network route via b" A "$ROUTE" add -net 10.7.0.0/16 10.0.0.2
check_fail "a: the same route again" A "$ROUTE" add -net 10.7.0.0/16 10.0.0.2
check "a: add default via b" A "$ROUTE" add default 10.0.0.2
check_fail "a: gateway not on a connected network" \
    A "$ROUTE" add -host 10.8.0.1 192.168.1.1
check "a: route with -interface" A "$ROUTE" add -net 10.9.0.0/16 10.0.0.2 \
    -interface shmif0
check "a: delete it" A "$ROUTE" delete -net 10.9.0.0/16 10.0.0.2 \
    -interface shmif0
check "a: delete the network route" A "$ROUTE" delete -net 10.7.0.0/16 \
    10.0.0.2
check_fail "a: deleting it again" A "$ROUTE" delete -net 10.7.0.0/16 10.0.0.2
check "a: show" A "$ROUTE" show
has "a: connected route in show" '^10\.0\.0\.0/24 +link +shmif0'

# --- rump.netstat ---
check "a: netstat -i" A "$NETSTAT" -i
has "a: netstat -i shmif0 row" '^shmif0 +1500 +10\.0\.0\.0/24 +10\.0\.0\.1 +[1-9]'
has "a: netstat -i lo0 row" '^lo0 +65536 +127\.0\.0\.0/8'
check "a: netstat -r" A "$NETSTAT" -r
has "a: netstat -r says what it can show" 'connected routes only'
has "a: netstat -r row" '^10\.0\.0\.0/24 '
check "a: netstat -s" A "$NETSTAT" -s
has "a: icmp section" '^icmp:'
has "a: the echo replies counted as icmp input" '^	([3-9]|[1-9][0-9]+) messages received'
check "b: netstat -s" B "$NETSTAT" -s
has "b: echo replies sent" '^	[3-9][0-9]* echo replies sent'
has "b: arp requests received" '^	[1-9][0-9]* requests received'
check_fail "a: netstat without options says sockets are not listed" \
    A "$NETSTAT"

# --- rump.arp ---
check "a: arp" A "$ARP" -a
has "a: arp entries held" '^entries: [1-9]'
check_fail "a: arp -d is not supported" A "$ARP" -d 10.0.0.2

# --- teardown ---
check "a: shmif0 down" A "$IFCONFIG" shmif0 down
check "a: listing shows it down" A "$IFCONFIG" shmif0
if grep -q '^shmif0: flags=.*<.*UP' "$T/out"; then
	not_ok "a: shmif0 is down"
else
	ok "a: shmif0 is down"
fi
check "a: shmif0 destroy" A "$IFCONFIG" shmif0 destroy
check_fail "a: shmif0 gone" A "$IFCONFIG" shmif0
check "a: halt" A "$HALT"
check "b: halt" B "$HALT"

echo "1..$n"
[ "$failed" -eq 0 ]
