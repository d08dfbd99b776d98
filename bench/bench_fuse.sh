#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench_fuse.sh: the FUSE bridge and fs-utils against their peers, on the
# same ext2 image, in the same run:
#   - an untar-like tree of FILES small files (default 20000) copied in
#   - SIZE_MB sequential write (with fsync) and read after a remount
#     (default 1024)
#   through rump_ext2fs, fuse2fs, and the host kernel's loop mount where
#   permitted; and fsu_cp -R of the tree against e2cp in a loop and a
#   scripted debugfs -w; then fsx with 100 000 operations.
# Usage: bench/bench_fuse.sh BUILDDIR   (FILES=, SIZE_MB= to scale)
set -u
B=${1:?usage: bench_fuse.sh BUILDDIR}
B=$(cd "$B" && pwd)
RM=$B/bin/rump_mount/rump_mount
FSU=$B/bin/fsu
FSX=$B/tests/fuse/fsx
FILES=${FILES:-20000}
SIZE_MB=${SIZE_MB:-1024}
T=$(mktemp -d /tmp/benchfuse.XXXXXX)
M=$T/m
mkdir -p "$M"
trap 'fusermount3 -u "$M" 2>/dev/null; umount "$M" 2>/dev/null; rm -rf "$T"' EXIT

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }

# The tree: FILES files of 0-4 KiB in directories of 100.
python3 - "$T/tree" "$FILES" <<'PY'
import os, random, sys
random.seed(1)
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%03d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d" % i), "wb") as f:
        f.write(os.urandom(random.randrange(4096)))
PY
imgsize=$(( SIZE_MB + FILES * 8 / 1024 + 256 ))M
# Page-cache pages this machine's guest memory never held before are
# several times slower to fill (a virtual machine that backs guest
# memory on first touch: 1 GiB into the page cache took 1.6 s the first
# time, 0.19 s once those pages had been used and freed).  Whichever
# file system was measured first paid for it: touch enough pages first
# (the image, and the FUSE file's own cache of its data, three times
# over) so that every run writes into used ones.  In /dev/shm where
# there is one: a file on disk would leave the disk busy writing it back
# while the next measurements sync.
W=$T
[ -d /dev/shm ] && [ "$(df -Pm /dev/shm | awk 'NR == 2 { print $4 }')" \
    -gt $(( SIZE_MB * 3 + 1100 )) ] && W=/dev/shm
dd if=/dev/zero of="$W/benchfuse.warm.$$" bs=1M \
    count=$(( SIZE_MB * 3 + 1024 )) status=none
rm -f "$W/benchfuse.warm.$$"
sync
# Each measurement starts with nothing dirty on the host: otherwise the
# first one measured pays for writing back the tree made above (and each
# the previous one's leftovers).
mkimg() { rm -f "$T/img"; mke2fs -q -t ext2 -b 4096 "$T/img" "$imgsize" >/dev/null 2>&1; sync; }

# run_fuse NAME MOUNTCMD UMOUNTCMD: prints tree, write, read seconds
run_fs() {
	local name=$1 mnt=$2 umnt=$3 t0 t1 t2 t3 t4
	mkimg
	eval "$mnt" || { echo "$name: cannot mount"; return 1; }
	t0=$(now)
	cp -r "$T/tree" "$M/tree" && sync -f "$M"
	t1=$(now)
	dd if=/dev/zero of="$M/big" bs=1M count="$SIZE_MB" conv=fsync status=none
	t2=$(now)
	eval "$umnt"
	eval "$mnt"
	t3=$(now)
	dd if="$M/big" of=/dev/null bs=1M status=none
	t4=$(now)
	eval "$umnt"
	e2fsck -fn "$T/img" >/dev/null 2>&1 || echo "$name: e2fsck NOT clean"
	echo "$(secs $t0 $t1) $(secs $t1 $t2) $(secs $t3 $t4)"
}

waitgone() { while pgrep -f "$1 .*$M\$" >/dev/null; do sleep 0.1; done; }
echo "tree: $FILES files; sequential: $SIZE_MB MiB"
ours=$(run_fs rump "\"$RM\" \"$T/img\" \"$M\"" "fusermount3 -u \"$M\"; waitgone rump_mount")
echo "rump_ext2fs: tree ${ours%% *} s, write/read: $(echo $ours | cut -d' ' -f2-) s"
if command -v fuse2fs >/dev/null; then
	f2=$(run_fs fuse2fs "fuse2fs \"$T/img\" \"$M\" -o fakeroot >/dev/null" "fusermount3 -u \"$M\"; waitgone fuse2fs")
	echo "fuse2fs:     tree ${f2%% *} s, write/read: $(echo $f2 | cut -d' ' -f2-) s"
	set -- $ours; o1=$1 o2=$2 o3=$3
	set -- $f2
	echo "speed-up over fuse2fs (target >= 2): tree $(ratio $1 $o1)x," \
	    "write $(ratio $2 $o2)x, read $(ratio $3 $o3)x" \
	    "($(ratio $((SIZE_MB)) $o2) vs $(ratio $((SIZE_MB)) $2) MiB/s write)"
else
	echo "fuse2fs: not installed (apt-get install fuse2fs)"
fi
if mkimg && mount -o loop "$T/img" "$M" 2>/dev/null; then
	umount "$M"
	h=$(run_fs host "mount -o loop \"$T/img\" \"$M\"" "umount \"$M\"")
	echo "host loop:   tree ${h%% *} s, write/read: $(echo $h | cut -d' ' -f2-) s (read may be cached)"
else
	echo "host loop mount: not permitted here"
fi

# fs-utils: fsu_cp -R against e2cp per file and a debugfs -w script.
N=${FSU_FILES:-2000}
mkdir -p "$T/small"
cp -r "$T/tree/d00"* "$T/small/" 2>/dev/null
ls -d "$T/small"/* >/dev/null
small_n=$(find "$T/small" -type f | wc -l)
mkimg; t0=$(now); "$FSU/fsu_cp" -R "$T/img" "$T/small" :/small; t1=$(now)
fsu_t=$(secs $t0 $t1)
echo "fsu_cp -R: $small_n files in $fsu_t s"
if command -v e2cp >/dev/null; then
	mkimg; e2mkdir "$T/img:/small" 2>/dev/null
	t0=$(now)
	for d in "$T/small"/*; do
		e2mkdir "$T/img:/small/$(basename "$d")"
		for f in "$d"/*; do e2cp "$f" "$T/img:/small/$(basename "$d")/"; done
	done
	t1=$(now)
	echo "e2cp loop: $(secs $t0 $t1) s; fsu_cp -R is $(ratio $(secs $t0 $t1) $fsu_t)x faster"
fi
mkimg
{ echo "mkdir small"; for d in "$T/small"/*; do b=$(basename "$d"); echo "mkdir small/$b"
  for f in "$d"/*; do echo "write $f small/$b/$(basename "$f")"; done; done; } >"$T/dbg"
t0=$(now); debugfs -w -f "$T/dbg" "$T/img" >/dev/null 2>&1; t1=$(now)
echo "debugfs -w script: $(secs $t0 $t1) s; fsu_cp -R is $(ratio $(secs $t0 $t1) $fsu_t)x as fast"

mkimg; "$RM" "$T/img" "$M"
t0=$(now); "$FSX" -N 100000 -S 11 "$M/fsx"; t1=$(now)
echo "fsx 100000 operations through rump_ext2fs: $(secs $t0 $t1) s"
fusermount3 -u "$M"; waitgone rump_mount
e2fsck -fn "$T/img" >/dev/null 2>&1 && echo "e2fsck after fsx: clean" || echo "e2fsck after fsx: NOT clean"
