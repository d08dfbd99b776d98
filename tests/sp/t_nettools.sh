#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# t_nettools.sh: the network tools (rump.ifconfig, rump.route, rump.ping,
# rump.netstat, rump.arp) against two rump_allserver kernels on one shmif
# bus in a temporary directory, in TAP.  Run by meson with ALLSERVER,
# HALT, IFCONFIG, ROUTE, PING, NETSTAT, ARP and NETTAB (h_nettab, which
# holds sockets open for netstat to list) in the environment.  Both
# servers are halted (or killed) on exit, and the helper killed.
set -u

T=$(mktemp -d /tmp/t_nettools.XXXXXX)
n=0
failed=0

HPID=
cleanup() {
	[ -n "$HPID" ] && kill "$HPID" 2>/dev/null
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
check "a: show with static routes" A "$ROUTE" show
has "a: show header" '^Destination +Gateway +Flags +Metric +Use +Interface$'
has "a: static network route listed" \
    '^10\.7\.0\.0/16 +10\.0\.0\.2 +UG +0 +[0-9]+ shmif0$'
has "a: default route listed" '^default +10\.0\.0\.2 +UG +0 +[0-9]+ shmif0$'
has "a: lo0's connected route listed" '^127\.0\.0\.0/8 +link +UC +0 +[0-9]+ lo0$'
# Lookup order: prefix lengths never grow down the list (default is /0).
if awk 'NR > 1 { p = ($1 == "default") ? 0 : substr($1, index($1, "/") + 1)
	if (NR > 2 && p + 0 > last + 0) bad = 1; last = p }
	END { exit bad }' "$T/out"; then
	ok "a: longest prefix first, default last"
else
	sed 's/^/# /' "$T/out"; not_ok "a: longest prefix first, default last"
fi
check "a: a reject host route" A "$ROUTE" add -host 10.66.0.1 -reject
check "a: show it" A "$ROUTE" show
has "a: reject route flags" '^10\.66\.0\.1/32 +link +UHR +0 '
check "a: delete the reject route" A "$ROUTE" delete -host 10.66.0.1
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
has "a: connected route in show" '^10\.0\.0\.0/24 +link +UC +0 +[0-9]+ shmif0$'
if grep -Eq '^10\.7\.0\.0/16 |^10\.66\.' "$T/out"; then
	sed 's/^/# /' "$T/out"; not_ok "a: deleted routes are gone from show"
else
	ok "a: deleted routes are gone from show"
fi

# --- rump.netstat ---
check "a: netstat -i" A "$NETSTAT" -i
has "a: netstat -i shmif0 row" '^shmif0 +1500 +10\.0\.0\.0/24 +10\.0\.0\.1 +[1-9]'
has "a: netstat -i lo0 row" '^lo0 +65536 +127\.0\.0\.0/8'
check "a: netstat -r" A "$NETSTAT" -r
has "a: netstat -r title" '^Routing table$'
has "a: netstat -r connected row" '^10\.0\.0\.0/24 +link +UC '
has "a: netstat -r default row" '^default +10\.0\.0\.2 +UG '
check "a: netstat -s" A "$NETSTAT" -s
has "a: icmp section" '^icmp:'
has "a: the echo replies counted as icmp input" '^	([3-9]|[1-9][0-9]+) messages received'
check "b: netstat -s" B "$NETSTAT" -s
has "b: echo replies sent" '^	[3-9][0-9]* echo replies sent'
has "b: arp requests received" '^	[1-9][0-9]* requests received'
# Sockets: h_nettab holds a listener, a connection and a UDP socket.
# (Not through A: $! must be the helper itself, not a subshell.)
RUMP_SERVER="unix://$T/a.sock" "$NETTAB" hold 7001 "$T/ready" \
    2>"$T/nettab.err" </dev/null >/dev/null &
HPID=$!
i=0
while [ ! -e "$T/ready" ] && [ $i -lt 100 ] && kill -0 "$HPID" 2>/dev/null
do
	sleep 0.05; i=$((i + 1))
done
if [ -e "$T/ready" ]; then ok "a: h_nettab holds its sockets"; else
	sed 's/^/# /' "$T/nettab.err"; not_ok "a: h_nettab holds its sockets"; fi
check "a: netstat (sockets)" A "$NETSTAT"
has "a: netstat header" \
    '^Proto +Recv-Q +Send-Q +Local Address +Foreign Address +State'
has "a: the listener, its backlog as send-q" \
    '^tcp +0 +4 +0\.0\.0\.0:7001 +0\.0\.0\.0:\* +LISTEN *$'
has "a: the accepted side, 3 bytes unread" \
    '^tcp +3 +0 +127\.0\.0\.1:7001 +127\.0\.0\.1:[0-9]+ +ESTABLISHED *$'
# (Its send-q is 3 until the peer's delayed ACK comes.)
has "a: the connecting side" \
    '^tcp +0 +[03] +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:7001 +ESTABLISHED *$'
has "a: the udp socket" '^udp +0 +0 +0\.0\.0\.0:7001 +0\.0\.0\.0:\* *$'
check "a: netstat -t" A "$NETSTAT" -t
if grep -q '^udp' "$T/out"; then
	not_ok "a: netstat -t lists only tcp"
else
	ok "a: netstat -t lists only tcp"
fi
check "a: netstat -u -p" A "$NETSTAT" -u -p
has "a: a pid column" '^udp +0 +0 +0\.0\.0\.0:7001 +0\.0\.0\.0:\* +[1-9][0-9]*$'
kill "$HPID" 2>/dev/null
wait "$HPID" 2>/dev/null
HPID=

# --- rump.arp ---
check "b: its ethernet address" B "$IFCONFIG" shmif0
bmac=$(sed -n 's/.*ether \([0-9a-f:]*\).*/\1/p' "$T/out" | head -n1)
check "a: arp" A "$ARP" -a
has "a: b's entry with b's address" \
    "^\\? \\(10\\.0\\.0\\.2\\) at $bmac on shmif0 expires in [0-9]+ seconds \\[ethernet\\]$"
# An address nobody has: incomplete for the 3 s ARP keeps asking.
check_fail "a: ping an address nobody has again" \
    A "$PING" -c 1 -W 0.2 10.0.0.98
check "a: arp at once" A "$ARP" -a
has "a: the unanswered address is incomplete" \
    '^\? \(10\.0\.0\.98\) at \(incomplete\) on shmif0'
check "a: arp -s a static entry" A "$ARP" -s 10.0.0.50 02:00:00:00:00:50
check "a: arp -s a temporary one on a named interface" \
    A "$ARP" -i shmif0 -s 10.0.0.51 02:00:00:00:00:51 temp
check "a: arp lists them" A "$ARP" -a
has "a: the static entry" \
    '^\? \(10\.0\.0\.50\) at 02:00:00:00:00:50 on shmif0 permanent'
has "a: the temporary entry" \
    '^\? \(10\.0\.0\.51\) at 02:00:00:00:00:51 on shmif0 expires in'
check "a: arp host" A "$ARP" 10.0.0.50
has "a: one entry" '^\? \(10\.0\.0\.50\) at 02:00:00:00:00:50 on shmif0 permanent'
check "a: arp -d" A "$ARP" -d 10.0.0.50
check_fail "a: arp -d again: no entry" A "$ARP" -d 10.0.0.50
has "a: says so" 'no entry'
check_fail "a: arp host after -d" A "$ARP" 10.0.0.50
check_fail "a: arp -s off the connected networks" \
    A "$ARP" -s 192.168.7.7 02:00:00:00:00:01
check_fail "a: arp -s a multicast MAC" A "$ARP" -s 10.0.0.52 01:00:5e:00:00:01
check_fail "a: arp -s a bad MAC" A "$ARP" -s 10.0.0.52 02:00:00:00:00
check_fail "a: arp -s on an unknown interface" \
    A "$ARP" -i nosuch0 -s 10.0.0.52 02:00:00:00:00:52
check "a: arp -d b's learned entry" A "$ARP" -d 10.0.0.2
check "a: ping b learns it again" A "$PING" -c 1 -i 0.05 10.0.0.2
check "a: arp 10.0.0.2" A "$ARP" 10.0.0.2
has "a: relearned" "at $bmac on shmif0"

# --- aliases: a second network on the same bus ---
check "b: alias 10.0.1.2/24" B "$IFCONFIG" shmif0 10.0.1.2/24 alias
check "a: alias 10.0.1.1 with netmask" \
    A "$IFCONFIG" shmif0 inet 10.0.1.1 netmask 255.255.255.0 alias
check "a: listing" A "$IFCONFIG" shmif0
has "a: the primary address first" \
    'inet 10\.0\.0\.1 netmask 255\.255\.255\.0 broadcast 10\.0\.0\.255$'
has "a: the alias after it" \
    'inet 10\.0\.1\.1 netmask 255\.255\.255\.0 broadcast 10\.0\.1\.255 alias$'
check "a: the alias's connected route" A "$ROUTE" show
has "a: 10.0.1.0/24 on shmif0" '^10\.0\.1\.0/24 +link +UC +0 +[0-9]+ shmif0$'
check "a: ping b's alias (ARP answered for it)" A "$PING" -c 2 -i 0.05 10.0.1.2
has "a: replies from the alias" 'bytes from 10\.0\.1\.2: icmp_seq=1'
check "a: arp for b's alias" A "$ARP" 10.0.1.2
has "a: b's MAC for the alias" "at $bmac on shmif0"
check "b: arp table" B "$ARP" -a
has "b: a asked from its alias (source by subnet)" \
    '^\? \(10\.0\.1\.1\) at ([0-9a-f]{2}:){5}[0-9a-f]{2} on shmif0'
check "b: delete its alias" B "$IFCONFIG" shmif0 10.0.1.2 -alias
check "b: listing" B "$IFCONFIG" shmif0
if grep -q '10\.0\.1\.2' "$T/out"; then
	not_ok "b: the alias is gone"
else
	ok "b: the alias is gone"
fi
has "b: the primary address stays" 'inet 10\.0\.0\.2 netmask'
check_fail "b: deleting it again" B "$IFCONFIG" shmif0 10.0.1.2 -alias
check "a: forget b's alias" A "$ARP" -d 10.0.1.2
check_fail "a: b's alias no longer answers" \
    A "$PING" -c 1 -W 0.5 10.0.1.2
check "a: delete its alias" A "$IFCONFIG" shmif0 10.0.1.1 delete
check "a: show" A "$ROUTE" show
if grep -q '^10\.0\.1\.0/24' "$T/out"; then
	not_ok "a: the alias's route is gone"
else
	ok "a: the alias's route is gone"
fi
check_fail "a: alias without an address" A "$IFCONFIG" shmif0 alias

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
