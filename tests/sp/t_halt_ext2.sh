#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# t_halt_ext2.sh: rump.halt of a server with an ext2 file system mounted
# from a host image (rump_server -d ... type=blk) leaves the image clean
# for e2fsck, with every written byte there: read back by debugfs and by
# the next boot of a server on the same image.  TAP.  Environment from
# meson: ALLSERVER, HALT, CLIENT.
set -u

T=$(mktemp -d /tmp/t_halt_ext2.XXXXXX)
n=0
failed=0

cleanup() {
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

if ! command -v mke2fs >/dev/null || ! command -v e2fsck >/dev/null; then
	echo "1..0 # SKIP e2fsprogs not installed"
	exit 0
fi
echo "1..12"
IMG=$T/disk.img
SOCK=$T/e.sock
export RUMP_SERVER=unix://$SOCK
DISK="key=/dev/disk,hostpath=$IMG,size=host,type=blk"

check "mke2fs" mke2fs -q -F -t ext2 -b 1024 "$IMG" 16M
check "server with the image as a block device" \
    "$ALLSERVER" -d "$DISK" "unix://$SOCK"
check "client mounts it" "$CLIENT" mount /dev/disk /mnt ext2fs
check "fsynced write" "$CLIENT" fput /mnt/synced "acknowledged by fsync"
# Written but never synced: halt must write them out.
i=0
while [ $i -lt 50 ]; do
	"$CLIENT" put "/mnt/f$i" "file number $i" || break
	i=$((i + 1))
done
check "50 unsynced writes" [ $i -eq 50 ]
check "rump.halt" "$HALT"
check "socket removed" [ ! -e "$SOCK" ]
check "e2fsck -fn is clean" e2fsck -fn "$IMG"
check "debugfs reads the fsynced file" sh -c \
    "[ \"\$(debugfs -R 'cat /synced' '$IMG' 2>/dev/null)\" = 'acknowledged by fsync' ]"
check "debugfs reads an unsynced one" sh -c \
    "[ \"\$(debugfs -R 'cat /f49' '$IMG' 2>/dev/null)\" = 'file number 49' ]"
check "next boot: server on the same image" \
    "$ALLSERVER" -d "$DISK" "unix://$SOCK"
check "next boot: every file is there" sh -c '
	"$CLIENT" mount /dev/disk /mnt ext2fs || exit 1
	[ "$("$CLIENT" cat /mnt/synced)" = "acknowledged by fsync" ] || exit 1
	i=0
	while [ $i -lt 50 ]; do
		[ "$("$CLIENT" cat /mnt/f$i)" = "file number $i" ] || exit 1
		i=$((i + 1))
	done
	"$HALT"'
[ $failed -eq 0 ]
