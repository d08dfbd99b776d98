#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# fs-utils errors: a missing image, a missing or malformed partition, an
# unknown file system type, a path that does not exist, no permission to
# write the image, bad usage: each is one line on standard error and a
# non-zero exit.  Also the commands on a scratch tmpfs (no image needed).
. "$(dirname "$0")/lib.sh"
plan 12

F=$FSUDIR
# err EXPECTED-STATUS PATTERN CMD...: one line matching PATTERN, status
err() {
	local want=$1 pat=$2 st
	shift 2
	"$@" >"$T/o" 2>"$T/e"
	st=$?
	cat "$T/e"
	[ "$st" = "$want" ] && [ "$(wc -l <"$T/e")" = 1 ] && grep -q -- "$pat" "$T/e"
}

head -c 1048576 /dev/zero >"$T/zero"
ok 'err 1 "nothere: No such file or directory" "$F/fsu_ls" "$T/nothere" /' "missing image"
ok 'err 1 "unknown file system type" "$F/fsu_ls" "$T/zero" /' "unknown type"
ok 'err 1 "no partition table" "$F/fsu_ls" "$T/zero:2" /' "partition of a disk without a table"
ok 'err 1 "not in this kernel" "$F/fsu_ls" -t nosuchfs "$T/zero" /' "-t with a type the kernel lacks"
ok 'err 2 "usage: fsu_ls" "$F/fsu_ls" -Z "$T/zero" && err 2 "usage: fsu_cp" "$F/fsu_cp" x &&
    err 2 "unknown command" "$F/fsu" frobnicate' "usage errors"
ok 'err 1 "/nothere: No such file or directory" "$F/fsu_cat" -t tmpfs none /nothere &&
    err 1 "No such file or directory" "$F/fsu_ls" -t tmpfs none /nothere' "path not found"
ok 'err 1 "is a directory" "$F/fsu_rm" -t tmpfs none / &&
    err 1 "Directory not empty\|Device or resource busy\|Invalid argument" "$F/fsu_rmdir" -t tmpfs none /' \
   "removing directories without -r"
ok '[ "$(echo hi | "$F/fsu_write" -t tmpfs none /f; echo $?)" = 0 ] &&
    "$F/fsu_mkdir" -t tmpfs none -p /a/b/c && "$F/fsu_touch" -t tmpfs none /x' \
   "writing commands on a scratch tmpfs"
ok 'err 1 "source or target must be in the image" "$F/fsu_cp" "$T/zero" a b || 
    err 2 "source or target must be in the image" "$F/fsu_cp" "$T/zero" a b' "fsu_cp without an image path"

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

if [ "${HAVE_EXT2:-0}" = 1 ] && command -v mke2fs >/dev/null; then
	mkdir -p "$T/pub" && chmod 755 "$T" "$T/pub"
	mke2fs -q -t ext2 "$T/pub/img" 4M >/dev/null 2>&1
	chmod 644 "$T/pub/img"
	ok 'err 1 "no partition 7\|no partition table" "$F/fsu_ls" "$T/pub/img:7" /' \
	   "a partition that does not exist"
	uidcopy "$F/fsu_ls" "$T/pub/bin" && uidcopy "$F/fsu_mkdir" "$T/pub/bin"
	ok 'command -v setpriv >/dev/null || exit 0
	    setpriv --reuid=65534 --regid=65534 --clear-groups env LD_LIBRARY_PATH="$T/pub/bin" \
	        "$T/pub/bin/fsu_ls" "$T/pub/img" / >/dev/null &&
	    err 1 "cannot open for writing: Permission denied" setpriv --reuid=65534 --regid=65534 \
	        --clear-groups env LD_LIBRARY_PATH="$T/pub/bin" "$T/pub/bin/fsu_mkdir" "$T/pub/img" /x' \
	   "no write permission: reads work, writes give one line"
	dd if=/dev/urandom of="$T/pub/img" bs=1024 seek=2 count=64 conv=notrunc 2>/dev/null
	ok 'timeout 30 "$F/fsu_ls" -lR "$T/pub/img" / >/dev/null 2>&1; [ $? -lt 124 ]' \
	   "a corrupt image: an error, no crash, no hang"
else
	skip "a partition that does not exist" "ext2fs not built"
	skip "no write permission" "ext2fs not built"
	skip "a corrupt image" "ext2fs not built"
fi
finish
