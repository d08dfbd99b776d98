#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# t_intr.sh: a client SIGKILLed while its call sleeps in the server's
# kernel for ever (pipe read, poll, nanosleep, a fifo open) leaves no
# process and no connection behind (nor a fifo reader): the server sees
# the hangup and interrupts the call.
# And exec through the server closes close-on-exec descriptors.  TAP;
# meson sets SERVER, STAT, HALT and BLOCK.
set -u

T=$(mktemp -d /tmp/t_intr.XXXXXX)
n=0
failed=0
cleanup() {
	[ -S "$T/s.sock" ] && RUMP_SERVER="unix://$T/s.sock" "$HALT" \
	    2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() {
	d=$1; shift
	if "$@" >"$T/out" 2>&1; then ok "$d"; else
		sed 's/^/# /' "$T/out"; not_ok "$d"; fi
}
# stat_is NAME VALUE: the figure reaches VALUE within 5 seconds.
stat_is() {
	for i in $(seq 50); do
		[ "$("$STAT" -n "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "$1 is $("$STAT" -n "$1"), expected $2"
	return 1
}
# blocked KIND: start a client blocking in KIND, wait until it blocks.
blocked() {
	: >"$T/bl"
	"$BLOCK" "$1" >"$T/bl" 2>&1 &
	bp=$!
	for i in $(seq 100); do
		grep -q blocking "$T/bl" && break
		sleep 0.05
	done
	sleep 0.3
}

check "start a server" "$SERVER" "unix://$T/s.sock"
export RUMP_SERVER="unix://$T/s.sock"
base=$("$STAT" -n nprocs)

for kind in read poll sleep fifo; do
	blocked "$kind"
	check "a client blocked in $kind adds a process" sh -c \
	    "[ \"\$(\"$STAT\" -n nprocs)\" = $((base + 1)) ]"
	kill -9 "$bp"
	wait "$bp" 2>/dev/null
	check "SIGKILLed in $kind: its process is gone" stat_is nprocs "$base"
	check "and its connection" stat_is nconns 1
done

check "the killed fifo open left no reader behind" "$BLOCK" nofifo

# Two blocked at once, killed together.
blocked read
bp1=$bp
blocked poll
kill -9 "$bp1" "$bp"
wait "$bp1" "$bp" 2>/dev/null
check "two SIGKILLed clients: both processes gone" stat_is nprocs "$base"

check "exec closes close-on-exec descriptors, keeps the others" \
    "$BLOCK" cloexec
check "exec left no process" stat_is nprocs "$base"
check "halt" "$HALT"

echo "1..$n"
[ $failed -eq 0 ]
