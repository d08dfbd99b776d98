#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Generate the system call glue from sys/kern/syscalls.tab.

Usage: gensyscalls.py syscalls.tab OUTDIR

Writes into OUTDIR:
  rump_syscalls.h     public prototypes of rump_sys_*   (installed)
  sys_syscallargs.h   kernel: SYS_* numbers, argument structures, handler
                      prototypes, argument descriptions
  rump_syscalls.c     kernel (librump): rump_sys_* stubs, the dispatch table,
                      names and argument descriptions
  syscalls_vfs.c, syscalls_net.c
                      kernel: each component's registration list

The table format is described at its top.  Duplicate numbers or names and
malformed rows are rejected with the line number.
"""
import os
import re
import sys

COMPONENTS = ("kern", "vfs", "net")
RETURNS = ("int", "long", "ssize_t", "off_t", "pid_t", "uid_t", "gid_t",
           "mode_t")
SCALARS = {
    "int": 4, "unsigned int": 4, "long": 8, "unsigned long": 8,
    "size_t": 8, "ssize_t": 8, "off_t": 8, "mode_t": 4, "uid_t": 4,
    "gid_t": 4, "pid_t": 4, "dev_t": 8,
}
DIRS = ("IN", "OUT", "INOUT", "ADDR")
HEADER = "DO NOT EDIT, generated from sys/kern/syscalls.tab by tools/gensyscalls.py"

ARG = re.compile(r"^(?:(IN|OUT|INOUT|ADDR)\s+)?(.*?)\s*(\*?)\s*([A-Za-z_][A-Za-z0-9_]*)"
                 r"\s*(?:\[([^\]]*)\])?$")


class Fail(Exception):
    pass


class Arg:
    def __init__(self, text):
        m = ARG.match(text.strip())
        if not m:
            raise Fail("cannot parse argument %r" % text)
        self.dir, base, star, self.name, self.size = m.groups()
        base = " ".join(base.split())
        self.ptr = bool(star)
        self.base = base                      # e.g. "const struct stat"
        if self.ptr:
            if self.dir is None:
                raise Fail("pointer argument %r needs IN, OUT, INOUT or ADDR"
                           % self.name)
        else:
            if self.dir is not None:
                raise Fail("direction on non-pointer argument %r" % self.name)
            if self.size is not None:
                raise Fail("size on non-pointer argument %r" % self.name)
            if base not in SCALARS:
                raise Fail("unknown scalar type %r" % base)

    def ctype(self, kernel):
        base = self.base
        if kernel:
            base = re.sub(r"\bstruct\s+(\w+)", r"struct rump_\1", base)
        return base + (" *" if self.ptr else " ")

    def scalarbase(self):
        base = re.sub(r"\bconst\s+", "", self.base)
        return base if base in SCALARS else None

    def structname(self):
        m = re.search(r"\bstruct\s+(\w+)", self.base)
        return m.group(1) if m else None


class Call:
    def __init__(self, lineno, num, comp, name, ret, args):
        self.lineno, self.num, self.comp, self.name, self.ret = \
            lineno, num, comp, name, ret
        self.args = args


def parse(path):
    calls, bynum, byname = [], {}, {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                parts = line.split(None, 4)
                if len(parts) != 5:
                    raise Fail("expected NUMBER COMPONENT NAME RETURN ARGS")
                num, comp, name, ret, argtext = parts
                if not num.isdigit():
                    raise Fail("bad number %r" % num)
                num = int(num)
                if comp not in COMPONENTS:
                    raise Fail("unknown component %r" % comp)
                if not re.match(r"^[a-z_][a-z0-9_]*$", name):
                    raise Fail("bad name %r" % name)
                if ret not in RETURNS:
                    raise Fail("unknown return type %r" % ret)
                if num in bynum:
                    raise Fail("number %d already used at line %d"
                               % (num, bynum[num]))
                if name in byname:
                    raise Fail("name %s already used at line %d"
                               % (name, byname[name]))
                args = [] if argtext.strip() == "void" else \
                    [Arg(a) for a in argtext.split(",")]
                names = [a.name for a in args]
                if len(set(names)) != len(names):
                    raise Fail("duplicate argument name")
                for a in args:
                    check_size(a, names)
                bynum[num], byname[name] = lineno, lineno
                calls.append(Call(lineno, num, comp, name, ret, args))
            except Fail as e:
                sys.exit("%s:%d: %s" % (path, lineno, e))
    calls.sort(key=lambda c: c.num)
    return calls


def check_size(a, names):
    if not a.ptr or a.size is None:
        if a.ptr and a.dir != "ADDR" and a.structname() is None \
                and a.scalarbase() is None:
            raise Fail("pointer %r to a non-struct needs a [size]" % a.name)
        return
    s = a.size
    if s in ("str", "str?", "?", "ioctl", "fcntl"):
        if s == "?" and a.structname() is None:
            raise Fail("[?] on %r needs a struct type" % a.name)
        return
    if not s.startswith("="):
        raise Fail("bad size %r" % s)
    expr = s[1:].rstrip("?")
    for tok in re.findall(r"[A-Za-z_]\w*", expr):
        if tok not in names:
            raise Fail("size of %r refers to unknown argument %r" % (a.name, tok))
    if not re.match(r"^[\w\s*]+$", expr):
        raise Fail("bad size expression %r" % expr)


def argdesc(a, call):
    """(dir, kind, sizearg, size, nullable) for the remote marshaller."""
    names = [x.name for x in call.args]
    if not a.ptr:
        return ("SA_SCALAR", "SA_SCALAR", 0, SCALARS[a.base], 0)
    d = "SA_" + a.dir
    s = a.size
    if a.dir == "ADDR":
        return (d, "SA_SCALAR", 0, 8, 1)
    if s is None and a.structname() is None:
        return (d, "SA_FIXED", 0, SCALARS[a.scalarbase()], 0)
    if s is None or s == "?":
        return (d, "SA_FIXED", 0, "sizeof(struct rump_%s)" % a.structname(),
                1 if s == "?" else 0)
    if s in ("str", "str?"):
        return (d, "SA_STR", 0, 0, 1 if s == "str?" else 0)
    if s == "ioctl":
        return (d, "SA_IOCTL", 0, 0, 1)
    if s == "fcntl":
        return (d, "SA_FCNTL", 0, 0, 1)
    nullable = 1 if s.endswith("?") else 0
    expr = s[1:].rstrip("?").replace(" ", "")
    if expr.isdigit():
        return (d, "SA_FIXED", 0, int(expr), nullable)
    m = re.match(r"^(\w+)(?:\*(\d+))?$", expr)
    if not m or m.group(1) not in names:
        raise Fail("size expression %r too complex" % expr)
    return (d, "SA_ARG", names.index(m.group(1)), int(m.group(2) or 1), nullable)


def proto(c, kernel):
    ret = c.ret
    if not c.args:
        params = "void"
    else:
        params = ", ".join((a.ctype(kernel) + a.name).replace("* ", "*")
                           for a in c.args)
    return "%s rump_sys_%s(%s)" % (ret, c.name, params)


def gen_public(calls):
    out = ["/* %s */" % HEADER,
           "#ifndef _RUMP_RUMP_SYSCALLS_H_",
           "#define _RUMP_RUMP_SYSCALLS_H_",
           "",
           "#include <stddef.h>",
           "#include <sys/types.h>",
           "",
           "#ifdef __cplusplus",
           'extern "C" {',
           "#endif",
           ""]
    structs = sorted({a.structname() for c in calls for a in c.args
                      if a.structname()})
    for s in structs:
        out.append("struct %s;" % s)
    out.append("")
    for c in calls:
        out.append("#define RUMP_SYS_%s %d" % (c.name, c.num))
    out.append("")
    for c in calls:
        out.append("%s;" % proto(c, False))
    out += ["", "#ifdef __cplusplus", "}", "#endif", "",
            "#endif /* _RUMP_RUMP_SYSCALLS_H_ */", ""]
    return "\n".join(out)


def gen_args(calls):
    maxnum = max(c.num for c in calls) + 1
    out = ["/* %s */" % HEADER,
           "#ifndef _SYS_SYSCALLARGS_H_",
           "#define _SYS_SYSCALLARGS_H_",
           "",
           '#include "kern/syscall.h"',
           "",
           "#define SYS_MAXSYSCALL %d" % maxnum,
           "#define SYS_NARGS_MAX 6", ""]
    for c in calls:
        out.append("#define SYS_%s %d" % (c.name, c.num))
    out.append("")
    for c in calls:
        if c.args:
            out.append("struct sys_%s_args {" % c.name)
            for a in c.args:
                out.append("\t%s%s;" % (a.ctype(True), a.name))
            out.append("};")
        else:
            out.append("struct sys_%s_args {" % c.name)
            out.append("\tchar dummy;")
            out.append("};")
        out.append("int sys_%s(struct lwp *, const struct sys_%s_args *, "
                   "register_t *);" % (c.name, c.name))
    out.append("")
    for comp in COMPONENTS:
        out.append("extern const struct syscall_package %s_syscalls[];" % comp)
    out += ["", "#endif /* _SYS_SYSCALLARGS_H_ */", ""]
    return "\n".join(out)


def retexpr(c):
    return "(%s)rv[0]" % c.ret


def gen_stubs(calls):
    out = ["/* %s */" % HEADER,
           "/*",
           " * The rump_sys_* entry points: each schedules the caller on a",
           " * virtual CPU, runs the handler through the dispatch table and",
           " * turns an error into -1 and the caller's errno, the one place the",
           " * kernel does so.",
           " */",
           '#include "kern/kern.h"',
           '#include "kern/lwp.h"',
           '#include "sys_syscallargs.h"',
           "",
           "#define RUMP_PUBLIC __attribute__((__visibility__(\"default\")))",
           ""]
    maxnum = max(c.num for c in calls) + 1
    out.append("struct sysent sysent[SYS_MAXSYSCALL] = {")
    for c in calls:
        if c.comp == "kern":
            out.append("\t[SYS_%s] = { (sy_call_t)sys_%s }," % (c.name, c.name))
    out.append("};")
    out.append("")
    out.append("const char *const syscallnames[SYS_MAXSYSCALL] = {")
    for c in calls:
        out.append('\t[SYS_%s] = "%s",' % (c.name, c.name))
    out.append("};")
    out.append("")
    out.append("const struct syscall_desc syscalldescs[SYS_MAXSYSCALL] = {")
    for c in calls:
        descs = []
        for a in c.args:
            d, k, sa, sz, nl = argdesc(a, c)
            descs.append("{ %s, %s, %d, %s, %d }" % (d, k, sa, sz, nl))
        rsz = 4 if c.ret in ("int", "pid_t", "uid_t", "gid_t", "mode_t") else 8
        out.append("\t[SYS_%s] = { %d, %d, { %s } }," % (
            c.name, len(c.args), rsz, ", ".join(descs)))
    out.append("};")
    out.append("")
    for c in calls:
        out.append("RUMP_PUBLIC %s" % proto(c, True))
        out.append("{")
        if c.args:
            out.append("\tstruct sys_%s_args a = {" % c.name)
            for x in c.args:
                out.append("\t\t.%s = %s," % (x.name, x.name))
            out.append("\t};")
        else:
            out.append("\tstruct sys_%s_args a = { 0 };" % c.name)
        out.append("\tregister_t rv[2] = { 0, 0 };")
        out.append("\tint error;")
        out.append("")
        out.append("\terror = rump_syscall(SYS_%s, &a, rv);" % c.name)
        out.append("\tif (__predict_false(error != 0)) {")
        out.append("\t\trumpuser_seterrno(error);")
        out.append("\t\treturn (%s)-1;" % c.ret)
        out.append("\t}")
        out.append("\treturn %s;" % retexpr(c))
        out.append("}")
        out.append("")
    return "\n".join(out)


def gen_component(calls, comp):
    out = ["/* %s */" % HEADER,
           '#include "kern/kern.h"',
           '#include "sys_syscallargs.h"',
           "",
           "const struct syscall_package %s_syscalls[] = {" % comp]
    for c in calls:
        if c.comp == comp:
            out.append("\t{ SYS_%s, (sy_call_t)sys_%s }," % (c.name, c.name))
    out += ["\t{ -1, NULL }", "};", ""]
    return "\n".join(out)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gensyscalls.py syscalls.tab OUTDIR")
    table, outdir = sys.argv[1:]
    calls = parse(table)
    try:
        files = {
            "rump_syscalls.h": gen_public(calls),
            "sys_syscallargs.h": gen_args(calls),
            "rump_syscalls.c": gen_stubs(calls),
        }
        for comp in COMPONENTS:
            if comp != "kern":
                files["syscalls_%s.c" % comp] = gen_component(calls, comp)
    except Fail as e:
        sys.exit("%s: %s" % (table, e))
    for name, text in files.items():
        with open(os.path.join(outdir, name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
