#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# t_sp.sh: rump_server, rump_allserver, rump.halt, rump.stat and
# librumpclient end to end, in TAP.  Run by meson with the build's
# programs in the environment: SERVER, ALLSERVER, HALT, STAT, CLIENT,
# GARBAGE.  Every server started here is halted or killed on exit.
set -u

T=$(mktemp -d /tmp/t_sp.XXXXXX)
n=0
failed=0
PIDS=""

cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	for s in "$T"/*.sock; do
		[ -S "$s" ] && RUMP_SERVER="unix://$s" "$HALT" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # check DESCRIPTION COMMAND...
	d=$1; shift
	if "$@" >"$T/out" 2>&1; then ok "$d"; else
		sed 's/^/# /' "$T/out"; not_ok "$d"; fi
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
# uidcopy PROG DIR: PROG and the project's shared libraries it loads,
# copied into DIR (made world-readable), so a process running under
# another uid can run it even when the build tree is private (a 0700
# temporary directory).  Run the copy with LD_LIBRARY_PATH=DIR.
uidcopy() {
	mkdir -p "$2" && chmod 755 "$2" &&
	cp -L "$1" "$2/" &&
	for lib in $(ldd "$1" | awk '$3 ~ /^\// { print $3 }' |
	    grep -v '^/lib/\|^/usr/'); do
		cp -L "$lib" "$2/" || return 1
	done
	chmod -R a+rX "$2"
}
# A server's pid from its socket's owner (for SIGKILL at the end).
serverpid() { fuser "$1" 2>/dev/null | tr -d ' '; }

cd "$T"

# --- start and stop on every kind of URL ---
check "start on a relative unix URL" "$SERVER" unix://rel.sock
check "socket is mode 0600" sh -c '[ "$(stat -c %a rel.sock)" = 600 ]'
check "client on the relative URL" env RUMP_SERVER=unix://rel.sock \
    "$CLIENT" pid
check "rump.halt stops it" env RUMP_SERVER=unix://rel.sock "$HALT"
check "socket removed on halt" sh -c '[ ! -e rel.sock ]'

check "start on an absolute unix URL" "$ALLSERVER" "unix://$T/abs.sock"
export RUMP_SERVER="unix://$T/abs.sock"
check "client on the absolute URL" "$CLIENT" pid
check_fail "second server on the same socket refused" "$SERVER" \
    "unix://$T/abs.sock"
check "the first server still serves" "$CLIENT" pid

PORT=$((20000 + $$ % 20000))
check "start on tcp://127.0.0.1" "$SERVER" "tcp://127.0.0.1:$PORT/"
check "client over IPv4" env RUMP_SERVER="tcp://127.0.0.1:$PORT/" \
    "$CLIENT" pid
check "halt over IPv4" env RUMP_SERVER="tcp://127.0.0.1:$PORT/" "$HALT"
if "$SERVER" "tcp://[::1]:$PORT/" 2>"$T/out"; then
	check "client over IPv6" env RUMP_SERVER="tcp://[::1]:$PORT/" \
	    "$CLIENT" pid
	check "halt over IPv6" env RUMP_SERVER="tcp://[::1]:$PORT/" "$HALT"
else
	ok "# SKIP IPv6 start: $(cat "$T/out")"
	ok "# SKIP IPv6 client"
	ok "# SKIP IPv6 halt"
fi
check "start on tcp://0 (any address)" "$SERVER" "tcp://0:$PORT"
check "client to 127.0.0.1 reaches it" \
    env RUMP_SERVER="tcp://127.0.0.1:$PORT" "$CLIENT" pid
check "halt" env RUMP_SERVER="tcp://127.0.0.1:$PORT" "$HALT"

# --- bad options ---
check_fail "bad URL scheme" "$SERVER" http://x
check_fail "unix URL without a path" "$SERVER" unix://
check_fail "tcp URL without a port" "$SERVER" tcp://127.0.0.1
check_fail "tcp URL with a bad address" "$SERVER" tcp://no.such:1/
check_fail "tcp URL with a bad port" "$SERVER" tcp://127.0.0.1:99999/
check_fail "socket path too long" "$SERVER" \
    "unix://$T/$(printf '%0200d' 0).sock"
check_fail "socket in a missing directory" "$SERVER" unix:///nonexistent/x
check_fail "-c 0" "$SERVER" -c 0 unix://c.sock
check_fail "-c 65" "$SERVER" -c 65 unix://c.sock
check_fail "-c junk" "$SERVER" -c x unix://c.sock
check_fail "-r junk" "$SERVER" -r 12q unix://c.sock
check_fail "-l missing library" "$SERVER" -l /nonexistent.so unix://c.sock
check_fail "-k missing key file" "$SERVER" -k /nonexistent unix://c.sock
: >"$T/emptykey"
check_fail "-k empty key file" "$SERVER" -k "$T/emptykey" unix://c.sock
check_fail "unknown option" "$SERVER" -Z unix://c.sock
check_fail "no URL" "$SERVER"
check_fail "-d unknown token" "$ALLSERVER" -d key=/k,hostpath=f,sise=1 \
    unix://c.sock
check_fail "-d without key" "$ALLSERVER" -d hostpath=f,size=1 unix://c.sock
check_fail "-d bad size" "$ALLSERVER" -d key=/k,hostpath=f,size=1q \
    unix://c.sock
check_fail "-d bad type" "$ALLSERVER" -d key=/k,hostpath=f,size=1,type=x \
    unix://c.sock
check_fail "-d size and disklabel" "$ALLSERVER" \
    -d key=/k,hostpath=f,size=1,disklabel=a unix://c.sock
check_fail "-d disklabel without a table" "$ALLSERVER" \
    -d "key=/k,hostpath=$T/emptykey,disklabel=1" unix://c.sock
check "nothing left behind by failed starts" sh -c '[ ! -e c.sock ]'

# --- options that work ---
check "-s stays in the foreground" sh -c \
    "\"$SERVER\" -s unix://fg.sock & echo \$! >fg.pid; \
    for i in 1 2 3 4 5 6 7 8 9 10; do [ -S fg.sock ] && break; sleep 0.2; done; \
    kill -0 \$(cat fg.pid)"
check "-s server halts on SIGTERM and removes its socket" sh -c \
    "kill \$(cat fg.pid); for i in 1 2 3 4 5 6 7 8 9 10; do \
    [ -e fg.sock ] || exit 0; sleep 0.2; done; exit 1"
check "-c 3 -r 64m -v" "$SERVER" -c 3 -r 64m -v unix://o.sock
check "ncpu is 3" sh -c \
    "[ \"\$(RUMP_SERVER=unix://o.sock \"$STAT\" -n ncpu)\" = 3 ]"
check "memlimit is 64m" sh -c \
    "[ \"\$(RUMP_SERVER=unix://o.sock \"$STAT\" -n memlimit)\" = 67108864 ]"
check "rump.stat prints every figure" sh -c \
    "RUMP_SERVER=unix://o.sock \"$STAT\" | grep -c . | grep -qx 9"
check "halt" env RUMP_SERVER=unix://o.sock "$HALT"
check "-d type=reg creates the host file" "$ALLSERVER" \
    -d "key=/disk,hostpath=$T/disk.img,size=64k,type=reg" unix://d.sock
check "host file is 64 KiB and 0644" sh -c \
    "[ \"\$(stat -c '%s %a' disk.img)\" = '65536 644' ]"
check "the drive is in the kernel's tree" env RUMP_SERVER=unix://d.sock \
    "$CLIENT" write /disk "written through etfs"
check "halt" env RUMP_SERVER=unix://d.sock "$HALT"
check "data reached the host file" grep -q "written through etfs" disk.img
check "-m with a missing module keeps serving" "$ALLSERVER" \
    -m /nonexistent.so unix://m.sock
check "it serves" env RUMP_SERVER=unix://m.sock "$CLIENT" pid
check "halt" env RUMP_SERVER=unix://m.sock "$HALT"
check "-l libc (a library without components)" "$SERVER" -l libc.so.6 \
    unix://l.sock
check "halt" env RUMP_SERVER=unix://l.sock "$HALT"

# --- tcp with a key ---
printf 'sekrit\n' >"$T/key"
check "-k keyfile on tcp" "$SERVER" -k "$T/key" "tcp://127.0.0.1:$PORT"
check_fail "client without the key refused" env \
    RUMP_SERVER="tcp://127.0.0.1:$PORT" "$CLIENT" pid
check_fail "client with a wrong key refused" env RUMP_SERVER_KEY=wrong \
    RUMP_SERVER="tcp://127.0.0.1:$PORT" "$CLIENT" pid
check "client with the key served" env RUMP_SERVER_KEY=sekrit \
    RUMP_SERVER="tcp://127.0.0.1:$PORT" "$CLIENT" pid
check "halt with the key" env RUMP_SERVER_KEY=sekrit \
    RUMP_SERVER="tcp://127.0.0.1:$PORT" "$HALT"

# --- client errors ---
check_fail "no server: clear error" env RUMP_SERVER=unix://none.sock \
    "$CLIENT" pid
check_fail "bad RUMP_SERVER: clear error" env RUMP_SERVER=bogus "$CLIENT" pid

# --- many clients, fork, exec, credentials, hostile input ---
export RUMP_SERVER="unix://$T/abs.sock"
base=$("$STAT" -n nprocs)
i=0
while [ $i -lt 64 ]; do
	"$CLIENT" fdwork "$i" 20 >"$T/fd.$i" 2>&1 &
	i=$((i + 1))
done
bad=0
for j in $(jobs -p); do wait "$j" || bad=$((bad + 1)); done
if [ $bad -eq 0 ]; then ok "64 concurrent clients, separate fd tables"
else cat "$T"/fd.* | sed 's/^/# /'; not_ok "64 concurrent clients ($bad failed)"; fi
# stat_is NAME VALUE: the figure reaches VALUE within 5 seconds (the
# server notices closed connections asynchronously).
stat_is() {
	for i in $(seq 50); do
		[ "$("$STAT" -n "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "$1 is $("$STAT" -n "$1"), expected $2"
	return 1
}
check "their processes are gone" stat_is nprocs "$base"

"$CLIENT" sleep 2 &
kp=$!
sleep 0.5
check "a client mid-call adds a process" sh -c \
    "[ \"\$(\"$STAT\" -n nprocs)\" = $((base + 1)) ]"
kill -9 $kp
wait $kp 2>/dev/null
sleep 1.5
check "SIGKILLed client left no process" stat_is nprocs "$base"
check "and no connection" stat_is nconns 1

check "fork: child has its own process and the parent's descriptors" \
    "$CLIENT" fork
check "exec keeps the process and its descriptors" "$CLIENT" exec
check "fork and exec left no process" stat_is nprocs "$base"

check "root creates a 0600 file" "$CLIENT" put /secret "root only"
if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	chmod 0755 "$T"
	chmod 0777 "$T/abs.sock"
	uidcopy "$CLIENT" "$T/uid"
	UCLIENT="env LD_LIBRARY_PATH=$T/uid $T/uid/$(basename "$CLIENT")"
	check "a uid-1000 client runs as uid 1000" sh -c "[ \"\$(setpriv \
	    --reuid=1000 --regid=1000 --clear-groups $UCLIENT ids)\" = \
	    '1000 1000' ]"
	check "and cannot write root's file" sh -c "[ \"\$(setpriv \
	    --reuid=1000 --regid=1000 --clear-groups $UCLIENT open \
	    /secret w)\" = EACCES ]"
	check "root can" sh -c "[ \"\$(\"$CLIENT\" open /secret w)\" = OK ]"
	check "-R maps everyone to root" "$SERVER" -R "unix://$T/r.sock"
	chmod 0777 "$T/r.sock"
	check "a uid-1000 client of -R runs as root" sh -c "[ \"\$(setpriv \
	    --reuid=1000 --regid=1000 --clear-groups env \
	    RUMP_SERVER=unix://$T/r.sock $UCLIENT ids)\" = '0 0' ]"
	check "halt" env RUMP_SERVER="unix://$T/r.sock" "$HALT"
else
	for k in 1 2 3 4 5 6; do ok "# SKIP credentials (not root)"; done
fi

for kind in random trunc huge short nohello badmagic badversion badargs \
    badblock trailing; do
	check "hostile input ($kind) ends that connection" "$GARBAGE" \
	    "$T/abs.sock" "$kind"
done
check "the server still serves" "$CLIENT" pid
check "and its data is intact" sh -c \
    "[ \"\$(\"$CLIENT\" cat /secret)\" = 'root only' ]"

# --- halt after writes ---
check "write before halt" "$CLIENT" put /data "kept until halt"
check "read back before halt" sh -c \
    "[ \"\$(\"$CLIENT\" cat /data)\" = 'kept until halt' ]"
check "rump.halt -h stops serving, keeps the process" "$HALT" -h
check "socket removed" sh -c "[ ! -e abs.sock ]"
pid=$(pgrep -f "rump_allserver unix://$T/abs.sock" | head -n1)
if [ -n "$pid" ]; then ok "server process still there"; kill -9 "$pid"
else not_ok "server process still there"; fi
check "rump.halt with no server fails" sh -c "! \"$HALT\" 2>/dev/null"

echo "1..$n"
[ $failed -eq 0 ]
