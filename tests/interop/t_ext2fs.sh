#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# t_ext2fs.sh: ext2 interoperability with e2fsprogs, in TAP.
#
#	sh t_ext2fs.sh path/to/h_ext2fs path/to/manifest.py
#
# 1. Reading: images made by mke2fs -d from a generated host tree (deep
#    paths, long names, hard links, fast and slow symlinks, devices,
#    fifos, sparse and large files, odd permissions) with a spread of
#    options; the rump kernel's manifest of the mounted image must equal
#    the host tree's, and e2fsck -fn stays clean.
# 2. Writing: h_ext2fs's write workload on ext2 and ext3 images; after
#    unmount e2fsck -fn is clean, debugfs reads back the same bytes, the
#    superblock says clean.
# 3. Features: unknown incompatible features refuse the mount, unknown
#    read-only-compatible ones make it read-only; a journal that needs
#    recovery is replayed by a read-write mount (revokes honoured), read
#    as it is by a read-only one, and refuses read-write when unreadable.
# 4. Hostile images: corrupt superblock, inodes, directories; the kernel
#    answers errors and survives.  Fault injection (RUMP_FAULT_BIO): EIO.
#
# Needs mke2fs, e2fsck, debugfs; skips everything without them.

H=$1
MANIFEST=$2
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else nok "$desc"; fi; }

for p in mke2fs e2fsck debugfs; do
	if ! command -v $p >/dev/null 2>&1 &&
	    ! [ -x /sbin/$p ] && ! [ -x /usr/sbin/$p ]; then
		echo "1..0 # SKIP $p not found"
		exit 0
	fi
done
PATH=$PATH:/sbin:/usr/sbin

T=$(mktemp -d /tmp/t_ext2fs.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM

python3 "$MANIFEST" mktree "$T/tree" || { echo "1..0 # SKIP no tree"; exit 0; }
python3 "$MANIFEST" mktree "$T/bigtree" big
python3 "$MANIFEST" "$T/tree" > "$T/host.txt"

fsck_clean() { e2fsck -fn "$1" >"$T/fsck.log" 2>&1; }

# --- 1. reading ------------------------------------------------------------
read_image() {
	name=$1; shift
	img=$T/r.img
	rm -f "$img"
	if ! mke2fs -q -F "$@" -d "$T/tree" "$img" 96M >"$T/mkfs.log" 2>&1
	then
		nok "read $name: mke2fs $*"
		return
	fi
	"$H" -r "$img" manifest 2>"$T/err.log" | grep -v '^lost+found ' \
	    >"$T/rump.txt"
	if cmp -s "$T/host.txt" "$T/rump.txt"; then
		ok "read $name: manifest matches"
	else
		nok "read $name: manifest differs"
		diff "$T/host.txt" "$T/rump.txt" | head -5 | sed 's/^/# /'
		sed 's/^/# /' "$T/err.log" | head -5
	fi
	check "read $name: e2fsck clean after read-only mount" fsck_clean "$img"
}

read_image "ext2 1k/128" -t ext2 -b 1024 -I 128
read_image "ext2 2k/256" -t ext2 -b 2048 -I 256
read_image "ext2 4k/256" -t ext2 -b 4096
read_image "ext2 no dir_index" -t ext2 -b 1024 -O ^dir_index
read_image "ext2 no sparse_super" -t ext2 -b 4096 -O ^sparse_super,^resize_inode
read_image "ext2 revision 0" -t ext2 -r 0 -b 1024
read_image "ext3 1k" -t ext3 -b 1024
read_image "ext3 4k/128" -t ext3 -b 4096 -I 128
read_image "ext4 4k" -t ext4 -b 4096
read_image "ext4 1k/128" -t ext4 -b 1024 -I 128
read_image "ext4 no csum, no 64bit" -t ext4 -O ^metadata_csum,^64bit,uninit_bg

# large_file: a sparse file of 5 GiB, both ends read back.
img=$T/b.img
mke2fs -q -F -t ext2 -b 4096 -d "$T/bigtree" "$img" 16M >/dev/null 2>&1
check "large_file: head of a 5 GiB file" sh -c \
    "$H -r $img pread bigsparse 0 4 | grep -qx head"
check "large_file: tail of a 5 GiB file" sh -c \
    "$H -r $img pread bigsparse 5368709116 8 | grep -qx tail"

# htree directories (e2fsck -D indexes them) with each hash: looked up
# through the index, then written.
for alg in half_md4 tea legacy; do
	img=$T/h.img
	mke2fs -q -F -t ext2 -b 1024 -d "$T/tree" "$img" 96M >/dev/null 2>&1
	debugfs -w -R "ssv def_hash_version $alg" "$img" >/dev/null 2>&1
	e2fsck -fyD "$img" >/dev/null 2>&1
	if debugfs -R 'stat /wide' "$img" 2>/dev/null | grep -q 'Flags: 0x1000'
	then
		"$H" -r "$img" manifest 2>"$T/err.log" | grep -v '^lost+found ' \
		    >"$T/rump.txt"
		check "htree $alg: lookups through the index" sh -c \
		    "cmp -s $T/host.txt $T/rump.txt && ! grep -q htree $T/err.log"
		"$H" "$img" writes >/dev/null 2>"$T/err.log"
		check "htree $alg: writes to indexed directories" fsck_clean "$img"
	else
		nok "htree $alg: e2fsck -D made no index"
	fi
done

# --- 2. writing ------------------------------------------------------------
fnv_of() {	# the manifest checksum of a host file
	python3 -c 'import sys, zlib
print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$1" 2>/dev/null
}

write_image() {
	name=$1; shift
	img=$T/w.img
	rm -f "$img"
	mke2fs -q -F "$@" "$img" 64M >/dev/null 2>&1
	if "$H" "$img" writes >"$T/out.log" 2>"$T/err.log"; then
		ok "write $name: workload"
	else
		nok "write $name: workload"
		sed 's/^/# /' "$T/err.log" | head -5
	fi
	if fsck_clean "$img"; then
		ok "write $name: e2fsck -fn clean"
	else
		nok "write $name: e2fsck -fn clean"
		sed 's/^/# /' "$T/fsck.log" | head -12
	fi
	"$H" -r "$img" manifest >"$T/m.txt" 2>/dev/null
	bad=0
	for f in w/small w/big w/trunc w/shrunk w/d2/moved w/many/file-00001 \
	    w/many/file-01999; do
		debugfs -R "dump /$f $T/dump" "$img" >/dev/null 2>&1
		want=$(grep "^$f " "$T/m.txt" | awk '{print $NF}')
		got=$(fnv_of "$T/dump")
		[ -n "$want" ] && [ "$want" = "$got" ] || bad=1
	done
	check "write $name: debugfs reads the same bytes" [ $bad = 0 ]
	debugfs -R 'stat /w/sparse' "$img" 2>/dev/null >"$T/stat.txt"
	check "write $name: sparse file past 4 GiB" \
	    grep -q 'Size: 5368709126' "$T/stat.txt"
	debugfs -R 'stat /w/big' "$img" 2>/dev/null >"$T/stat.txt"
	check "write $name: chown and utimens" sh -c \
	    "grep -q 'User:  1234   Group:  5678' $T/stat.txt &&
	     grep -q 'mtime: 0x499602d2' $T/stat.txt"
	check "write $name: many files" test "$(debugfs -R 'ls /w/many' \
	    "$img" 2>/dev/null | grep -o 'file-[0-9]*' | wc -l)" -eq 1333
	dumpe2fs -h "$img" 2>/dev/null >"$T/sb.txt"
	check "write $name: superblock clean" \
	    grep -q 'Filesystem state: *clean$' "$T/sb.txt"
}

write_image "ext2 1k/128" -t ext2 -b 1024 -I 128
write_image "ext2 4k/256" -t ext2 -b 4096
write_image "ext2 2k no dir_index" -t ext2 -b 2048 -O ^dir_index
write_image "ext2 revision 0" -t ext2 -r 0 -b 1024
write_image "ext3 (clean journal)" -t ext3 -b 1024

# Mount count and times as e2fsprogs sees them.
img=$T/w.img
mke2fs -q -F -t ext2 "$img" 16M >/dev/null 2>&1
"$H" "$img" readall >/dev/null 2>&1
"$H" "$img" readall >/dev/null 2>&1
check "mount count counted" sh -c "dumpe2fs -h $img 2>/dev/null |
    grep -q 'Mount count: *2$'"

# Full file system: ENOSPC, then everything freed again.
img=$T/f.img
mke2fs -q -F -t ext2 -b 1024 "$img" 8M >/dev/null 2>&1
free0=$(dumpe2fs -h "$img" 2>/dev/null | awk '/^Free blocks:/{print $3}')
check "fill: ENOSPC and cleanup" "$H" "$img" fill
free1=$(dumpe2fs -h "$img" 2>/dev/null | awk '/^Free blocks:/{print $3}')
check "fill: free blocks back ($free0 = $free1)" [ "$free0" = "$free1" ]
check "fill: e2fsck clean" fsck_clean "$img"

# Read-only and sync mounts.
img=$T/w.img
mke2fs -q -F -t ext2 -b 1024 "$img" 64M >/dev/null 2>&1
"$H" -o ro "$img" writes >/dev/null 2>"$T/err.log"
check "ro: writes refused with EROFS" grep -q 'Read-only file system' "$T/err.log"
check "ro: image untouched" sh -c "dumpe2fs -h $img 2>/dev/null |
    grep -q 'Mount count: *0$'"
check "sync,noatime: workload" "$H" -o sync,noatime "$img" writes
check "sync,noatime: e2fsck clean" fsck_clean "$img"

# --- 3. features -----------------------------------------------------------
img=$T/x.img
mke2fs -q -F -t ext2 "$img" 16M >/dev/null 2>&1
debugfs -w -R 'ssv feature_incompat 0x80002' "$img" >/dev/null 2>&1
check "unknown incompat feature refuses the mount" sh -c \
    "$H $img mountfail 2>$T/err.log | grep -q EINVAL"
check "... naming it" grep -q 'unsupported incompatible features: 0x80000' \
    "$T/err.log"
mke2fs -q -F -t ext2 "$img" 16M >/dev/null 2>&1
debugfs -w -R 'ssv feature_ro_compat 0x40003' "$img" >/dev/null 2>&1
"$H" "$img" writes >/dev/null 2>"$T/err.log"
check "unknown ro_compat feature: read-only" sh -c \
    "grep -q 'read-only: no write support for 0x40000' $T/err.log &&
     grep -q 'Read-only file system' $T/err.log"
# ext3 journal replay: two committed transactions (the second one's block
# revoked by a third), written by debugfs's journal commands.
mkdir -p "$T/jt"
printf 'original content\n' >"$T/jt/f"
printf 'second file\n' >"$T/jt/g"
mke2fs -q -F -t ext3 -b 1024 -d "$T/jt" "$img" 8M >/dev/null 2>&1
fb=$(debugfs -R 'bmap /f 0' "$img" 2>/dev/null)
gb=$(debugfs -R 'bmap /g 0' "$img" 2>/dev/null)
{ printf 'REPLAYED content\n'; head -c 1007 /dev/zero; } >"$T/jblk"
{ printf 'must-not-appear\n'; head -c 1008 /dev/zero; } >"$T/jblk2"
printf 'jo\njw -b %s %s\njc\njo\njw -b %s %s\njc\njo\njw -r %s\njc\n' \
    "$fb" "$T/jblk" "$gb" "$T/jblk2" "$gb" |
    debugfs -w -f - "$img" >/dev/null 2>&1
cp "$img" "$T/j2.img"
check "journal: read-only mount reads without replay" sh -c \
    "$H -r $img pread f 0 17 2>/dev/null | grep -qx 'original content'"
check "journal: read-write mount replays it" sh -c \
    "$H $img pread f 0 17 2>$T/err.log | grep -qx 'REPLAYED content' &&
     grep -q 'journal replayed' $T/err.log"
check "journal: revoked block not replayed" sh -c \
    "$H -r $img pread g 0 11 2>/dev/null | grep -qx 'second file'"
check "journal: needs_recovery cleared, e2fsck clean" sh -c \
    "! dumpe2fs -h $img 2>/dev/null | grep -q needs_recovery &&
     e2fsck -fn $img >/dev/null 2>&1"
jb=$(debugfs -R 'bmap <8> 0' "$T/j2.img" 2>/dev/null)
printf 'XXXX' | dd of="$T/j2.img" bs=1024 seek="$jb" conv=notrunc \
    2>/dev/null
check "journal: unreadable journal refuses read-write (EROFS)" sh -c \
    "$H $T/j2.img mountfail 2>/dev/null | grep -q EROFS"
check "journal: ... and allows read-only" sh -c \
    "$H -r $T/j2.img readall 2>/dev/null | grep -q '^ok$'"
mke2fs -q -F -t ext4 "$img" 16M >/dev/null 2>&1
"$H" "$img" writes >/dev/null 2>"$T/err.log"
check "ext4: writes refused (EROFS)" grep -q 'Read-only file system' \
    "$T/err.log"

# --- 4. hostile images -----------------------------------------------------
survives() {	# h_ext2fs must end normally (no signal) and say why
	"$H" "$@" >"$T/out.log" 2>"$T/err.log"
	[ $? -lt 128 ]
}
img=$T/c.img
fresh() {
	mke2fs -q -F -t ext2 -b 1024 -d "$T/tree" "$img" 96M >/dev/null 2>&1
}
fresh; debugfs -w -R 'ssv blocks_per_group 0' "$img" >/dev/null 2>&1
check "corrupt: zero blocks per group refused" sh -c \
    "$H $img mountfail 2>/dev/null | grep -q EUCLEAN"
fresh; debugfs -w -R 'ssv inodes_count 4000000000' "$img" >/dev/null 2>&1
check "corrupt: absurd inode count refused" sh -c \
    "$H $img mountfail 2>/dev/null | grep -q EUCLEAN"
fresh; debugfs -w -R 'ssv log_block_size 20' "$img" >/dev/null 2>&1
check "corrupt: absurd block size refused" sh -c \
    "$H $img mountfail 2>/dev/null | grep -q EINVAL"
fresh; debugfs -w -R 'sif /large block[2] 4000000000' "$img" >/dev/null 2>&1
debugfs -w -R 'sif /medium block[IND] 4000000' "$img" >/dev/null 2>&1
check "corrupt: bad block numbers give EUCLEAN" sh -c \
    "$H -r $img readall 2>$T/err.log | grep -q EUCLEAN"
check "... with a console message" grep -q 'corrupt: inode' "$T/err.log"
fresh; ino=$(debugfs -R 'stat /deep0' "$img" 2>/dev/null |
    awk '/^Inode:/{print $2}')
debugfs -w -R "link /deep0 /deep0/deep1/loop" "$img" >/dev/null 2>&1
debugfs -w -R "sif /deep0 size 99999999999" "$img" >/dev/null 2>&1
check "corrupt: directory loop and absurd size survive" survives -r "$img" \
    readall
fresh; blk=$(debugfs -R 'bmap /wide 0' "$img" 2>/dev/null)
dd if=/dev/urandom of="$img" bs=1024 seek="$blk" count=1 conv=notrunc \
    2>/dev/null
check "corrupt: garbage directory block gives EUCLEAN" sh -c \
    "$H -r $img readall 2>/dev/null | grep -q EUCLEAN"
check "corrupt: writes into it survive" survives "$img" writes
fresh; debugfs -w -R "sif /one mode 0170644" "$img" >/dev/null 2>&1
check "corrupt: bad mode survives" survives -r "$img" manifest
fresh; debugfs -w -R "clri /deep0" "$img" >/dev/null 2>&1
check "corrupt: entry naming a free inode gives EUCLEAN" sh -c \
    "$H -r $img readall 2>/dev/null | grep -q EUCLEAN"
mke2fs -q -F -t ext4 -d "$T/tree" "$img" 96M >/dev/null 2>&1
debugfs -w -R "sif /one generation 12345" "$img" >/dev/null 2>&1
# debugfs recomputes checksums it writes; break one behind its back
iblk=$(debugfs -R 'imap /one' "$img" 2>/dev/null |
    awk '/located at block/{sub(",","",$4); print $4 " " $6}')
set -- $iblk
bs=$(dumpe2fs -h "$img" 2>/dev/null | awk '/^Block size:/{print $3}')
python3 - "$img" "$1" "$2" "$bs" <<'EOF'
import sys
img, blk, off = sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 0)
with open(img, 'r+b') as f:
    f.seek(blk * int(sys.argv[4]) + off + 0x64)
    f.write(b'\x99')
EOF
check "ext4: inode checksum mismatch gives EUCLEAN" sh -c \
    "$H -r $img readall 2>/dev/null | grep -q EUCLEAN"

fresh
for f in 1 7:5 30:11 200:13; do
	RUMP_FAULT_BIO=$f "$H" -r "$img" readall >"$T/out.log" 2>&1
	rc=$?
	check "fault injection $f (read): survives" [ $rc -lt 128 ]
	check "fault injection $f (read): EIO" grep -q 'EIO\|Input/output' \
	    "$T/out.log"
done
for f in 50:9 400:7; do
	cp "$img" "$T/f2.img"
	RUMP_FAULT_BIO=$f "$H" "$T/f2.img" writes >"$T/out.log" 2>&1
	rc=$?
	check "fault injection $f (write): survives" [ $rc -lt 128 ]
	check "fault injection $f (write): EIO reported" \
	    grep -q 'Input/output error\|error 5' "$T/out.log"
done

echo "1..$n"
[ $fails = 0 ]
