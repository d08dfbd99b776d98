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

echo "1..39"

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
	cat >"$T/scm.py" <<'EOF'
import array, os, socket, sys
def rights(*fds):
    return [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
with open("/rump/scm", "w") as f:
    f.write("passed")
fd = os.open("/rump/scm", os.O_RDONLY)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
assert fd >= 128
r, w = os.pipe()
if sys.argv[1] == "host":
    # AF_UNIX on the host: a kernel fd cannot go, a host fd can.
    assert a.fileno() < 128
    try:
        a.sendmsg([b"x"], rights(fd)); raise SystemExit("kernel fd sent")
    except OSError as e:
        assert e.errno == 18, e
    assert a.sendmsg([b"h"], rights(r)) == 1
    msg, anc, _, _ = b.recvmsg(16, socket.CMSG_SPACE(4))
    assert msg == b"h" and len(anc) == 1
    sys.exit(0)
assert a.fileno() >= 128
assert a.sendmsg([b"fd"], rights(fd)) == 2
msg, anc, _, _ = b.recvmsg(16, socket.CMSG_SPACE(4))
got = array.array("i"); got.frombytes(anc[0][2])
assert msg == b"fd" and len(got) == 1 and got[0] >= 128 and got[0] != fd
assert os.read(got[0], 16) == b"passed"
try:
    a.sendmsg([b"x"], rights(r)); raise SystemExit("host fd sent")
except OSError as e:
    assert e.errno == 18, e
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
assert v.sendmsg([b"da", b"ta"], [], 0, u.getsockname()) == 4
d, _, _, src = u.recvmsg(64)
assert d == b"data" and src[1] == v.getsockname()[1], (d, src)
EOF
	check "sendmsg/recvmsg: SCM_RIGHTS of kernel fds, EXDEV across sides" \
	    sh -c "RUMPHIJACK=path=/rump,socket=all LD_PRELOAD=$HIJACK \
	    RUMP_SERVER=unix://$SOCK $PY $T/scm.py kernel &&
	    LD_PRELOAD=$HIJACK RUMP_SERVER=unix://$SOCK $PY $T/scm.py host"
else
	ok "# SKIP poll test: no librumpnet or python3"
	ok "# SKIP socket routing test: no librumpnet or python3"
	ok "# SKIP sendmsg test: no librumpnet or python3"
fi

# --- freopen of a standard stream onto a kernel file and back ---
if [ -n "$PY" ]; then
	check "freopen() of stdout onto a kernel file, other streams refused" \
	    hj "$PY" -c '
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
libc.freopen.restype = ctypes.c_void_p
libc.freopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p]
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.fclose.argtypes = [ctypes.c_void_p]
out = ctypes.c_void_p.in_dll(libc, "stdout")
assert libc.freopen(b"/rump/fr.txt", b"w", out.value)
libc.printf(b"via freopen %d\n", 42)
libc.fflush(None)
f = libc.fopen(b"/dev/null", b"r")
assert f
assert not libc.freopen(b"/rump/fr.txt", b"r", f)
assert ctypes.get_errno() == errno.EOPNOTSUPP
libc.fclose(f)
' && [ "$(hj cat /rump/fr.txt)" = "via freopen 42" ]
else
	ok "freopen() of stdout # SKIP python3 not found"
fi

# --- glob, nftw, system, popen (hijack_walk.c, hijack_proc.c) ---
check "shell globbing (dash, bash) lists a kernel directory" hj sh -c '
	mkdir -p /rump/w/a/b /rump/w/c && echo 1 >/rump/w/a/f1 &&
	echo 2 >/rump/w/a/b/f2 && ln -s a /rump/w/lnk && echo >/rump/w/e &&
	l=""; for f in /rump/w/*; do l="$l $f"; done &&
	[ "$l" = " /rump/w/a /rump/w/c /rump/w/e /rump/w/lnk" ] &&
	[ "$(bash -c "cd /rump/w/a && echo */* *")" = "b/f2 b f1" ]'
if [ -n "$PY" ]; then
	check "glibc glob() and nftw() on kernel paths" hj "$PY" -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
class glob_t(ctypes.Structure):
    _fields_ = [("n", ctypes.c_size_t), ("v", ctypes.POINTER(ctypes.c_char_p)),
                ("offs", ctypes.c_size_t), ("flags", ctypes.c_int),
                ("fns", ctypes.c_void_p * 5)]
def glob(pat, flags=0):
    g = glob_t()
    r = libc.glob(pat.encode(), flags, None, ctypes.byref(g))
    names = [g.v[i].decode() for i in range(g.n)]
    libc.globfree(ctypes.byref(g))
    return r, names
assert glob("/rump/w/*/f*") == (0, ["/rump/w/a/f1", "/rump/w/lnk/f1"]), \
    glob("/rump/w/*/f*")
assert glob("/rump/w/nothing*")[0] == 3        # GLOB_NOMATCH
os.chdir("/rump/w/a")
assert glob("*", 2) == (0, ["b/", "f1"]), glob("*", 2)     # GLOB_MARK
os.chdir("/")
FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p,
    ctypes.c_int, ctypes.POINTER(ctypes.c_int * 2))
seen = {}
def cb(path, sb, typ, ftw):
    seen[path.decode()] = (typ, ftw.contents[0], ftw.contents[1])
    return 0
assert libc.nftw(b"/rump/w", FN(cb), 8, 1 | 8) == 0    # FTW_PHYS|FTW_DEPTH
assert seen == {"/rump/w": (5, 6, 0), "/rump/w/a": (5, 8, 1),
    "/rump/w/a/b": (5, 10, 2), "/rump/w/a/b/f2": (0, 12, 3),
    "/rump/w/a/f1": (0, 10, 2), "/rump/w/c": (5, 8, 1),
    "/rump/w/e": (0, 8, 1), "/rump/w/lnk": (4, 8, 1)}, seen
seen.clear()
# Following links, /rump/w/a is one directory reached twice: once only.
assert libc.nftw(b"/rump/w", FN(cb), 8, 0) == 0
assert len(seen) == 7 and ("/rump/w/a" in seen) != ("/rump/w/lnk" in seen), seen'
	check "system() runs sh in the kernel directory with kernel fds" hj \
	    "$PY" -c '
import ctypes, os
libc = ctypes.CDLL(None)
os.chdir("/rump/w/a")
fd = os.open("out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
assert fd >= 128, fd
os.set_inheritable(fd, True)
st = libc.system(("bash -c \"pwd >&%d; cat f1 >&%d\"; exit 7" %
    (fd, fd)).encode())
assert os.WIFEXITED(st) and os.WEXITSTATUS(st) == 7, st
os.close(fd)
assert open("out").read() == "/rump/w/a\n1\n", open("out").read()'
	check "popen() r and w in the kernel directory, pclose status" hj \
	    "$PY" -c '
import ctypes, os
libc = ctypes.CDLL(None)
libc.popen.restype = ctypes.c_void_p
libc.popen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.pclose.argtypes = [ctypes.c_void_p]
libc.fputs.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
libc.fgets.restype = ctypes.c_char_p
libc.fgets.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
os.chdir("/rump/w")
w = libc.popen(b"cat >piped", b"w")
assert w
libc.fputs(b"through popen\n", w)
assert libc.pclose(w) == 0
assert open("/rump/w/piped").read() == "through popen\n"
r = libc.popen(b"ls; exit 3", b"re")
buf = ctypes.create_string_buffer(256)
names = []
while libc.fgets(buf, 256, r):
    names.append(buf.value.decode().strip())
st = libc.pclose(r)
assert os.WEXITSTATUS(st) == 3, st
assert names == ["a", "c", "e", "lnk", "piped"], names'
else
	for i in 1 2 3; do ok "# SKIP no python3"; done
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
