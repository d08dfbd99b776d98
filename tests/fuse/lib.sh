# SPDX-License-Identifier: BSD-2-Clause
# lib.sh: TAP helpers and clean-up for the FUSE bridge and fs-utils tests.
# Sourced by the t_*.sh scripts; meson passes RUMP_MOUNT, FSU, FSX (paths
# of the programs) and HAVE_EXT2 (1 when the ext2fs library is built).
#
#   plan N          print the TAP plan
#   ok COND DESC    run the shell command COND; "ok"/"not ok" line
#   skip_all WHY    "1..0 # SKIP WHY" and exit
# Every test gets a scratch directory $T; mounts made with fmount (listed
# in $T/.mounts) are
# unmounted and $T removed on exit, even when a test fails.

set -u
export LC_ALL=C TZ=UTC
T=$(mktemp -d /tmp/rumpfuse.XXXXXX)
tapn=0
failed=0
FSUDIR=$(dirname "${FSU:?FSU must name the fsu program}")

cleanup() {
	for m in $(cat "$T/.mounts" 2>/dev/null); do
		fusermount3 -u "$m" 2>/dev/null || fusermount3 -uz "$m" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

plan() { echo "1..$1"; }

skip_all() { echo "1..0 # SKIP $1"; exit 0; }

ok() {
	tapn=$((tapn + 1))
	# A subshell: an "exit" in COND ends only the check.
	if (eval "$1") >"$T/.out" 2>&1; then
		echo "ok $tapn - $2"
	else
		echo "not ok $tapn - $2"
		sed 's/^/# /' "$T/.out" | head -40
		failed=1
	fi
}

skip() { tapn=$((tapn + 1)); echo "ok $tapn - $1 # SKIP $2"; }

finish() { exit $failed; }

need_fuse() {
	[ -c /dev/fuse ] || skip_all "/dev/fuse missing"
	command -v fusermount3 >/dev/null || skip_all "fusermount3 missing"
	[ -x "$RUMP_MOUNT" ] || skip_all "rump_mount not built"
}

# fmount ARGS... MNT: mount with rump_mount (backgrounds itself).
fmount() {
	local mnt
	for mnt; do :; done
	mkdir -p "$mnt"
	"$RUMP_MOUNT" "$@" || return 1
	echo "$mnt" >>"$T/.mounts"
}

# fumount MNT: unmount, wait for the bridge to exit (it syncs first).
fumount() {
	local pid
	pid=$(bridge_pid "$1")
	fusermount3 -u "$1" || return 1
	waitpid_gone "$pid"
}

bridge_pid() {
	# the rump_mount process serving mount point $1
	pgrep -f -- "rump_mount .*$1\$" | head -1
}

waitpid_gone() {
	local i=0
	[ -n "$1" ] || return 0
	while kill -0 "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 300 ] && return 1
		sleep 0.1
	done
	return 0
}

# A small tree with the kinds of files that matter.
mktree() {
	mkdir -p "$1/d1/d2/d3" "$1/empty" "$1/mode"
	echo hello >"$1/f1"
	: >"$1/emptyfile"
	seq 1 20000 >"$1/d1/numbers"
	head -c 300000 /dev/urandom >"$1/d1/d2/random"
	printf 'x%.0s' $(seq 1 5000) >"$1/d1/d2/d3/xs"
	ln -s f1 "$1/link"
	ln -s ../d1/numbers "$1/empty/../d1/d2/rel"
	ln -s /nonexistent/target "$1/dangling"
	ln "$1/f1" "$1/d1/hardlink"
	chmod 0600 "$1/mode"
	echo secret >"$1/mode/file"
	chmod 0750 "$1/mode/file"
	touch -d @1000000000 "$1/f1"
	mkfifo "$1/fifo"
}
