#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# fs-utils on ext2 images made by mke2fs -d: every command and option,
# outputs compared with the host's tools on the source tree and with
# debugfs/dumpe2fs on the image; e2fsck -fn after the writing commands;
# images with MBR and GPT partition tables.
. "$(dirname "$0")/lib.sh"
[ "${HAVE_EXT2:-0}" = 1 ] || skip_all "ext2fs not built"
command -v mke2fs >/dev/null || skip_all "mke2fs missing"
plan 32

F=$FSUDIR
S=$T/src
I=$T/img
mktree "$S"
rm "$S/fifo"
mke2fs -q -t ext2 -b 1024 -d "$S" "$I" 16M >/dev/null 2>&1
fsck() { e2fsck -fn "$1" >"$T/fsck.out" 2>&1 || { cat "$T/fsck.out"; return 1; }; }
dbg() { debugfs -R "$1" "$I" 2>/dev/null; }
# ls -l without "total" and with directory sizes blanked (block sizes differ)
lsnorm() { grep -v '^total' | awk '{ if ($1 ~ /^d/) $5 = "-"; print }'; }

ok '[ "$("$F/fsu_ls" "$I" / | grep -v lost+found)" = "$(ls "$S")" ]' "fsu_ls vs ls"
ok '[ "$("$F/fsu_ls" "$I" -la /d1 | lsnorm | grep -v " \.\.\$")" = "$(cd "$S" && ls -la d1 | lsnorm | grep -v " \.\.\$")" ]' \
   "fsu_ls -la vs ls -la"
ok '[ "$("$F/fsu_ls" "$I" -R d1)" = "$(cd "$S" && ls -R d1)" ]' "fsu_ls -R vs ls -R"
ok '[ "$("$F/fsu_ls" "$I" -ai /d1 | sort -k2)" = "$(dbg "ls -p /d1" | awk -F/ "NF>2 {print \$2, \$6}" | sort -k2)" ]' \
   "fsu_ls -ai vs debugfs ls (inode numbers)"
ok '[ "$("$F/fsu_ls" "$I" -l link f1 | cut -c1-10,40-)" = "$(cd "$S" && ls -l link f1 | cut -c1-10,40-)" ]' \
   "fsu_ls -l of files and a symlink"
ok '"$F/fsu_cat" "$I" /d1/numbers /d1/d2/random | cmp - <(cat "$S/d1/numbers" "$S/d1/d2/random") &&
    [ "$("$F/fsu_cat" "$I" /f1)" = "$(dbg "cat /f1")" ]' "fsu_cat vs cat and debugfs cat"
fmt='%n %s %a %A %u %g %h %F %Y'
ok 'for p in f1 emptyfile link d1/numbers mode/file dangling; do
      [ "$(cd "$S" && stat -c "$fmt" "$p")" = "$("$F/fsu_stat" "$I" -c "$fmt" "$p")" ] || exit 1
    done' "fsu_stat -c vs stat -c"
ok '[ "$("$F/fsu_stat" "$I" -c "%i %b" /d1/numbers)" = "$(dbg "stat /d1/numbers" |
     sed -n "s/^Inode: \([0-9]*\).*/\1/p;s/.*Blockcount: \([0-9]*\).*/\1/p" | tr "\n" " " | sed "s/ \$//")" ]' \
   "fsu_stat inode and blocks vs debugfs stat"
ok '"$F/fsu_stat" "$I" /f1 | grep -q "Links: 2"' "fsu_stat default format"
ok 'for e in "-name *.c" "-type d" "-type l" "-size +10k" "-size -2" "-name x* -type f" "-size 6c"; do
      [ "$("$F/fsu_find" "$I" / $e | grep -v lost+found | sort)" = "$(cd "$S" && find . $e | sed "s|^\./|/|;s|^\.$|/|" | sort)" ] || { echo "$e"; exit 1; }
    done' "fsu_find -name -type -size vs find"
ok '[ "$("$F/fsu_find" "$I" d1 -maxdepth 1 | sort)" = "$(cd "$S" && find d1 -maxdepth 1 | sort)" ]' \
   "fsu_find -maxdepth with a start path"
bs=$(dumpe2fs -h "$I" 2>/dev/null | sed -n 's/^Block size: *//p')
free=$(dumpe2fs -h "$I" 2>/dev/null | sed -n 's/^Free blocks: *//p')
resv=$(dumpe2fs -h "$I" 2>/dev/null | sed -n 's/^Reserved block count: *//p')
ok '[ "$("$F/fsu_df" "$I" | awk "NR==2 {print \$4}")" = $(((free - resv) * bs / 1024)) ]' \
   "fsu_df available vs dumpe2fs"
ifree=$(dumpe2fs -h "$I" 2>/dev/null | sed -n 's/^Free inodes: *//p')
ok '[ "$("$F/fsu_df" "$I" -i | awk "NR==2 {print \$4}")" = "$ifree" ] &&
    "$F/fsu_df" "$I" -h | grep -q "M "' "fsu_df -i vs dumpe2fs, fsu_df -h"
blocks=$(dbg "stat /d1/d2/random" | sed -n 's/.*Blockcount: \([0-9]*\).*/\1/p')
ok '[ "$("$F/fsu_du" "$I" -a /d1 | grep random | cut -f1)" = $((blocks / 2)) ] &&
    [ "$("$F/fsu_du" "$I" -s /d1 | cut -f2)" = /d1 ] && "$F/fsu_du" "$I" -sh / | grep -q "K\|M"' \
   "fsu_du -a -s -h vs debugfs block counts"
ok '[ "$("$F/fsu_du" "$I" /d1 | cut -f2 | sort)" = "$(cd "$S" && du d1 | cut -f2 | sed "s|^|/|" | sort)" ]' "fsu_du lists directories like du"

# Writing commands.
ok '"$F/fsu_mkdir" "$I" -p /new/a/b && "$F/fsu_mkdir" "$I" -m 0700 /new/private &&
    [ "$("$F/fsu_stat" "$I" -c %a /new/private)" = 700 ] && dbg "ls /new/a" | grep -q b' \
   "fsu_mkdir -p -m"
ok 'seq 1 50000 | "$F/fsu_write" "$I" /new/w && echo more | "$F/fsu_write" "$I" -a /new/w &&
    [ "$(dbg "cat /new/w")" = "$(seq 1 50000; echo more)" ]' "fsu_write, -a (vs debugfs cat)"
ok '"$F/fsu_cp" "$I" "$S/d1/numbers" :/new/n && "$F/fsu_cp" "$I" :/new/n "$T/back" &&
    cmp "$S/d1/numbers" "$T/back" && "$F/fsu_cp" "$I" :/new/n :/new/n2 &&
    [ "$(dbg "cat /new/n2")" = "$(cat "$S/d1/numbers")" ]' \
   "fsu_cp host->image, image->host, image->image"
ok '"$F/fsu_cp" "$I" -a "$S" :/tree && "$F/fsu_diff" "$I" -p /tree "$S" &&
    [ "$("$F/fsu_stat" "$I" -c %i /tree/f1)" = "$("$F/fsu_stat" "$I" -c %i /tree/d1/hardlink)" ]' \
   "fsu_cp -a keeps modes, owners, times, symlinks, hard links (fsu_diff -p clean)"
ok '"$F/fsu_cp" "$I" -a :/tree "$T/out" && diff -r --no-dereference "$S" "$T/out" &&
    [ "$(stat -c %Y "$T/out/f1")" = 1000000000 ] &&
    [ "$(stat -c %i "$T/out/f1")" = "$(stat -c %i "$T/out/d1/hardlink")" ]' \
   "fsu_cp -a image tree to the host"
ok '"$F/fsu_cp" "$I" -R :/tree/d1 :/new/d1copy && "$F/fsu_diff" "$I" /new/d1copy "$S/d1" &&
    ! "$F/fsu_cp" "$I" :/tree/d1 :/new/x 2>/dev/null' "fsu_cp -R image->image; directory without -R fails"
echo changed >"$T/out/f1"
ok '"$F/fsu_diff" "$I" /tree "$T/out" >"$T/d"; [ $? = 1 ] &&
    grep -q "^Files /tree/f1 and $T/out/f1 differ" "$T/d" && rm "$T/out/emptyfile" &&
    { "$F/fsu_diff" "$I" /tree "$T/out"; true; } | grep -q "^Only in /tree: emptyfile"' \
   "fsu_diff reports differences, exit 1"
ok '"$F/fsu_mv" "$I" /new/n2 /new/n3 && "$F/fsu_mv" "$I" /new/n3 /new/w /new/a &&
    [ "$("$F/fsu_ls" "$I" /new/a)" = "$(printf "b\nn3\nw")" ]' "fsu_mv, into a directory"
ok '"$F/fsu_ln" "$I" -s ../f1 /new/sl && "$F/fsu_ln" "$I" /new/n /new/hl &&
    [ "$(dbg "stat /new/sl" | grep -o "Fast link dest: .*")" = "Fast link dest: \"../f1\"" ] &&
    [ "$("$F/fsu_stat" "$I" -c %h /new/n)" = 2 ]' "fsu_ln -s, fsu_ln (vs debugfs)"
ok '"$F/fsu_chmod" "$I" 0751 /new/n && "$F/fsu_chmod" "$I" go-x,u+s /new/n &&
    [ "$("$F/fsu_stat" "$I" -c %a /new/n)" = 4740 ] &&
    "$F/fsu_chmod" "$I" -R a+rwX /new/a && [ "$("$F/fsu_stat" "$I" -c %a /new/a/b)" = 777 ] &&
    dbg "stat /new/n" | grep -q "Mode:  04740"' "fsu_chmod octal, symbolic, -R (vs debugfs)"
ok '"$F/fsu_chown" "$I" 123:456 /new/n && "$F/fsu_chown" "$I" -R nobody /new/a &&
    [ "$("$F/fsu_stat" "$I" -c %u:%g /new/n)" = 123:456 ] &&
    [ "$("$F/fsu_stat" "$I" -c %u /new/a/b)" = "$(id -u nobody)" ] &&
    dbg "stat /new/n" | grep -q "User:   123   Group:   456"' "fsu_chown, -R, names (vs debugfs)"
ok '"$F/fsu_touch" "$I" -d @1500000000 /new/n /new/t && [ "$("$F/fsu_stat" "$I" -c %Y%X /new/t)" = 15000000001500000000 ] &&
    "$F/fsu_touch" "$I" -c /new/nothere && ! "$F/fsu_stat" "$I" /new/nothere 2>/dev/null &&
    "$F/fsu_touch" "$I" -m -d @1600000000 /new/t && [ "$("$F/fsu_stat" "$I" -c %Y%X /new/t)" = 16000000001500000000 ]' \
   "fsu_touch -d -c -m"
ok '! "$F/fsu_rm" "$I" /new/a 2>/dev/null && "$F/fsu_rm" "$I" /new/hl && "$F/fsu_rm" "$I" -r /new/a &&
    "$F/fsu_rm" "$I" -f /new/nothere && ! "$F/fsu_stat" "$I" /new/a 2>/dev/null &&
    "$F/fsu_rmdir" "$I" /new/private && ! "$F/fsu_rmdir" "$I" /new 2>/dev/null' \
   "fsu_rm, -r, -f; fsu_rmdir"
ok 'fsck "$I"' "e2fsck -fn clean after the writing commands"
ok 'cmp "$I" <(cat "$I") && sum1=$(md5sum <"$I") && "$F/fsu_ls" "$I" -lR / >/dev/null &&
    "$F/fsu_cat" "$I" /f1 >/dev/null && [ "$(md5sum <"$I")" = "$sum1" ]' \
   "reading commands leave the image unchanged"

# Partition tables: ext2 in partition 2 of an MBR disk and of a GPT disk.
mke2fs -q -t ext2 -d "$S" "$T/part" 4M >/dev/null 2>&1
python3 - "$T/part" "$T/mbr" "$T/gpt" <<'PY'
import struct, sys, zlib, uuid
part = open(sys.argv[1], "rb").read()
n = len(part) // 512
def write(path, data):
    open(path, "wb").write(data)
# MBR: partition 1 (type 0x83, 1 MiB of zeroes) at 2048, partition 2 the fs
p1, p2 = 2048, 4096
d = bytearray((p2 + n + 64) * 512)
ent = lambda t, s, c: struct.pack("<B3sB3sII", 0, b"\0\0\0", t, b"\0\0\0", s, c)
d[446:462] = ent(0x83, p1, 2048)
d[462:478] = ent(0x83, p2, n)
d[510:512] = b"\x55\xaa"
d[p2 * 512:(p2 + n) * 512] = part
write(sys.argv[2], d)
# GPT: protective MBR, header at LBA 1, 128 entries at LBA 2
g = bytearray((p2 + n + 64) * 512)
g[446:462] = ent(0xee, 1, len(g) // 512 - 1)
g[510:512] = b"\x55\xaa"
ents = bytearray(128 * 128)
lin = uuid.UUID("0fc63daf-8483-4772-8e79-3d69d8477de4").bytes_le
ents[0:56] = lin + uuid.uuid4().bytes_le + struct.pack("<QQ", p1, p1 + 2047) + b"\0" * 8
ents[128:184] = lin + uuid.uuid4().bytes_le + struct.pack("<QQ", p2, p2 + n - 1) + b"\0" * 8
last = len(g) // 512 - 1
hdr = struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x10000, 92, 0, 0, 1, last,
                  34, last - 33, uuid.uuid4().bytes_le, 2, 128, 128, zlib.crc32(ents))
hdr = hdr[:16] + struct.pack("<I", zlib.crc32(hdr)) + hdr[20:]
g[512:512 + 92] = hdr
g[1024:1024 + len(ents)] = ents
g[p2 * 512:(p2 + n) * 512] = part
write(sys.argv[3], g)
PY
ok '"$F/fsu_diff" "$T/mbr:2" / "$S" | grep -v lost+found | { ! grep .; } &&
    "$F/fsu_cat" "$T/mbr:2" /d1/numbers | cmp - "$S/d1/numbers"' "MBR partition 2"
ok '"$F/fsu_diff" "$T/gpt:2" / "$S" | grep -v lost+found | { ! grep .; } &&
    "$F/fsu_mkdir" "$T/gpt:2" /ingpt && "$F/fsu_ls" "$T/gpt:2" / | grep -q ingpt &&
    dd if="$T/gpt" of="$T/gpt2" bs=512 skip=4096 count=$(( $(stat -c %s "$T/part") / 512 )) 2>/dev/null &&
    fsck "$T/gpt2"' "GPT partition 2, written and e2fsck-clean"
finish
