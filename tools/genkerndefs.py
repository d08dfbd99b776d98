#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Generate the kernel's unprefixed ABI names from rumpdefs.h.

Usage: genkerndefs.py rumpdefs.h OUTPUT.h

For each "#define RUMP_NAME ..." in the public header, the output has
"#define NAME RUMP_NAME" (function-like macros keep their parameters), so
kernel code writes ENOENT and O_CREAT while rumpdefs.h stays the one source.
"""
import re
import sys

DEF = re.compile(r"^#define\s+RUMP_([A-Za-z0-9_]+)(\(([^)]*)\))?\s")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: genkerndefs.py rumpdefs.h OUTPUT.h")
    src, dst = sys.argv[1:]
    seen = {}
    out = ["/* DO NOT EDIT, generated from include/rump/rumpdefs.h by "
           "tools/genkerndefs.py */",
           "#ifndef _RUMP_KERNDEFS_H_", "#define _RUMP_KERNDEFS_H_",
           "#include <rump/rumpdefs.h>"]
    with open(src) as f:
        for lineno, line in enumerate(f, 1):
            m = DEF.match(line)
            if not m:
                continue
            name, params = m.group(1), m.group(3)
            if name in seen:
                sys.exit("%s:%d: RUMP_%s defined again (first at line %d)"
                         % (src, lineno, name, seen[name]))
            seen[name] = lineno
            if params is not None:
                out.append("#define %s(%s) RUMP_%s(%s)" % (name, params, name, params))
            else:
                out.append("#define %s RUMP_%s" % (name, name))
    out.append("#endif")
    with open(dst, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
