#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# t_virtif.sh: a rump kernel against the Linux stack.  The test makes a
# network namespace; the rump kernel (h_inet) opens a tap device with
# virtif, the test moves the tap into the namespace and gives it
# 10.77.0.1/24, the rump kernel has 10.77.0.2/24.  Then: the host pings
# the rump kernel, the rump kernel pings the host, UDP both ways (the host
# side is a small Python program: the test needs nothing beyond python3
# and iproute2).  Needs root and network namespaces: without them every
# case is skipped with a reason.  Speaks TAP; the namespace and the
# processes go away even when a case fails.

H_INET=${H_INET:-./h_inet}
dir=$(mktemp -d /tmp/t_virtif.XXXXXX) || exit 1
ns=rumpns$$
tap=rtap$$
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
	ip netns del "$ns" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

echo "1..4"
skipall() {
	for i in 1 2 3 4; do
		echo "ok $i - virtif # SKIP $1"
	done
	exit 0
}
[ "$(id -u)" = 0 ] || skipall "not root"
command -v ip >/dev/null 2>&1 || skipall "no ip(8)"
command -v python3 >/dev/null 2>&1 || skipall "no python3"
[ -c /dev/net/tun ] || skipall "no /dev/net/tun"
ip netns add "$ns" 2>/dev/null || skipall "network namespaces not permitted"

cat >"$dir/host.py" <<'EOF'
import socket, struct, sys, time

def cksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ping(addr, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(2)
    got = 0
    for seq in range(1, count + 1):
        body = struct.pack("!BBHHH", 8, 0, 0, 0x4242, seq) + b"x" * 56
        body = body[:2] + struct.pack("!H", cksum(body)) + body[4:]
        t0 = time.time()
        s.sendto(body, (addr, 0))
        while True:
            try:
                pkt, src = s.recvfrom(2048)
            except socket.timeout:
                break
            hl = (pkt[0] & 15) * 4
            t, _, _, ident, sq = struct.unpack("!BBHHH", pkt[hl:hl + 8])
            if t == 0 and ident == 0x4242 and sq == seq and src[0] == addr:
                got += 1
                print("reply from %s seq %d %.3f ms" %
                      (addr, seq, (time.time() - t0) * 1e3))
                break
    sys.exit(0 if got == count else 1)

def udpclient(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    data = bytes(range(256)) * 4
    s.sendto(data, (addr, port))
    back, _ = s.recvfrom(4096)
    s.sendto(b"quit", (addr, port))
    print("udp: %d bytes echoed by %s" % (len(back), addr))
    sys.exit(0 if back == data else 1)

def udpecho(port, seconds, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    s.settimeout(seconds)
    open(ready, "w").close()
    try:
        while True:
            data, src = s.recvfrom(65536)
            if data == b"quit":
                break
            s.sendto(data, src)
    except socket.timeout:
        pass

cmd = sys.argv[1]
if cmd == "ping":
    ping(sys.argv[2], int(sys.argv[3]))
elif cmd == "udpclient":
    udpclient(sys.argv[2], int(sys.argv[3]))
elif cmd == "udpecho":
    udpecho(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
EOF

# phase NAME COMMAND...: a rump kernel with virtif on a new tap, the tap
# moved into the namespace and configured; the kernel runs its command
# after "go NAME" (and exits after it, taking the tap along).
phase() {
	name=$1
	shift
	rm -f "$dir/$name.ready" "$dir/$name.go"
	"$H_INET" -v "$tap,10.77.0.2/24" -R "$dir/$name.ready" \
	    -W "$dir/$name.go" "$@" >"$dir/$name.log" 2>&1 &
	kpid=$!
	pids="$pids $kpid"
	i=0
	while [ ! -f "$dir/$name.ready" ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.05
	done
	ip link set "$tap" netns "$ns" &&
	ip -n "$ns" addr add 10.77.0.1/24 dev "$tap" &&
	ip -n "$ns" link set "$tap" up &&
	ip -n "$ns" link set lo up || return 1
	i=0
	until ip netns exec "$ns" ip route get 10.77.0.2 >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}

go() {
	touch "$dir/$1.go"
}

report() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		fail=1
		echo "not ok $n - $2"
	fi
	sed 's/^/# /' "$dir/out" "$dir/$3.log" 2>/dev/null
}

# 1, 2: the host pings the rump kernel, then the rump kernel the host.
if phase p1 ping 10.77.0.1 3; then
	ip netns exec "$ns" python3 "$dir/host.py" ping 10.77.0.2 3 \
	    >"$dir/out" 2>&1
	r=$?
	report $r "host pings the rump kernel over virtif" p1
	go p1
	wait "$kpid"
	r=$?
	: >"$dir/out"
	report $r "the rump kernel pings the host" p1
else
	report 1 "host pings the rump kernel over virtif" p1
	report 1 "the rump kernel pings the host" p1
fi

# 3: UDP, host to rump kernel and back.
if phase p2 echo 7777 20; then
	go p2
	i=0
	while [ ! -f "$dir/p2.ready.bound" ] && [ $i -lt 200 ]; do
		i=$((i + 1))
		sleep 0.05
	done
	ip netns exec "$ns" python3 "$dir/host.py" udpclient 10.77.0.2 7777 \
	    >"$dir/out" 2>&1
	report $? "UDP from the host, echoed by the rump kernel" p2
	wait "$kpid"
else
	report 1 "UDP from the host, echoed by the rump kernel" p2
fi

# 4: UDP, rump kernel to host and back.
rm -f "$dir/echo.ready"
ip netns exec "$ns" python3 "$dir/host.py" udpecho 7777 20 \
    "$dir/echo.ready" >/dev/null 2>&1 &
pids="$pids $!"
i=0
while [ ! -f "$dir/echo.ready" ] && [ $i -lt 200 ]; do
	i=$((i + 1))
	sleep 0.05
done
if phase p3 udp 10.77.0.1 7777 1000; then
	go p3
	wait "$kpid"
	r=$?
	: >"$dir/out"
	report $r "UDP from the rump kernel, echoed by the host" p3
else
	report 1 "UDP from the rump kernel, echoed by the host" p3
fi
exit $fail
