#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# t_hijack.sh: unmodified host programs on a rump kernel's tmpfs through
# librumphijack, in TAP.  Run by meson with SERVER (rump_allserver), HALT
# (rump.halt), HIJACK (librumphijack.so) and NETLIB (librumpnet.so, or
# empty) in the environment.  The server is halted or killed on exit.
set -u

T=$(mktemp -d /tmp/t_hijack.XXXXXX)
n=0
failed=0
SOCK="$T/sock"

cleanup() {
	[ -S "$SOCK" ] && RUMP_SERVER="unix://$SOCK" "$HALT" 2>/dev/null
	p=$(fuser "$SOCK" 2>/dev/null | tr -d ' ')
	[ -n "$p" ] && kill -9 $p 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # check DESCRIPTION COMMAND...: the command must succeed
	d=$1; shift
	if "$@" >"$T/out" 2>&1; then ok "$d"; else
		sed 's/^/# /' "$T/out" | head -20; not_ok "$d"; fi
}
check_fail() { # the command must fail and say something on stderr
	d=$1; shift
	if "$@" >"$T/out" 2>&1; then
		not_ok "$d (succeeded)"
	elif [ ! -s "$T/out" ]; then
		not_ok "$d (no message)"
	else
		ok "$d: $(head -n1 "$T/out")"
	fi
}
# hj CMD...: run CMD under the hijack.
hj() { LD_PRELOAD="$HIJACK" RUMP_SERVER="unix://$SOCK" "$@"; }

PY=$(command -v python3.11 || command -v python3 || true)
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

echo "1..33"

if [ -n "$NETLIB" ]; then
	"$SERVER" -l "$NETLIB" "unix://$SOCK" >"$T/out" 2>&1
else
	"$SERVER" "unix://$SOCK" >"$T/out" 2>&1
fi
if [ -S "$SOCK" ]; then ok "rump_server on $SOCK"; else
	sed 's/^/# /' "$T/out"; not_ok "rump_server on $SOCK"; exit 1; fi

# A host tree: directories, small and empty files, a larger one, a
# symlink, odd modes.
H="$T/host"
mkdir -p "$H/tree/d1/d2" "$H/tree/empty"
echo one >"$H/tree/one"
: >"$H/tree/d1/zero"
seq 1 20000 >"$H/tree/d1/d2/seq"
head -c 300000 /dev/urandom >"$H/tree/d1/rand"
ln -s one "$H/tree/link"
chmod 600 "$H/tree/one"
chmod 750 "$H/tree/d1"

# --- coreutils ---
check "ls -la /rump" sh -c "LD_PRELOAD=$HIJACK RUMP_SERVER=unix://$SOCK \
	ls -la /rump | grep -q ' \.\.\$'"
check "mkdir /rump/x" hj mkdir /rump/x
check "cp -a a host tree in" hj cp -a "$H/tree" /rump/x/tree
check "diff -r host tree and rump copy" hj diff -r "$H/tree" /rump/x/tree
check "modes and symlink kept" sh -c "
	[ \"\$(LD_PRELOAD=$HIJACK RUMP_SERVER=unix://$SOCK stat -c %a /rump/x/tree/one)\" = 600 ] &&
	[ \"\$(LD_PRELOAD=$HIJACK RUMP_SERVER=unix://$SOCK readlink /rump/x/tree/link)\" = one ]"
check "cp -a out again" hj cp -a /rump/x/tree "$T/back"
check "diff -r host tree and the copy back" diff -r "$H/tree" "$T/back"
check "mv inside the kernel" hj mv /rump/x/tree/d1/rand /rump/x/tree/rand2
check "mv across the prefix (EXDEV, copied)" hj mv /rump/x/tree/rand2 "$T/rand2"
check "moved file intact" cmp "$T/rand2" "$H/tree/d1/rand"
(cd "$H" && find tree -type f | sort | xargs sha256sum) >"$T/sum.host"
check "find -type f | xargs sha256sum" sh -c "cd / && \
	LD_PRELOAD=$HIJACK RUMP_SERVER=unix://$SOCK sh -c \
	'cd /rump/x && find tree -type f | sort | xargs sha256sum' \
	>$T/sum.rump && \
	grep -v rand $T/sum.host | diff - $T/sum.rump"
check "tar c | tar x into the prefix" hj sh -c \
	"mkdir /rump/x/t && tar -C '$H' -cf - tree | tar -C /rump/x/t -xf - && \
	diff -r '$H/tree' /rump/x/t/tree"
check "tar c | tar x out of the prefix" hj sh -c \
	"mkdir '$T/tout' && tar -C /rump/x/t -cf - tree | tar -C '$T/tout' -xf - && \
	diff -r '$H/tree' '$T/tout/tree'"
check "dd conv=fsync in and out" hj sh -c \
	"dd if='$H/tree/d1/rand' of=/rump/x/dd bs=64k conv=fsync 2>/dev/null && \
	dd if=/rump/x/dd of='$T/dd' bs=4k 2>/dev/null && cmp '$T/dd' '$H/tree/d1/rand'"
check "rm -r" hj sh -c "rm -r /rump/x/t && [ ! -e /rump/x/t ]"

# --- shells ---
check "sh -c with redirections into the prefix" hj sh -c \
	'echo first >/rump/x/r && echo second >>/rump/x/r && \
	cat </rump/x/r >/rump/x/r2 && ls /nonexistent 2>/rump/x/err; \
	[ "$(cat /rump/x/r2)" = "$(printf "first\nsecond")" ] && [ -s /rump/x/err ]'
check "cd /rump/x && pwd in bash" sh -c \
	"[ \"\$(LD_PRELOAD=$HIJACK RUMP_SERVER=unix://$SOCK bash -c 'cd /rump/x && pwd && /bin/pwd')\" = \"\$(printf '/rump/x\n/rump/x')\" ]"
check "bash pipeline inherits rump cwd and descriptors" hj bash -c '
	cd /rump/x/tree || exit 1
	exec 3</rump/x/tree/one 4>/rump/x/pipe.out
	cat d1/d2/seq | grep 7 | sort -n | tail -1 >&4
	read -r line <&3
	exec 4>&-
	[ "$line" = one ] && [ "$(cat /rump/x/pipe.out)" = 19997 ]'
check "bash builtins write through stdout redirections" hj bash -c '
	echo builtin >/rump/x/b; printf "%s\n" more >>/rump/x/b
	[ "$(cat /rump/x/b)" = "$(printf "builtin\nmore")" ]'
check "a program kept in the kernel runs" hj sh -c \
	"cp /bin/echo /rump/x/echo && /rump/x/echo from-the-kernel" 
check "realpath through a symlink" sh -c \
	"[ \"\$(LD_PRELOAD=$HIJACK RUMP_SERVER=unix://$SOCK realpath /rump/x/tree/d1/../link)\" = /rump/x/tree/one ]"

# --- python ---
if [ -n "$PY" ]; then
	check "python3 open() and os.scandir()" hj "$PY" -c '
import os
with open("/rump/x/py.txt", "w") as f:
    f.write("hello from python\n")
assert open("/rump/x/py.txt").read() == "hello from python\n"
names = sorted(e.name for e in os.scandir("/rump/x/tree"))
assert names == ["d1", "empty", "link", "one"], names
assert [e.name for e in os.scandir("/rump/x/tree") if e.is_symlink()] == ["link"]
os.chdir("/rump/x"); assert os.getcwd() == "/rump/x"
assert sorted(os.listdir("tree")) == names'
	check "python3 mmap of a rump file" hj "$PY" -c '
import mmap
with open("/rump/x/tree/d1/d2/seq", "rb") as f:
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    assert m[:4] == b"1\n2\n" and len(m) == 108894, len(m)'
	check "python3 subprocess in a rump cwd" hj "$PY" -c '
import os, subprocess
os.chdir("/rump/x/tree")
out = subprocess.run(["cat", "one"], capture_output=True, check=True).stdout
assert out == b"one\n", out'
	check "descriptor ranges never mix" hj "$PY" -c '
import os
r, w = os.pipe()
fd = os.open("/rump/x/tree/one", os.O_RDONLY)
assert r < 128 and w < 128 and fd >= 128, (r, w, fd)
os.dup2(fd, 10)
assert os.read(10, 3) == b"one"
assert os.fstat(10).st_size == 4 and os.fstat(r).st_size == 0
os.close(10)
try:
    os.dup2(r, 200); raise SystemExit("host fd placed in the rump range")
except OSError:
    pass
try:
    os.rename("/rump/x/tree/one", "/tmp/nowhere"); raise SystemExit("cross rename")
except OSError as e:
    assert e.errno == 18, e'
else
	for i in 1 2 3 4; do ok "# SKIP no python3"; done
fi

if [ -n "$NETLIB" ] && [ -n "$PY" ]; then
	check "poll over a host pipe and a rump socket wakes on either" \
	    env RUMPHIJACK=path=/rump,socket=all \
	    LD_PRELOAD="$HIJACK" RUMP_SERVER="unix://$SOCK" "$PY" -c '
import os, socket, select, time
r, w = os.pipe()
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
assert r < 128 and a.fileno() >= 128, (r, a.fileno())
p = select.poll()
p.register(r, select.POLLIN); p.register(a.fileno(), select.POLLIN)
t0 = time.time(); assert p.poll(200) == [] and time.time() - t0 >= 0.15
os.write(w, b"x"); assert p.poll(5000) == [(r, select.POLLIN)]
os.read(r, 1)
b.send(b"y"); assert p.poll(5000) == [(a.fileno(), select.POLLIN)]
assert a.recv(1) == b"y"
b.send(b"z")
rl, _, _ = select.select([r, a.fileno()], [], [], 5)
assert rl == [a.fileno()], rl'
	check "socket=all:nolocal keeps AF_UNIX on the host" hj "$PY" -c '
import socket
a, b = socket.socketpair(socket.AF_UNIX)
assert a.fileno() < 128'
else
	ok "# SKIP poll test: no librumpnet or python3"
	ok "# SKIP socket routing test: no librumpnet or python3"
fi

# --- configuration ---
check_fail "unknown RUMPHIJACK key refused" env RUMPHIJACK=bogus=1 \
    LD_PRELOAD="$HIJACK" RUMP_SERVER="unix://$SOCK" true
check_fail "bad fdoff refused" env RUMPHIJACK=fdoff=3 \
    LD_PRELOAD="$HIJACK" RUMP_SERVER="unix://$SOCK" true
check_fail "bad socket family refused" env RUMPHIJACK=socket=ipx \
    LD_PRELOAD="$HIJACK" RUMP_SERVER="unix://$SOCK" true
check_fail "no server: a clear error" env LD_PRELOAD="$HIJACK" \
    RUMP_SERVER="unix://$T/nosock" true
check "fdoff=512 and blanket= paths" env \
    RUMPHIJACK=path=/rump,blanket=/kern,fdoff=512 LD_PRELOAD="$HIJACK" \
    RUMP_SERVER="unix://$SOCK" sh -c 'mkdir /rump/kern && echo b >/kern/f && \
    [ "$(cat /rump/kern/f)" = b ]'

exit $((failed > 0))
