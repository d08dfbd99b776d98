#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# t_hijack_ext2_net.sh: librumphijack on an ext2 image served by
# `rump_server -d` (coreutils, tar, dd, then e2fsck and debugfs on the
# image after rump.halt) and on the server's TCP/UDP stack (hijacked
# python3 servers and clients talking over the kernel's 127.0.0.1), in
# TAP.  Run by meson with SERVER (rump_allserver), HALT (rump.halt),
# HIJACK (librumphijack.so) and CLIENT (tests/sp's h_client, which
# mounts) in the environment.  Servers are halted or killed on exit.
set -u

T=$(mktemp -d /tmp/t_hijack_en.XXXXXX)
n=0
failed=0
SOCK="$T/disk.sock"
NSOCK="$T/net.sock"
IMG="$T/disk.img"

cleanup() {
	for s in "$SOCK" "$NSOCK"; do
		[ -S "$s" ] && RUMP_SERVER="unix://$s" "$HALT" 2>/dev/null
		p=$(fuser "$s" 2>/dev/null | tr -d ' ')
		[ -n "$p" ] && kill -9 $p 2>/dev/null
	done
	[ -n "${BG:-}" ] && kill -9 $BG 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
check() { # check DESCRIPTION COMMAND...: the command must succeed
	d=$1; shift
	if "$@" >"$T/out" 2>&1; then ok "$d"; else
		sed 's/^/# /' "$T/out" | head -20; not_ok "$d"; fi
}
# hj CMD...: run CMD under the hijack on the disk server.
hj() { LD_PRELOAD="$HIJACK" RUMP_SERVER="unix://$SOCK" "$@"; }
# hn CMD...: run CMD under the hijack on the network server, inet sockets
# in the kernel.
hn() {
	RUMPHIJACK=path=/rump,socket=inet LD_PRELOAD="$HIJACK" \
	    RUMP_SERVER="unix://$NSOCK" "$@"
}

PY=$(command -v python3 || true)
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

echo "1..27"

# ---------------------------------------------------------------------
# 1. ext2 through rump_server -d
# ---------------------------------------------------------------------
H="$T/host"
mkdir -p "$H/seed/sd" "$H/tree/d1/d2" "$H/tree/empty"
echo "seeded by mke2fs -d" >"$H/seed/hello"
seq 1 3000 >"$H/seed/sd/nums"
echo one >"$H/tree/one"
: >"$H/tree/d1/zero"
seq 1 20000 >"$H/tree/d1/d2/seq"
head -c 300000 /dev/urandom >"$H/tree/d1/rand"
ln -s one "$H/tree/link"
chmod 600 "$H/tree/one"
chmod 750 "$H/tree/d1"

if command -v mke2fs >/dev/null && command -v e2fsck >/dev/null &&
    command -v debugfs >/dev/null; then
	check "mke2fs -d a host tree" mke2fs -q -F -t ext2 -b 1024 \
	    -d "$H/seed" "$IMG" 16M
	check "rump_server -d serves the image" "$SERVER" \
	    -d "key=/dev/disk,hostpath=$IMG,size=host,type=blk" "unix://$SOCK"
	check "mount /dev/disk on /mnt (ext2fs)" env \
	    RUMP_SERVER="unix://$SOCK" "$CLIENT" mount /dev/disk /mnt ext2fs
	check "ls -la /rump/mnt shows the seeded tree" sh -c "
		LD_PRELOAD=$HIJACK RUMP_SERVER=unix://$SOCK ls -la /rump/mnt \
		    >$T/ls && grep -q ' hello\$' $T/ls && grep -q ' sd\$' $T/ls &&
		grep -q ' lost+found\$' $T/ls &&
		[ \"\$(LD_PRELOAD=$HIJACK RUMP_SERVER=unix://$SOCK \
		    cat /rump/mnt/hello)\" = 'seeded by mke2fs -d' ]"
	check "cp -a a host tree in" hj cp -a "$H/tree" /rump/mnt/tree
	check "diff -r host tree and the ext2 copy" \
	    hj diff -r "$H/tree" /rump/mnt/tree
	check "cp -a out again and diff -r" sh -c "
		LD_PRELOAD=$HIJACK RUMP_SERVER=unix://$SOCK \
		    cp -a /rump/mnt/tree $T/back && diff -r $H/tree $T/back &&
		[ \"\$(stat -c %a $T/back/one)\" = 600 ] &&
		[ \"\$(readlink $T/back/link)\" = one ]"
	(cd "$H" && find tree -type f | sort | xargs sha256sum) >"$T/sum.host"
	check "find -type f | xargs sha256sum equals the host's" sh -c "
		LD_PRELOAD=$HIJACK RUMP_SERVER=unix://$SOCK sh -c \
		    'cd /rump/mnt && find tree -type f | sort | xargs sha256sum' \
		    >$T/sum.rump && diff $T/sum.host $T/sum.rump"
	check "tar c | tar x into the ext2 tree" hj sh -c \
	    "mkdir /rump/mnt/t && tar -C '$H' -cf - tree | \
	    tar -C /rump/mnt/t -xf - && diff -r '$H/tree' /rump/mnt/t/tree"
	check "tar c | tar x out of it" hj sh -c \
	    "mkdir '$T/tout' && tar -C /rump/mnt/t -cf - tree | \
	    tar -C '$T/tout' -xf - && diff -r '$H/tree' '$T/tout/tree'"
	check "dd conv=fsync in and out" hj sh -c \
	    "dd if='$H/tree/d1/rand' of=/rump/mnt/dd bs=64k conv=fsync \
	    2>/dev/null && dd if=/rump/mnt/dd of='$T/dd' bs=4k 2>/dev/null &&
	    cmp '$T/dd' '$H/tree/d1/rand'"
	check "rump.halt" env RUMP_SERVER="unix://$SOCK" "$HALT"
	check "server gone" sh -c "i=0; while [ -e $SOCK ] && [ \$i -lt 50 ]; \
	    do sleep 0.1; i=\$((i + 1)); done; [ ! -e $SOCK ]"
	check "e2fsck -fn is clean" e2fsck -fn "$IMG"
	check "debugfs reads a copied file" sh -c \
	    "debugfs -R 'cat /tree/d1/d2/seq' '$IMG' 2>/dev/null | \
	    cmp - '$H/tree/d1/d2/seq' &&
	    debugfs -R 'dump /dd $T/dd.dbg' '$IMG' >/dev/null 2>&1 &&
	    cmp '$T/dd.dbg' '$H/tree/d1/rand'"
else
	for i in $(seq 1 15); do skip "e2fsprogs not installed"; done
fi

# ---------------------------------------------------------------------
# 2. TCP and UDP in the rump kernel, both ends hijacked
# ---------------------------------------------------------------------
if [ -z "$PY" ]; then
	for i in $(seq 1 10); do skip "no python3"; done
	exit $((failed > 0))
fi
check "rump_server for the network tests" "$SERVER" "unix://$NSOCK"

# A port free on the host right now; the kernel's listener takes the same
# number, and the host must not see it.
PORT=$("$PY" -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The TCP echo server: reports its bound address on stdout, echoes one
# connection, then exits.
cat >"$T/tcpsrv.py" <<'EOF'
import socket, sys
port = int(sys.argv[1])
ai = socket.getaddrinfo("127.0.0.1", port, socket.AF_INET,
    socket.SOCK_STREAM)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
assert s.fileno() >= 128, s.fileno()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(ai[0][4])
s.listen(4)
print("listening", s.getsockname()[0], s.getsockname()[1], flush=True)
s.settimeout(20)
c, peer = s.accept()
assert peer[0] == "127.0.0.1", peer
c.settimeout(20)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
total = 0
while True:
    b = c.recv(65536)
    if not b:
        break
    c.sendall(b)
    total += len(b)
c.close()
s.close()
print("echoed", total, flush=True)
EOF
cat >"$T/tcpcli.py" <<'EOF'
import os, select, socket, sys
port = int(sys.argv[1])
data = os.urandom(1 << 20)
# Names resolve through /etc/hosts on the host, the connection is the
# kernel's.
ai = socket.getaddrinfo("localhost", port, socket.AF_INET, socket.SOCK_STREAM)
assert ai[0][4] == ("127.0.0.1", port), ai
c = socket.create_connection(("127.0.0.1", port), timeout=20)
assert c.fileno() >= 128, c.fileno()
assert c.getpeername() == ("127.0.0.1", port), c.getpeername()
assert c.getsockname()[0] == "127.0.0.1", c.getsockname()
c.setblocking(False)
got = bytearray()
sent = 0
while len(got) < len(data):
    w = [c] if sent < len(data) else []
    r, w, _ = select.select([c], w, [], 20)
    if not r and not w:
        sys.exit("select timed out: sent %d got %d" % (sent, len(got)))
    if w:
        try:
            sent += c.send(data[sent:sent + 65536])
        except BlockingIOError:
            pass
        if sent == len(data):
            c.shutdown(socket.SHUT_WR)
    if r:
        b = c.recv(65536)
        if not b:
            break
        got += b
assert bytes(got) == data, (len(got), len(data))
c.close()
print("ok", len(got))
EOF

# start_srv SCRIPT: start the hijacked SCRIPT in the background (BG) and
# wait for its "listening" line in $T/srv.out.
start_srv() {
	: >"$T/srv.out"
	hn "$PY" "$T/$1" "$PORT" >"$T/srv.out" 2>&1 &
	BG=$!
	i=0
	while ! grep -q listening "$T/srv.out" && [ $i -lt 100 ]; do
		kill -0 $BG 2>/dev/null || break
		sleep 0.1; i=$((i + 1))
	done
	grep -q "listening 127.0.0.1 $PORT" "$T/srv.out"
}
# wait_srv: the background server exits 0 within 20 s.
wait_srv() {
	i=0
	while kill -0 $BG 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -9 $BG 2>/dev/null
	wait $BG
	r=$?
	BG=
	[ $r -eq 0 ] || { cat "$T/srv.out"; return 1; }
}

# The host's own 127.0.0.1:PORT must refuse while the kernel listens.
cat >"$T/hostprobe.py" <<'EOF'
import socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
assert s.fileno() < 128
s.settimeout(5)
try:
    s.connect(("127.0.0.1", port))
except ConnectionRefusedError:
    print("refused on the host, as it should be")
    sys.exit(0)
sys.exit("the host's 127.0.0.1:%d answered" % port)
EOF

check "hijacked python3 TCP server listens in the kernel" start_srv tcpsrv.py
check "the host's 127.0.0.1 port is not used" "$PY" "$T/hostprobe.py" "$PORT"
check "hijacked python3 client echoes 1 MiB over the kernel's TCP" \
    hn "$PY" "$T/tcpcli.py" "$PORT"
if wait_srv && grep -q "echoed 1048576" "$T/srv.out"; then
	ok "the TCP server echoed 1048576 bytes"
else
	sed 's/^/# /' "$T/srv.out"; not_ok "the TCP server echoed 1048576 bytes"
fi

cat >"$T/udpsrv.py" <<'EOF'
import socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
assert s.fileno() >= 128, s.fileno()
s.bind(("127.0.0.1", port))
print("listening", s.getsockname()[0], s.getsockname()[1], flush=True)
s.settimeout(20)
total = 0
while True:
    b, peer = s.recvfrom(65536)
    if b == b"END":
        s.sendto(b"END", peer)
        break
    s.sendto(b, peer)
    total += len(b)
print("echoed", total, flush=True)
EOF
cat >"$T/udpcli.py" <<'EOF'
import os, socket, sys
port = int(sys.argv[1])
data = os.urandom(1 << 20)
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
assert c.fileno() >= 128, c.fileno()
c.settimeout(10)
c.connect(("127.0.0.1", port))
got = bytearray()
# One datagram in flight at a time: loopback does not drop, and this
# keeps the socket buffers out of it.
for off in range(0, len(data), 8192):
    c.send(data[off:off + 8192])
    b = c.recv(65536)
    got += b
c.send(b"END")
assert c.recv(16) == b"END"
assert bytes(got) == data, (len(got), len(data))
print("ok", len(got))
EOF
cat >"$T/udpprobe.py" <<'EOF'
import socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
assert s.fileno() < 128
s.settimeout(0.5)
s.connect(("127.0.0.1", port))
s.send(b"host")
try:
    b = s.recv(16)
except ConnectionRefusedError:
    print("refused on the host")
    sys.exit(0)
except socket.timeout:
    sys.exit("no ICMP refusal, but nothing answered either")
sys.exit("the host's 127.0.0.1:%d answered %r" % (port, b))
EOF

check "hijacked python3 UDP server bound in the kernel" start_srv udpsrv.py
check "the host's 127.0.0.1 UDP port is not used" \
    "$PY" "$T/udpprobe.py" "$PORT"
check "hijacked python3 client echoes 1 MiB over the kernel's UDP" \
    hn "$PY" "$T/udpcli.py" "$PORT"
if wait_srv && grep -q "echoed 1048576" "$T/srv.out"; then
	ok "the UDP server echoed 1048576 bytes"
else
	sed 's/^/# /' "$T/srv.out"; not_ok "the UDP server echoed 1048576 bytes"
fi

# epoll (hijack_epoll.c): kernel sockets and host descriptors in one
# instance, then asyncio (epoll-based) serving and connecting in the kernel.
check "epoll over a host pipe and a kernel socket" hn "$PY" -c '
import os, select, socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
assert a.fileno() >= 128
r, w = os.pipe()
ep = select.epoll()
ep.register(a.fileno(), select.EPOLLIN); ep.register(r, select.EPOLLIN)
t0 = time.time(); assert ep.poll(0.2) == [] and time.time() - t0 >= 0.15
c.send(b"k"); assert ep.poll(5) == [(a.fileno(), select.EPOLLIN)]
a.recv(1); os.write(w, b"h"); assert ep.poll(5) == [(r, select.EPOLLIN)]
os.read(r, 1)
ep.modify(a.fileno(), select.EPOLLOUT | select.EPOLLONESHOT)
assert ep.poll(5) == [(a.fileno(), select.EPOLLOUT)] and ep.poll(0.05) == []
try:
    ep.register(a.fileno(), select.EPOLLIN); raise SystemExit("no EEXIST")
except FileExistsError:
    pass
try:
    ep.register(c.fileno(), select.EPOLLIN | select.EPOLLET)
    raise SystemExit("EPOLLET accepted")
except OSError as e:
    assert e.errno == 95, e
ep.unregister(a.fileno())
a.close(); c.close(); s.close()'
check "asyncio echoes 1 MiB over the kernel's TCP" hn "$PY" -c '
import asyncio, os
async def handle(r, w):
    while (d := await r.read(65536)):
        w.write(d); await w.drain()
    w.close()
async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    assert srv.sockets[0].fileno() >= 128
    port = srv.sockets[0].getsockname()[1]
    r, w = await asyncio.open_connection("127.0.0.1", port)
    data = os.urandom(1 << 20)
    async def send():
        w.write(data); await w.drain(); w.write_eof()
    t = asyncio.create_task(send())
    got = b""
    while len(got) < len(data):
        b = await r.read(65536)
        if not b:
            break
        got += b
    await t
    assert got == data, len(got)
asyncio.run(asyncio.wait_for(main(), 30))'

check "rump.halt of the network server" env RUMP_SERVER="unix://$NSOCK" "$HALT"

exit $((failed > 0))
