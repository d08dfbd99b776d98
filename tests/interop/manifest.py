#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""manifest.py: print the manifest of a host directory tree in the format
of h_ext2fs's "manifest" command (one line per file, sorted by path:
path, permissions, uid, gid, type and type-specific fields), so the tree
mke2fs -d copied into an image can be compared with what the rump kernel
reads back from it.  Also "mktree DIR": make the test tree."""
import os
import stat
import sys
import zlib


def crc(path):
    h = 0
    with open(path, 'rb') as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h = zlib.crc32(b, h)
    return h


def line(path, rel):
    st = os.lstat(path)
    m = st.st_mode
    head = '%s %04o %u %u' % (rel, stat.S_IMODE(m), st.st_uid, st.st_gid)
    mt = int(st.st_mtime)
    if stat.S_ISDIR(m):
        return head + ' dir %d' % mt
    if stat.S_ISREG(m):
        return head + ' reg %d %d %d %08x' % (mt, st.st_nlink, st.st_size,
                                              crc(path) if st.st_size <= 1 << 30
                                              else 0)
    if stat.S_ISLNK(m):
        return head + ' lnk ' + os.readlink(path)
    if stat.S_ISCHR(m) or stat.S_ISBLK(m):
        return head + ' %s %d %d %u,%u' % (
            'chr' if stat.S_ISCHR(m) else 'blk', mt, st.st_nlink,
            os.major(st.st_rdev), os.minor(st.st_rdev))
    if stat.S_ISFIFO(m):
        return head + ' fifo %d %d' % (mt, st.st_nlink)
    if stat.S_ISSOCK(m):
        return head + ' sock %d %d' % (mt, st.st_nlink)
    return head + ' ?'


def walk(top, rel, out):
    for name in sorted(os.listdir(top)):
        p = os.path.join(top, name)
        r = rel + '/' + name if rel else name
        out.append(line(p, r))
        if stat.S_ISDIR(os.lstat(p).st_mode):
            walk(p, r, out)


def mktree(top, big):
    """A tree with deep paths, long names, links, holes and odd modes;
    with big, only one sparse file of 5 GiB."""
    os.makedirs(top)
    if big:
        with open(os.path.join(top, 'bigsparse'), 'wb') as f:
            f.write(b'head')
            f.seek((5 << 30) - 4)
            f.write(b'tail')
        return
    d = top
    for i in range(12):
        d = os.path.join(d, 'deep%d' % i)
        os.mkdir(d)
    with open(os.path.join(d, 'bottom'), 'w') as f:
        f.write('at the bottom\n')
    os.mkdir(os.path.join(top, 'n' * 255))
    with open(os.path.join(top, 'n' * 255, 'x' * 250), 'w') as f:
        f.write('long names\n')
    data = bytes((i * 131 + i // 4099) & 0xff for i in range(300000))
    for n, size in (('empty', 0), ('one', 1), ('blk1023', 1023),
                    ('blk4097', 4097), ('medium', 70000),
                    ('large', 300000)):
        with open(os.path.join(top, n), 'wb') as f:
            f.write(data[:size])
    # holes; data in the triple indirect range of 1 KiB blocks
    with open(os.path.join(top, 'sparse'), 'wb') as f:
        f.seek(3 << 20)
        f.write(b'middle')
        f.seek(70 << 20)
        f.write(b'end')
    with open(os.path.join(top, 'dindirect'), 'wb') as f:
        for i in range(12):
            f.write(data)
    os.link(os.path.join(top, 'one'), os.path.join(top, 'one-link'))
    os.link(os.path.join(top, 'one'), os.path.join(top, 'deep0', 'one-link2'))
    os.symlink('one', os.path.join(top, 'fastlink'))
    os.symlink('s' * 59, os.path.join(top, 'link59'))
    os.symlink('t' * 60, os.path.join(top, 'link60'))
    os.symlink('/' + 'u/' * 400 + 'end', os.path.join(top, 'slowlink'))
    os.symlink('dangling/nowhere', os.path.join(top, 'dangling'))
    os.mkfifo(os.path.join(top, 'fifo'))
    os.mknod(os.path.join(top, 'chr'), 0o620 | stat.S_IFCHR,
             os.makedev(1, 3))
    os.mknod(os.path.join(top, 'blk'), 0o660 | stat.S_IFBLK,
             os.makedev(259, 65536))
    for i, mode in enumerate((0o000, 0o4755, 0o2711, 0o1777, 0o7777, 0o640)):
        p = os.path.join(top, 'mode%d' % i)
        with open(p, 'w') as f:
            f.write('m')
        os.chmod(p, mode)
    os.mkdir(os.path.join(top, 'stickydir'))
    os.chmod(os.path.join(top, 'stickydir'), 0o1777)
    p = os.path.join(top, 'owned')
    with open(p, 'w') as f:
        f.write('owner')
    os.lchown(p, 1000, 100)
    os.mkdir(os.path.join(top, 'wide'))
    for i in range(300):
        with open(os.path.join(top, 'wide', 'f%04d' % i), 'w') as f:
            f.write(str(i))
    for root, dirs, files in os.walk(top):
        for n in dirs + files:
            p = os.path.join(root, n)
            os.utime(p, (1600000000, 1600000000 + len(n)),
                     follow_symlinks=False)
    os.utime(top, (1600000000, 1600000000))


if __name__ == '__main__':
    if len(sys.argv) >= 3 and sys.argv[1] == 'mktree':
        mktree(sys.argv[2], len(sys.argv) > 3 and sys.argv[3] == 'big')
        sys.exit(0)
    out = []
    walk(sys.argv[1], '', out)
    print('\n'.join(out))
