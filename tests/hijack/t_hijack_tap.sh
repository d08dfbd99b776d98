#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# t_hijack_tap.sh: unmodified network programs under librumphijack, with
# their inet sockets in a rump kernel that sits on a tap device, against
# the Linux stack in a network namespace the test makes (issue 7's
# networking cases, issue 6's iperf3 case), in TAP.
#
#   rump_allserver  virtif0 on tap hjtPID, 10.78.0.2/24  (the kernel)
#   namespace       the tap moved in, 10.78.0.1/24       (Linux)
#
# Cases: a hijacked `nc -l` reached by `nc` from the namespace, a hijacked
# `curl` fetching from `python3 -m http.server` in the namespace, a
# hijacked `iperf3 -s -1` against `iperf3 -c` (and `-c -R`) from the
# namespace, a hijacked `nc` connecting out, UDP both ways.  Data is
# compared byte for byte (or by sha256) every time.  Every command runs
# under timeout(1).  Needs root, /dev/net/tun and network namespaces;
# without them (or without a tool) the cases say SKIP and why.  Run by
# meson with SERVER (rump_allserver), HALT (rump.halt), IFCONFIG
# (rump.ifconfig), PING (rump.ping) and HIJACK (librumphijack.so) in the
# environment.  Before the programs: ping(8) both ways (Linux's and
# rump.ping).  The
# namespace, the server and every background process go away on exit.
set -u

T=$(mktemp -d /tmp/t_hijack_tap.XXXXXX)
SOCK="$T/sock"
NS=hjtap$$
TAP=hjt$$
n=0
failed=0
pids=""

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	[ -S "$SOCK" ] && RUMP_SERVER="unix://$SOCK" timeout 10 "$HALT" \
	    2>/dev/null
	p=$(fuser "$SOCK" 2>/dev/null | tr -d ' ')
	[ -n "$p" ] && kill -9 $p 2>/dev/null
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# show FILE...: the files as TAP comments, 20 lines each at most.
show() {
	for f in "$@"; do
		[ -s "$f" ] && head -20 "$f" | sed "s|^|# $(basename "$f"): |"
	done
	return 0
}
# hn CMD...: CMD under the hijack, inet sockets in the kernel.
hn() {
	RUMPHIJACK=path=/rump,socket=inet LD_PRELOAD="$HIJACK" \
	    RUMP_SERVER="unix://$SOCK" "$@"
}
# inns CMD...: CMD in the namespace.
inns() { ip netns exec "$NS" "$@"; }
# waitfor TEST...: up to 10 s for the test(1) expression to hold.
waitfor() {
	i=0
	until test "$@"; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.05
	done
}
# waitgrep PATTERN FILE: up to 10 s for PATTERN to appear in FILE.
waitgrep() {
	i=0
	until grep -q "$1" "$2" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.05
	done
}
# nslistening PROTO PORT: up to 10 s for a t(cp) or u(dp) socket bound
# to PORT in the namespace.
nslistening() {
	i=0
	until [ -n "$(inns ss -Hln"$1" "sport = :$2" 2>/dev/null)" ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.05
	done
}
# spawned: remember the last background command (BG) for cleanup.  The
# commands are started with "&" in place, not by a helper function: an
# asynchronous command's stdin is /dev/null unless it is redirected
# explicitly on that very command.
spawned() {
	BG=$!
	pids="$pids $BG"
}
# reap PID: the exit status of background PID (waited for up to 30 s).
reap() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1"
}

NCASES=13
echo "1..$NCASES"
skipall() {
	while [ $n -lt $NCASES ]; do
		skip "tap and namespace" "$1"
	done
	exit 0
}
[ "$(id -u)" = 0 ] || skipall "not root"
command -v ip >/dev/null 2>&1 || skipall "no ip(8)"
command -v timeout >/dev/null 2>&1 || skipall "no timeout(1)"
[ -c /dev/net/tun ] || skipall "no /dev/net/tun"
ip netns add "$NS" 2>/dev/null || skipall "network namespaces not permitted"
HAVE_NC=no
nc -h 2>&1 | grep -q -- '-N' && HAVE_NC=yes     # netcat-openbsd
HAVE_CURL=no
command -v curl >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1 &&
    HAVE_CURL=yes
HAVE_IPERF=no
command -v iperf3 >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1 &&
    HAVE_IPERF=yes

# 1, 2: the kernel and its interface on the tap, the tap in the namespace.
if timeout 20 "$SERVER" "unix://$SOCK" >"$T/server.out" 2>&1 &&
    [ -S "$SOCK" ]; then
	ok "rump_allserver on $SOCK"
else
	show "$T/server.out"
	not_ok "rump_allserver on $SOCK"
	exit 1
fi
if RUMP_SERVER="unix://$SOCK" timeout 10 "$IFCONFIG" virtif0 create \
	linkstr "$TAP" 10.78.0.2/24 up >"$T/ifc.out" 2>&1 &&
    ip link set "$TAP" netns "$NS" &&
    ip -n "$NS" addr add 10.78.0.1/24 dev "$TAP" &&
    ip -n "$NS" link set "$TAP" up &&
    ip -n "$NS" link set lo up &&
    RUMP_SERVER="unix://$SOCK" timeout 10 "$IFCONFIG" virtif0 \
	>>"$T/ifc.out" 2>&1 &&
    grep -q 'inet 10.78.0.2 netmask 255.255.255.0' "$T/ifc.out"; then
	ok "virtif0 10.78.0.2/24 on $TAP, 10.78.0.1/24 in namespace $NS"
else
	show "$T/ifc.out"
	not_ok "virtif0 10.78.0.2/24 on $TAP, 10.78.0.1/24 in namespace $NS"
	skipall "no link"
fi

head -c 1048576 /dev/urandom >"$T/a.bin"
head -c 786432 /dev/urandom >"$T/b.bin"

# 3, 4: Linux's ping reaches the kernel, rump.ping reaches Linux.
if command -v ping >/dev/null 2>&1 &&
    inns timeout 20 ping -n -c 3 -i 0.2 -W 5 10.78.0.2 >"$T/p1.out" 2>&1 &&
    grep -q ' 0% packet loss' "$T/p1.out"; then
	ok "ping(8) from the namespace reaches the kernel"
elif ! command -v ping >/dev/null 2>&1; then
	skip "ping(8) from the namespace" "no ping(8) (iputils-ping)"
else
	show "$T/p1.out"
	not_ok "ping(8) from the namespace reaches the kernel"
fi
if RUMP_SERVER="unix://$SOCK" timeout 20 "$PING" -c 3 -i 0.2 10.78.0.1 \
	>"$T/p2.out" 2>&1 && grep -q '3 packets transmitted, 3 packets received' "$T/p2.out"
then
	ok "rump.ping from the kernel reaches the namespace"
else
	show "$T/p2.out"
	not_ok "rump.ping from the kernel reaches the namespace"
fi

# 3: hijacked nc -l in the kernel, nc from the namespace; 1 MiB one way
# and 768 KiB the other, both compared.  nc -v says "Listening" once it
# listens.
if [ $HAVE_NC = yes ]; then
	rm -f "$T/l.out" "$T/l.err" "$T/c.out"
	hn timeout 30 nc -n -v -N -l 10.78.0.2 5555 <"$T/b.bin" \
	    >"$T/l.out" 2>"$T/l.err" &
	spawned
	# The listener is the kernel's: the host's stack has no such port.
	if waitgrep Listening "$T/l.err" &&
	    [ -z "$(ss -Hltn 'sport = :5555' 2>/dev/null)" ] &&
	    inns timeout 30 nc -n -N 10.78.0.2 5555 <"$T/a.bin" \
		>"$T/c.out" 2>"$T/c.err" &&
	    reap $BG && cmp "$T/a.bin" "$T/l.out" &&
	    cmp "$T/b.bin" "$T/c.out"; then
		ok "hijacked nc -l in the kernel, nc from the namespace: 1 MiB in, 768 KiB out"
	else
		show "$T/l.err" "$T/c.err"
		not_ok "hijacked nc -l in the kernel, nc from the namespace: 1 MiB in, 768 KiB out"
	fi
else
	skip "hijacked nc -l" "no netcat-openbsd"
fi

# 4: hijacked curl fetching 4 MiB from python3's http.server in the
# namespace; sha256 compared.
if [ $HAVE_CURL = yes ]; then
	mkdir "$T/www"
	head -c 4194304 /dev/urandom >"$T/www/f.bin"
	inns timeout 120 python3 -m http.server --bind 10.78.0.1 \
	    --directory "$T/www" 8080 >"$T/http.out" 2>&1 &
	spawned
	HTTP=$BG
	if nslistening t 8080 &&
	    hn timeout 30 curl -sS --fail -o "$T/www.got" \
		http://10.78.0.1:8080/f.bin 2>"$T/curl.err" &&
	    [ "$(sha256sum <"$T/www.got")" = \
		"$(sha256sum <"$T/www/f.bin")" ]; then
		ok "hijacked curl fetches 4 MiB from http.server in the namespace"
	else
		show "$T/curl.err" "$T/http.out"
		not_ok "hijacked curl fetches 4 MiB from http.server in the namespace"
	fi
	kill $HTTP 2>/dev/null
	wait $HTTP 2>/dev/null
else
	skip "hijacked curl" "no curl or python3"
fi

# 5, 6: hijacked iperf3 -s -1 in the kernel against iperf3 -c -t 3 from
# the namespace, then -R (the kernel sends).  Both exit 0; the client's
# JSON report has a nonzero bitrate both sent and received.
cat >"$T/rate.py" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
s = j["end"]["sum_sent"]["bits_per_second"]
r = j["end"]["sum_received"]["bits_per_second"]
print("sent %.1f Mbit/s, received %.1f Mbit/s" % (s / 1e6, r / 1e6))
sys.exit(0 if s > 0 and r > 0 else 1)
EOF
iperf_case() { # iperf_case PORT DESCRIPTION [CLIENT OPTIONS]
	port=$1
	d=$2
	shift 2
	rm -f "$T/is.out" "$T/ic.json"
	hn timeout 60 iperf3 -s -1 --forceflush -B 10.78.0.2 -p "$port" \
	    >"$T/is.out" 2>&1 </dev/null &
	spawned
	if waitgrep "Server listening" "$T/is.out" &&
	    inns timeout 60 iperf3 -c 10.78.0.2 -p "$port" -t 3 -J "$@" \
		>"$T/ic.json" 2>&1 &&
	    reap $BG && python3 "$T/rate.py" "$T/ic.json" >"$T/rate.out"; then
		ok "$d: $(cat "$T/rate.out")"
	else
		show "$T/is.out" "$T/ic.json" "$T/rate.out"
		not_ok "$d"
	fi
}
if [ $HAVE_IPERF = yes ]; then
	iperf_case 5201 "hijacked iperf3 -s, iperf3 -c from the namespace"
	iperf_case 5202 "hijacked iperf3 -s, iperf3 -c -R from the namespace" -R
else
	skip "hijacked iperf3 -s" "no iperf3 or python3"
	skip "hijacked iperf3 -s, -R" "no iperf3 or python3"
fi

# 7: hijacked nc connecting out to nc -l in the namespace, both ways.
if [ $HAVE_NC = yes ]; then
	rm -f "$T/l.out" "$T/c.out"
	inns timeout 30 nc -n -N -l 10.78.0.1 6000 <"$T/b.bin" \
	    >"$T/l.out" 2>"$T/l.err" &
	spawned
	if nslistening t 6000 &&
	    hn timeout 30 nc -n -N 10.78.0.1 6000 <"$T/a.bin" >"$T/c.out" \
		2>"$T/c.err" &&
	    reap $BG && cmp "$T/a.bin" "$T/l.out" &&
	    cmp "$T/b.bin" "$T/c.out"; then
		ok "hijacked nc connects out to nc -l in the namespace: 1 MiB out, 768 KiB in"
	else
		show "$T/l.err" "$T/c.err"
		not_ok "hijacked nc connects out to nc -l in the namespace: 1 MiB out, 768 KiB in"
	fi
else
	skip "hijacked nc connecting out" "no netcat-openbsd"
fi

# 8, 9: UDP with nc -u.  The listener learns its peer from the first
# datagram, so its own data is held back until that datagram arrived;
# the client's stdin stays open until the answer arrived, then -q 1.
udp_once() { # udp_once LISTEN-WRAPPER ADDR CLIENT-WRAPPER PORT
	lw=$1
	addr=$2
	cw=$3
	port=$4
	rm -f "$T/ul.out" "$T/uc.out"
	head -c 1000 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/q.txt"
	head -c 700 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/r.txt"
	{ waitfor -s "$T/ul.out"; sleep 0.2; cat "$T/r.txt"; } |
	    $lw timeout 10 nc -n -v -u -l -q 1 "$addr" "$port" >"$T/ul.out" \
	    2>"$T/ul.err" &
	spawned
	waitgrep "Bound on" "$T/ul.err" &&
	    { cat "$T/q.txt"; waitfor -s "$T/uc.out"; sleep 0.2; } |
		$cw timeout 10 nc -n -u -q 1 "$addr" "$port" >"$T/uc.out" \
		2>"$T/uc.err" &&
	    reap $BG && cmp "$T/q.txt" "$T/ul.out" &&
	    cmp "$T/r.txt" "$T/uc.out"
}
# udp_case DESCRIPTION LISTEN-WRAPPER ADDR CLIENT-WRAPPER PORT: UDP may
# lose a datagram, so up to three attempts; a retry is said in the line.
udp_case() {
	d=$1
	shift
	a=1
	# A fresh port each time: a killed listener's nc may linger a moment.
	while ! udp_once "$1" "$2" "$3" $(($4 + 10 * (a - 1))); do
		kill "$BG" 2>/dev/null
		wait "$BG" 2>/dev/null
		show "$T/ul.err" "$T/uc.err"
		a=$((a + 1))
		if [ $a -gt 3 ]; then
			not_ok "$d"
			return
		fi
	done
	if [ $a -gt 1 ]; then
		ok "$d (attempt $a)"
	else
		ok "$d"
	fi
}
if [ $HAVE_NC = yes ]; then
	udp_case "UDP: hijacked nc -u -l in the kernel, nc -u from the namespace, both ways" \
	    hn 10.78.0.2 inns 6001
	udp_case "UDP: hijacked nc -u to nc -u -l in the namespace, both ways" \
	    inns 10.78.0.1 hn 6002
else
	skip "UDP in" "no netcat-openbsd"
	skip "UDP out" "no netcat-openbsd"
fi

# 10: the interface counted the traffic.
if RUMP_SERVER="unix://$SOCK" timeout 10 "$IFCONFIG" virtif0 \
	>"$T/ifc2.out" 2>&1 &&
    awk '/RX packets/ { if ($3 > 1000) ok = 1 } END { exit !ok }' \
	"$T/ifc2.out"; then
	ok "virtif0 counted the packets: $(grep 'RX packets' "$T/ifc2.out" |
	    sed 's/^[[:space:]]*//')"
else
	show "$T/ifc2.out"
	not_ok "virtif0 counted the packets"
fi

# 11: the server halts.
if RUMP_SERVER="unix://$SOCK" timeout 20 "$HALT" >"$T/halt.out" 2>&1; then
	ok "rump.halt"
else
	show "$T/halt.out"
	not_ok "rump.halt"
fi

exit $((failed > 0))
