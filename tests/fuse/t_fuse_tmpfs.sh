#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The FUSE bridge over an in-kernel tmpfs (no image needed): copy a tree
# in and compare it, every operation class, parallel writers, the fsx
# random-operation checker, and shut-down by fusermount3 -u with files
# open and by SIGTERM.
. "$(dirname "$0")/lib.sh"
need_fuse
plan 16

M=$T/m
mktree "$T/src"
ok 'fmount -t tmpfs none "$M"' "mount a tmpfs through FUSE"
ok 'cp -a "$T/src" "$M/" && diff -r --no-dereference -x fifo "$T/src" "$M/src"' \
   "cp -a a tree in, diff -r clean"
ok '[ "$(stat -c %h "$M/src/f1")" = 2 ] &&
    [ "$(stat -c %i "$M/src/f1")" = "$(stat -c %i "$M/src/d1/hardlink")" ]' \
   "hard links keep one inode and the link count"
ok '[ "$(stat -c %a%Y "$M/src/f1")" = "$(stat -c %a%Y "$T/src/f1")" ] &&
    [ "$(readlink "$M/src/link")" = f1 ] && [ -p "$M/src/fifo" ]' \
   "modes, times, symlinks and fifos preserved"
ok 'mv "$M/src/d1" "$M/src/moved" && [ "$(cat "$M/src/moved/hardlink")" = hello ] &&
    mv "$M/src/moved" "$M/src/d1" && mv "$M/src/f1" "$M/src/f1b" &&
    [ "$(cat "$M/src/d1/hardlink")" = hello ] && mv "$M/src/f1b" "$M/src/f1"' \
   "rename of directories and of files with several links"
ok 'rm "$M/src/f1" && [ "$(cat "$M/src/d1/hardlink")" = hello ] &&
    [ "$(stat -c %h "$M/src/d1/hardlink")" = 1 ] && ln "$M/src/d1/hardlink" "$M/src/f1"' \
   "unlink one name of a hard-linked file, link again"
ok 'truncate -s 1000000 "$M/t" && [ "$(stat -c %s "$M/t")" = 1000000 ] &&
    truncate -s 10 "$M/t" && [ "$(stat -c %s "$M/t")" = 10 ] &&
    touch -d @1234567890 "$M/t" && [ "$(stat -c %Y "$M/t")" = 1234567890 ] &&
    chmod 0604 "$M/t" && [ "$(stat -c %a "$M/t")" = 604 ] &&
    chown 12:34 "$M/t" && [ "$(stat -c %u:%g "$M/t")" = 12:34 ]' \
   "setattr: truncate, utimens, chmod, chown"
ok 'mkdir "$M/dd" && rmdir "$M/dd" && ! [ -e "$M/dd" ] && mknod "$M/cdev" c 1 3 &&
    [ "$(stat -c %t,%T "$M/cdev")" = 1,3 ] && rm "$M/cdev" &&
    ! rmdir "$M/src" 2>/dev/null && ! mkdir "$M/src" 2>/dev/null' \
   "mkdir, rmdir, mknod and their errors"
ok 'fallocate -l 65536 "$M/fa" && [ "$(stat -c %s "$M/fa")" = 65536 ] &&
    head -c 100000 /dev/urandom >"$M/cf" && cp --reflink=never "$M/cf" "$M/cf2" &&
    cmp "$M/cf" "$M/cf2" && python3 -c "
import os,sys
a=os.open(sys.argv[1],os.O_RDONLY); b=os.open(sys.argv[2],os.O_RDWR|os.O_CREAT)
n=os.copy_file_range(a,b,100000,0,0); assert n==100000,n
" "$M/cf" "$M/cf3" && cmp "$M/cf" "$M/cf3"' \
   "fallocate, copy_file_range"
ok 'for i in $(seq 1 200); do : >"$M/many.$i"; done &&
    [ "$(ls "$M" | grep -c "^many\.")" = 200 ] && rm "$M"/many.* &&
    [ "$(ls -a "$M" | grep -c "^many\.")" = 0 ]' \
   "a directory of 200 entries listed and emptied"
ok 'for i in 1 2 3 4 5 6 7 8; do
      (head -c $((i * 500000)) /dev/urandom >"$T/w$i" && cp "$T/w$i" "$M/w$i") &
    done; wait; for i in 1 2 3 4 5 6 7 8; do cmp "$T/w$i" "$M/w$i" || exit 1; done' \
   "8 parallel writers"
ok '"$FSX" -N "${FUSE_FSX_OPS:-20000}" -S 7 "$M/fsx" && "$FSX" -N 5000 -S 8 -l 3000000 -o 300000 "$M/fsx2"' \
   "fsx random operations, no divergence"
ok 'df "$M" | grep -q "$M" && [ "$(stat -f -c %T "$M")" = fuseblk ] ||
    [ "$(stat -f -c %T "$M")" = fuse ]' "statfs"
exec 7<"$M/src/d1/numbers"
ok '! fusermount3 -u "$M" 2>/dev/null || true; [ "$(head -1 <&7)" = 1 ]' \
   "a file held open keeps working"
exec 7<&-
pid=$(bridge_pid "$M")
ok 'fumount "$M"' "fusermount3 -u; the bridge exits"
fmount -t tmpfs none "$M"
pid=$(bridge_pid "$M")
exec 7>"$M/open-file"
echo data >&7
ok 'kill -TERM "$pid" && waitpid_gone "$pid" && ! mountpoint -q "$M"' \
   "SIGTERM with a file open: the bridge unmounts and exits"
exec 7>&-
finish
