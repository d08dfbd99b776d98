#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Generate the vnode operation glue from sys/vfs/vnodeops.tab.

Usage: genvnodeif.py vnodeops.tab OUTDIR

Writes into OUTDIR:
  rumpvnode_if.h   public: prototypes of the RUMP_VOP_* wrappers, with
                   kernel structures as opaque forward declarations
  vnode_if.h       kernel: struct vnodeops (one vop_<name> pointer per row,
                   in table order), the VOP_* inline wrappers with the
                   DIAGNOSTIC lock-state assertions, vnodeop_names[]
  vnode_if.c       kernel: vnodeop_names[] and the RUMP_VOP_* functions,
                   which schedule the caller on a virtual CPU around VOP_*

The table format is described at its top.  Malformed rows, duplicate
operations and lock lines that do not match a vnode argument are rejected
with the line number.
"""
import os
import re
import sys

SRC = "sys/vfs/vnodeops.tab"
HEADER = "DO NOT EDIT, generated from %s by tools/genvnodeif.py" % SRC
DEFAULTS = ("eopnotsupp", "zero", "generic")
STATES = ("U", "S", "E", "X", "-")
VNODE_TYPE = "struct vnode *"

ROW = re.compile(r"^([a-z][a-z0-9_]*)\s+([a-z]+)\s*\((.*)\)\s*$")
LOCK = re.compile(r"^LOCK\s+([A-Za-z_][A-Za-z0-9_]*)\s+(\S+)\s+(\S+)\s+(\S+)\s*$")
ARG = re.compile(r"^(.*?[\s*])([A-Za-z_][A-Za-z0-9_]*)$")

# Kernel types and what the public header calls them.
PUBLIC_TYPES = {
    "kauth_cred_t": "struct kauth_cred *",
    "off_t": "int64_t",
    "register_t": "long",
}


class Fail(Exception):
    pass


class Arg:
    def __init__(self, text):
        text = " ".join(text.split())
        m = ARG.match(text)
        if not m:
            raise Fail("cannot parse argument %r" % text)
        ctype = m.group(1).strip()
        ctype = re.sub(r"\s*\*", " *", ctype).replace("* *", "**")
        self.type = ctype.strip()
        self.name = m.group(2)
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_ ]*(\s\*+)?$", self.type):
            raise Fail("cannot parse type of argument %r" % text)

    def decl(self, ctype=None):
        t = ctype if ctype is not None else self.type
        if t.endswith("*"):
            return t + self.name
        return t + " " + self.name

    def public_type(self):
        t = self.type
        base = t.rstrip("* ").strip()
        stars = t[len(base):].replace(" ", "")
        base = PUBLIC_TYPES.get(base, base)
        if stars:
            if base.endswith("*"):
                return base + stars
            return base + " " + stars
        return base


class Op:
    def __init__(self, lineno, name, default, args):
        self.lineno = lineno
        self.name = name
        self.default = default
        self.args = args
        self.locks = {}      # vnode argument name -> (entry, success, error)

    def vnode_args(self):
        return [a for a in self.args if a.type == VNODE_TYPE]


def parse(path):
    ops = []
    names = set()
    cur = None
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            s = line.split("#", 1)[0].rstrip()
            if not s.strip():
                continue
            if not s[0].isspace():
                finish(path, cur)
            try:
                if s[0].isspace():
                    cur = parse_lock(cur, s.strip())
                    continue
                cur = parse_row(lineno, s, names)
                ops.append(cur)
            except Fail as e:
                raise Fail("%s:%d: %s" % (path, lineno, e))
    finish(path, cur)
    if not ops:
        raise Fail("%s: no operations" % path)
    return ops


def finish(path, op):
    """Check the lock lines of a complete operation."""
    if op is None:
        return
    try:
        check_locks(op)
    except Fail as e:
        raise Fail("%s:%d: %s" % (path, op.lineno, e))


def parse_row(lineno, s, names):
    m = ROW.match(s)
    if not m:
        raise Fail("malformed row %r" % s)
    name, default, argtext = m.groups()
    if default not in DEFAULTS:
        raise Fail("unknown default %r (want one of %s)"
                   % (default, ", ".join(DEFAULTS)))
    if name in names:
        raise Fail("duplicate operation %r" % name)
    names.add(name)
    args = [Arg(a) for a in argtext.split(",") if a.strip()]
    if not args:
        raise Fail("operation %r has no arguments" % name)
    if args[0].type != VNODE_TYPE:
        raise Fail("first argument of %r must be a struct vnode *" % name)
    seen = set()
    for a in args:
        if a.name in seen:
            raise Fail("duplicate argument %r" % a.name)
        seen.add(a.name)
        if a.name == "error" or a.name == "ops":
            raise Fail("argument name %r is reserved" % a.name)
    return Op(lineno, name, default, args)


def parse_lock(cur, s):
    if cur is None:
        raise Fail("lock line before any operation")
    m = LOCK.match(s)
    if not m:
        raise Fail("malformed lock line %r" % s)
    vname, entry, ok, err = m.groups()
    for st in (entry, ok, err):
        if st not in STATES:
            raise Fail("unknown lock state %r" % st)
    if vname not in [a.name for a in cur.vnode_args()]:
        raise Fail("%r is not a struct vnode * argument of %r"
                   % (vname, cur.name))
    if vname in cur.locks:
        raise Fail("duplicate lock line for %r" % vname)
    cur.locks[vname] = (entry, ok, err)
    return cur


def check_locks(op):
    for a in op.vnode_args():
        if a.name not in op.locks:
            raise Fail("operation %r: no lock line for %r" % (op.name, a.name))
    if op.locks[op.args[0].name][0] == "-":
        raise Fail("operation %r: the first vnode may not be NULL" % op.name)


def assertion(vname, state):
    if state == "E":
        return "KASSERT(vn_locked_excl(%s));" % vname
    if state == "S":
        return "KASSERT(vn_locked(%s) && !vn_locked_excl(%s));" % (vname, vname)
    if state == "X":
        return "KASSERT(vn_locked(%s));" % vname
    if state == "U":
        return "KASSERT(!vn_locked_excl(%s));" % vname
    return None


def gen_kernel_header(ops):
    out = ["/* %s */" % HEADER,
           "/*",
           " * vnode_if.h: the vnode operations vector and the VOP_* wrappers.",
           " * Included at the end of vfs/vnode.h.  Under DIAGNOSTIC each wrapper",
           " * asserts the lock state of its vnode arguments on entry and on return.",
           " */",
           "#ifndef _VFS_VNODE_IF_H_",
           "#define _VFS_VNODE_IF_H_",
           "",
           "struct rump_flock;",
           "",
           "struct vnodeops {",
           "\tconst char *vop_fsname;"]
    for op in ops:
        params = ", ".join(a.decl() for a in op.args)
        out.append("\tint (*vop_%s)(%s);" % (op.name, params))
    out += ["};", "",
            "extern const char *const vnodeop_names[];",
            "#define VNODEOP_COUNT %d" % len(ops), ""]
    for op in ops:
        if op.default == "generic":
            params = ", ".join(a.decl() for a in op.args)
            out.append("int vop_generic_%s(%s);" % (op.name, params))
    out.append("")
    for op in ops:
        out += gen_wrapper(op)
    out += ["#endif /* _VFS_VNODE_IF_H_ */", ""]
    return "\n".join(out)


def gen_wrapper(op):
    first = op.args[0].name
    params = ",\n    ".join(a.decl() for a in op.args)
    call = ", ".join(a.name for a in op.args)
    out = ["static inline int",
           "VOP_%s(%s)" % (op.name.upper(), params),
           "{",
           "\tint error;",
           ""]
    body_entry = []
    body_ok = []
    body_err = []
    for a in op.vnode_args():
        entry, ok, err = op.locks[a.name]
        for st, dst in ((entry, body_entry), (ok, body_ok), (err, body_err)):
            line = assertion(a.name, st)
            if line is not None:
                dst.append(line)
    if body_entry:
        out.append("#ifdef DIAGNOSTIC")
        out += ["\t" + x for x in body_entry]
        out.append("#endif")
    out.append("\tif (%s->v_op->vop_%s != NULL)" % (first, op.name))
    out.append("\t\terror = %s->v_op->vop_%s(%s);" % (first, op.name, call))
    out.append("\telse")
    if op.default == "eopnotsupp":
        out.append("\t\terror = EOPNOTSUPP;")
    elif op.default == "zero":
        out.append("\t\terror = 0;")
    else:
        out.append("\t\terror = vop_generic_%s(%s);" % (op.name, call))
    if body_ok or body_err:
        out.append("#ifdef DIAGNOSTIC")
        out.append("\tif (error == 0) {")
        out += ["\t\t" + x for x in body_ok]
        out.append("\t} else {")
        out += ["\t\t" + x for x in body_err]
        out.append("\t}")
        out.append("#endif")
    out += ["\treturn error;", "}", ""]
    return out


def gen_public_header(ops):
    structs = set(["vnode"])
    for op in ops:
        for a in op.args:
            for m in re.finditer(r"struct\s+([A-Za-z_][A-Za-z0-9_]*)",
                                 a.public_type()):
                structs.add(m.group(1))
    out = ["/* %s */" % HEADER,
           "/*",
           " * rumpvnode_if.h: the vnode operations, callable from outside the",
           " * kernel.  Each RUMP_VOP_* schedules the caller on a virtual CPU and",
           " * calls the kernel's VOP_*; vnodes and the other kernel structures are",
           " * opaque here.  The caller follows the locking protocol of",
           " * %s." % SRC,
           " */",
           "#ifndef _RUMP_RUMPVNODE_IF_H_",
           "#define _RUMP_RUMPVNODE_IF_H_",
           "",
           "#include <stdbool.h>",
           "#include <stdint.h>",
           "",
           "#ifdef __cplusplus",
           'extern "C" {',
           "#endif",
           ""]
    for s in sorted(structs):
        out.append("struct %s;" % s)
    out.append("")
    for op in ops:
        params = ", ".join(a.decl(a.public_type()) for a in op.args)
        out.append("int RUMP_VOP_%s(%s);" % (op.name.upper(), params))
    out += ["", "#ifdef __cplusplus", "}", "#endif", "",
            "#endif /* _RUMP_RUMPVNODE_IF_H_ */", ""]
    return "\n".join(out)


def gen_source(ops):
    out = ["/* %s */" % HEADER,
           "/*",
           " * vnode_if.c: names of the vnode operations, for tracing, and the",
           " * public RUMP_VOP_* entry points (rump/rumpvnode_if.h).",
           " */",
           '#include "kern/kern.h"',
           '#include "kern/lwp.h"',
           '#include "vfs/vnode.h"',
           "",
           "const char *const vnodeop_names[] = {"]
    for op in ops:
        out.append('\t"%s",' % op.name)
    out += ["};", ""]
    for op in ops:
        params = ",\n    ".join(a.decl() for a in op.args)
        call = ", ".join(a.name for a in op.args)
        out += ["int",
                "RUMP_VOP_%s(%s)" % (op.name.upper(), params),
                "{",
                "\tint error;",
                "",
                "\trump_schedule();",
                "\terror = VOP_%s(%s);" % (op.name.upper(), call),
                "\trump_unschedule();",
                "\treturn error;",
                "}",
                ""]
    return "\n".join(out)


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: genvnodeif.py vnodeops.tab OUTDIR\n")
        return 2
    try:
        ops = parse(argv[1])
    except (Fail, OSError) as e:
        sys.stderr.write("genvnodeif.py: %s\n" % e)
        return 1
    outdir = argv[2]
    os.makedirs(outdir, exist_ok=True)
    write(os.path.join(outdir, "rumpvnode_if.h"), gen_public_header(ops))
    write(os.path.join(outdir, "vnode_if.h"), gen_kernel_header(ops))
    write(os.path.join(outdir, "vnode_if.c"), gen_source(ops))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
