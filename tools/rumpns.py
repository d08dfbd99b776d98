#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Put kernel symbols into the rump kernel's own namespace.

Usage: rumpns.py NM OBJCOPY INPUT.a OUTPUT.a

Every global symbol, defined or undefined, in the kernel archive INPUT.a is
renamed to rumpns_<name>, except the public interfaces (rump_*, rumpuser_*,
RUMP_*), names already in the namespace (rumpns_*) and reserved names that
belong to the toolchain (__*, _GLOBAL_OFFSET_TABLE_).  The result lets a
program link libc's open() and the kernel's rump_sys_open() side by side.
"""
import os
import shutil
import subprocess
import sys
import tempfile

KEEP_PREFIXES = ("rump_", "rumpuser_", "RUMP_", "rumpns_", "__", "_GLOBAL_")


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: rumpns.py NM OBJCOPY INPUT.a OUTPUT.a")
    nm, objcopy, src, dst = sys.argv[1:]
    out = subprocess.run([nm, "-g", "--format=posix", src], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        fields = line.split()
        # "name type [value size]"; archive member headers end with ':'
        if len(fields) < 2 or fields[0].endswith(":") or fields[0].endswith("]:"):
            continue
        name = fields[0]
        if not name.startswith(KEEP_PREFIXES):
            names.add(name)
    mapfile = dst + ".syms"
    with open(mapfile, "w") as f:
        for name in sorted(names):
            f.write("%s rumpns_%s\n" % (name, name))
    # Meson's archives are thin (objcopy cannot rewrite those): rename each
    # member object and pack the results into a normal archive.
    ar = shutil.which("ar") or "ar"
    members = subprocess.run([ar, "t", src], check=True, capture_output=True,
                             text=True).stdout.split()
    if os.path.exists(dst):
        os.unlink(dst)
    with tempfile.TemporaryDirectory(dir=os.path.dirname(dst) or ".") as tmp:
        objs = []
        for i, m in enumerate(members):
            path = m if os.path.exists(m) else \
                os.path.join(os.path.dirname(src), m)
            out = os.path.join(tmp, "%04d_%s" % (i, os.path.basename(m)))
            subprocess.run([objcopy, "--redefine-syms=" + mapfile, path, out],
                           check=True)
            objs.append(out)
        subprocess.run([ar, "rcsD", dst] + objs, check=True)


if __name__ == "__main__":
    main()
