#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The FUSE bridge over ext2 images made by mke2fs -d: read the tree back,
# write a tree in, remount, e2fsck after every phase; rsync, parallel
# writers, fsx; a SIGTERM with files open; read-only mounts; a corrupt
# image gives errors but no crash or hang.
. "$(dirname "$0")/lib.sh"
[ "${HAVE_EXT2:-0}" = 1 ] || skip_all "ext2fs not built"
need_fuse
command -v mke2fs >/dev/null || skip_all "mke2fs missing"
plan 22

M=$T/m
IMG=$T/img
mktree "$T/src"
rm "$T/src/fifo"
fsck() { e2fsck -fn "$1" >"$T/fsck.out" 2>&1 || { cat "$T/fsck.out"; return 1; }; }
XL="-x lost+found"

ok 'mke2fs -q -t ext2 -b 1024 -d "$T/src" "$IMG" 32M' "mke2fs -d"
ok 'fmount "$IMG" "$M"' "mount with the type detected"
ok 'diff -r --no-dereference $XL "$T/src" "$M"' "diff -r against the source tree"
ok '[ "$(stat -c %h "$M/f1")" = 2 ] && [ "$(stat -c %a "$M/mode")" = 600 ] &&
    [ "$(stat -c %Y "$M/f1")" = 1000000000 ]' "links, modes, times as made"
ok 'cp -a "$(dirname "$0")" "$M/copy" && cp -a "$T/src" "$M/src2" &&
    diff -r "$(dirname "$0")" "$M/copy" && diff -r --no-dereference "$T/src" "$M/src2"' \
   "cp -a two trees in"
ok 'fumount "$M" && fsck "$IMG"' "unmount; e2fsck -fn clean"
ok 'fmount -t ext2fs "$IMG" "$M" && diff -r "$(dirname "$0")" "$M/copy" &&
    diff -r --no-dereference "$T/src" "$M/src2"' "remount; diff -r again"
ok 'rsync -a "$T/src/" "$M/rs/" && diff -r --no-dereference "$T/src" "$M/rs"' "rsync -a in"
# As root the bridge sets the mount's read-ahead (512 KiB by default).
if [ "$(id -u)" = 0 ] && [ -d /sys/class/bdi ]; then
	ok '[ "$(cat /sys/class/bdi/$(mountpoint -d "$M")/read_ahead_kb)" = 512 ]' \
	   "read-ahead of the mount: 512 KiB"
else
	skip "read-ahead of the mount: 512 KiB" "not root"
fi
ok 'for i in 1 2 3 4 5 6; do
      (head -c $((i * 300000)) /dev/urandom >"$T/w$i" && cp "$T/w$i" "$M/w$i") &
    done; wait; for i in 1 2 3 4 5 6; do cmp "$T/w$i" "$M/w$i" || exit 1; done' \
   "6 parallel writers"
ok '"$FSX" -N "${FUSE_FSX_OPS:-20000}" -S 3 "$M/fsx"' "fsx random operations, no divergence"
ok '"$FSX" -N 3000 -S 4 -l 3000000 -o 700000 "$M/fsx2"' "fsx with long reads and writes"
ok 'rm -r "$M/rs" "$M/w1" && fumount "$M" && fsck "$IMG"' "after writes and removals: e2fsck -fn clean"
# Long reads of data on the image are spliced from it; O_DIRECT makes
# every read reach the bridge.  A file with a tail, one with holes, and
# a block rewritten since (newer in the kernel's cache than on the image).
head -c $((3 * 1048576 + 777)) /dev/urandom >"$T/big1"
truncate -s 8M "$T/big2"
head -c 1048576 /dev/urandom | dd of="$T/big2" bs=64k seek=32 conv=notrunc status=none
head -c 70000 /dev/urandom | dd of="$T/big2" bs=1 seek=6291556 conv=notrunc status=none
dread() { dd if="$1" iflag=direct bs=512k status=none; }
ok 'fmount "$IMG" "$M" && cp "$T/big1" "$M/big1" && cp --sparse=always "$T/big2" "$M/big2" &&
    fumount "$M" && fmount "$IMG" "$M" && dread "$M/big1" | cmp - "$T/big1" &&
    dread "$M/big2" | cmp - "$T/big2" &&
    head -c 5000 /dev/urandom >"$T/patch" &&
    dd if="$T/patch" of="$T/big1" bs=1 seek=1500000 conv=notrunc status=none &&
    dd if="$T/patch" of="$M/big1" bs=1 seek=1500000 conv=notrunc status=none &&
    dread "$M/big1" | cmp - "$T/big1" && cmp "$M/big1" "$T/big1" &&
    fumount "$M" && fsck "$IMG"' "long reads after a remount: a tail, holes, a rewritten block"
fmount "$IMG" "$M"
pid=$(bridge_pid "$M")
exec 7>"$M/held-open"
echo data >&7
# A truncate and an fsync: served by the bridge's pool, which must end too.
truncate -s 5 "$M/held-open"
sync "$M/held-open"
exec 8<"$M/d1/numbers"
ok 'kill -TERM "$pid" && waitpid_gone "$pid" && ! mountpoint -q "$M" && fsck "$IMG"' \
   "SIGTERM with files open: e2fsck -fn clean"
exec 7>&- 8<&-
ok 'fmount -o ro "$IMG" "$M" && [ "$(cat "$M/held-open")" = data ] &&
    ! touch "$M/new" 2>/dev/null && fumount "$M" && fsck "$IMG"' \
   "-o ro: reads work, writes fail"
ok 'mkdir -p "$T/mnt2" && ln -sf "$RUMP_MOUNT" "$T/rump_ext2fs" &&
    "$T/rump_ext2fs" -o max_read=131072 "$IMG" "$T/mnt2" &&
    echo "$T/mnt2" >>"$T/.mounts" && [ -s "$T/mnt2/d1/numbers" ] &&
    cmp "$T/mnt2/big1" "$T/big1" && fusermount3 -u "$T/mnt2"' \
   "rump_ext2fs -o max_read= IMAGE MNT"
ok '! "$RUMP_MOUNT" "$T/nonexistent" "$M" 2>"$T/err" && [ $(wc -l <"$T/err") = 1 ] &&
    ! "$RUMP_MOUNT" /etc/passwd "$M" 2>/dev/null' "bad images: one line, non-zero exit"
# The reader's polling: off (spin=0) it still serves; a bad value is a
# clear error before anything is mounted.
ok 'fmount -o spin=0 "$IMG" "$M" && cmp "$M/big1" "$T/big1" &&
    cp -r "$M/d1" "$M/d1copy" && diff -r --no-dereference "$M/d1" "$M/d1copy" &&
    fumount "$M" && fsck "$IMG" &&
    { "$RUMP_MOUNT" -o spin=abc "$IMG" "$M" 2>"$T/err"; [ $? = 2 ]; } &&
    grep -q "spin=abc" "$T/err" && ! mountpoint -q "$M" &&
    { "$RUMP_MOUNT" -o spin=-1 "$IMG" "$M" 2>/dev/null; [ $? = 2 ]; }' \
   "-o spin=0 serves; -o spin=abc and spin=-1: exit 2, nothing mounted"

# A corrupt image: the root directory's and other blocks overwritten.
cp "$IMG" "$T/bad"
python3 - "$T/bad" <<'PY'
import random, sys
random.seed(5)
with open(sys.argv[1], "r+b") as f:
    for _ in range(400):
        off = random.randrange(2048, 2 * 1024 * 1024)
        f.seek(off)
        f.write(bytes(random.randrange(256) for _ in range(64)))
PY
ok 'fmount "$T/bad" "$M" || true; timeout 60 sh -c "ls -lR \"$M\" >/dev/null 2>&1;
    cat \"$M\"/d1/* >/dev/null 2>&1; find \"$M\" -type f -exec cat {} + >/dev/null 2>&1;
    touch \"$M\"/newfile 2>/dev/null; true"' "a corrupt image: no hang"
ok '! mountpoint -q "$M" || { [ -n "$(bridge_pid "$M")" ] && fumount "$M"; }' \
   "a corrupt image: the bridge did not crash, fusermount3 -u works"
ok '! mountpoint -q "$M"' "nothing left mounted"
finish
