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

Usage: gensyscalls.py --sp syscalls.tab OUTDIR
  syscalls_sp.c       kernel (librump): the remote-call marshalling tables
                      of the server (sp_sysdescs[], ioctl and fcntl rules)

Usage: gensyscalls.py --client syscalls.tab OUTDIR
  rumpclient_syscalls.c
                      librumpclient: the rump_sys_* functions of the client,
                      with the same prototypes as rump_syscalls.h, and the
                      client's copy of the marshalling tables

Besides the rows, the table holds marshalling rules, lines starting with
"@" (see the table's end and docs/protocol.md): @iov, @retlen, @chunk,
@lenptr, @msghdr, @ioctl, @ioctlptr, @fcntl.

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


class Rules:
    """Marshalling rules of the remote-call protocol (the "@" lines)."""
    def __init__(self):
        self.iov = {}       # call -> (arg, "IN" | "OUT")
        self.retlen = {}    # call -> set of args
        self.chunk = {}     # call -> (buf, count, offset or None)
        self.lenptr = {}    # call -> {buf: (lenarg, max)}
        self.msghdr = {}    # call -> (arg, "IN" | "OUT")
        self.ioctl = []     # (value, dir, size, name)
        self.ioctlptr = {}  # value -> (struct, field, dir, kind, size, lenfield)
        self.fcntl = []


RULEDIRS = ("IN", "OUT", "INOUT", "NONE")


def parse_rule(rules, words, pending):
    kind = words[0]
    if kind in ("@iov", "@retlen", "@chunk", "@lenptr", "@msghdr"):
        want = {"@iov": (3,), "@retlen": (2,), "@chunk": (3, 4),
                "@lenptr": (4,), "@msghdr": (3,)}[kind]
        if len(words) - 1 not in want:
            raise Fail("%s: wrong number of fields" % kind)
        pending.append(words)
        return
    if kind == "@ioctlptr":
        parse_ioctlptr(rules, words)
        return
    if kind in ("@ioctl", "@fcntl"):
        if len(words) != 5:
            raise Fail("%s: expected VALUE DIR SIZE NAME" % kind)
        val, d, size, name = words[1:]
        m = re.match(r"^struct:(\w+)$", size)
        try:
            val = int(val, 0)
            size = "sizeof(struct rump_%s)" % m.group(1) if m else \
                int(size, 0)
        except ValueError:
            raise Fail("%s: bad number" % kind)
        if d not in RULEDIRS:
            raise Fail("%s: bad direction %r" % (kind, d))
        if not 0 <= val < 1 << 32 or \
                (isinstance(size, int) and not 0 <= size <= 1 << 20):
            raise Fail("%s: value out of range" % kind)
        lst = rules.ioctl if kind == "@ioctl" else rules.fcntl
        if any(v == val for v, _, _, _ in lst):
            raise Fail("%s: %#x listed twice" % (kind, val))
        lst.append((val, d, size, name))
        return
    raise Fail("unknown rule %r" % kind)


def parse_ioctlptr(rules, words):
    """@ioctlptr VALUE STRUCT.FIELD DIR SIZE NAME: the ioctl's argument,
    a struct STRUCT, holds at FIELD a pointer to SIZE bytes the kernel
    reads (IN) or writes (OUT): SIZE is N, struct:NAME, str:MAX (a string) or
    LENFIELD:MAX (an int32 byte count in the struct, updated by the
    kernel)."""
    if len(words) != 6:
        raise Fail("@ioctlptr: expected VALUE STRUCT.FIELD DIR SIZE NAME")
    val, where, d, size, name = words[1:]
    try:
        val = int(val, 0)
    except ValueError:
        raise Fail("@ioctlptr: bad number")
    m = re.match(r"^(\w+)\.([\w.]+)$", where)
    if not m:
        raise Fail("@ioctlptr: expected STRUCT.FIELD, not %r" % where)
    if d not in ("IN", "OUT", "INOUT"):
        raise Fail("@ioctlptr: bad direction %r" % d)
    lenfield = None
    st = re.match(r"^struct:(\w+)$", size)
    if st:
        kind, n = "SPN_FIXED", "sizeof(struct rump_%s)" % st.group(1)
    elif size.isdigit():
        kind, n = "SPN_FIXED", int(size)
    else:
        k = re.match(r"^([\w.]+):(\d+)$", size)
        if not k:
            raise Fail("@ioctlptr: bad size %r" % size)
        n = int(k.group(2))
        if k.group(1) == "str":
            kind = "SPN_STR"
            if d != "IN":
                raise Fail("@ioctlptr: a string is IN")
        else:
            kind, lenfield = "SPN_LEN", k.group(1)
    if isinstance(n, int) and not 0 < n <= 1 << 20:
        raise Fail("@ioctlptr: size out of range")
    if val in rules.ioctlptr:
        raise Fail("@ioctlptr: %#x listed twice" % val)
    rules.ioctlptr[val] = (m.group(1), m.group(2), d, kind, n, lenfield,
                           name)


def check_rules(rules, calls, pending):
    byname = {c.name: c for c in calls}
    for lineno, words in pending:
        try:
            kind, cname = words[0], words[1]
            c = byname.get(cname)
            if c is None:
                raise Fail("%s: unknown call %r" % (kind, cname))
            args = {a.name: a for a in c.args}
            for n in words[2:]:
                if kind in ("@iov", "@msghdr") and n == words[3]:
                    continue
                if kind == "@lenptr" and n == words[4]:
                    continue
                if n not in args:
                    raise Fail("%s: %s has no argument %r" % (kind, cname, n))
            if kind == "@iov":
                a = args[words[2]]
                if a.structname() != "iovec" or a.dir != "IN":
                    raise Fail("@iov: %r is not an IN struct iovec array"
                               % a.name)
                if words[3] not in ("IN", "OUT"):
                    raise Fail("@iov: direction must be IN or OUT")
                rules.iov[cname] = (words[2], words[3])
            elif kind == "@lenptr":
                a, ln = args[words[2]], args[words[3]]
                if a.dir != "OUT" or not a.ptr:
                    raise Fail("@lenptr: %r is not an OUT buffer" % a.name)
                if ln.dir != "INOUT" or ln.scalarbase() != "unsigned int":
                    raise Fail("@lenptr: %r is not an INOUT unsigned int *"
                               % ln.name)
                try:
                    mx = int(words[4], 0)
                except ValueError:
                    raise Fail("@lenptr: bad maximum")
                if not 0 < mx <= 1 << 20:
                    raise Fail("@lenptr: maximum out of range")
                rules.lenptr.setdefault(cname, {})[words[2]] = (words[3], mx)
            elif kind == "@msghdr":
                a = args[words[2]]
                if a.structname() != "msghdr" or a.size is not None:
                    raise Fail("@msghdr: %r is not a struct msghdr *"
                               % a.name)
                if words[3] not in ("IN", "OUT") or \
                        (words[3] == "IN") != (a.dir == "IN"):
                    raise Fail("@msghdr: direction must be IN (an IN "
                               "argument) or OUT (an INOUT one)")
                rules.msghdr[cname] = (words[2], words[3])
            elif kind == "@retlen":
                a = args[words[2]]
                if a.dir != "OUT" or a.size is None or \
                        not a.size.startswith("="):
                    raise Fail("@retlen: %r is not an OUT [=EXPR] buffer"
                               % a.name)
                rules.retlen.setdefault(cname, set()).add(words[2])
            else:
                a = args[words[2]]
                if a.dir != "IN" or a.size is None or \
                        a.size.lstrip("=").rstrip("?") != words[3]:
                    raise Fail("@chunk: %r is not an IN [=%s] buffer"
                               % (a.name, words[3]))
                rules.chunk[cname] = (words[2], words[3],
                                      words[4] if len(words) > 4 else None)
        except Fail as e:
            raise Fail("line %d: %s" % (lineno, e))
    ioctls = {v: d for v, d, _, _ in rules.ioctl}
    for val in rules.ioctlptr:
        if ioctls.get(val) not in ("IN", "INOUT"):
            raise Fail("@ioctlptr %#x: needs an @ioctl rule with "
                       "direction IN or INOUT" % val)


def parse(path, want_rules=False):
    calls, bynum, byname = [], {}, {}
    rules, pending = Rules(), []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("@"):
                try:
                    words = line.split()
                    parse_rule(rules, words, [])
                    if words[0] in ("@iov", "@retlen", "@chunk", "@lenptr",
                                    "@msghdr"):
                        pending.append((lineno, words))
                except Fail as e:
                    sys.exit("%s:%d: %s" % (path, lineno, e))
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
    try:
        check_rules(rules, calls, pending)
    except Fail as e:
        sys.exit("%s: %s" % (path, e))
    if want_rules:
        return calls, rules
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


SIGNED = ("int", "long", "ssize_t", "off_t", "pid_t")


def spargdesc(a, c, rules, kernel):
    """One struct sp_argdesc initialiser (kern_sp_proto.h)."""
    names = [x.name for x in c.args]
    off = "offsetof(struct sys_%s_args, %s)" % (c.name, a.name) \
        if kernel else "0"
    flags = []
    if not a.ptr:
        if a.base in SIGNED:
            flags.append("SPF_SIGNED")
        return ("SPA_SCALAR", "SPK_SCALAR", 0, flags, SCALARS[a.base], off,
                0)
    d = "SPA_" + a.dir
    s = a.size
    iov = rules.iov.get(c.name)
    if a.dir == "ADDR":
        return (d, "SPK_SCALAR", 0, flags, 8, off, 0)
    if s is not None and s.endswith("?"):
        flags.append("SPF_NULLOK")
    if a.name in rules.retlen.get(c.name, ()):
        flags.append("SPF_RETLEN")
    lp = rules.lenptr.get(c.name, {}).get(a.name)
    if lp is not None:
        return (d, "SPK_LENPTR", names.index(lp[0]), flags, 8, off, lp[1])
    mh = rules.msghdr.get(c.name)
    if mh is not None and mh[0] == a.name:
        if mh[1] == "OUT":
            flags.append("SPF_IOVOUT")
        return (d, "SPK_MSGHDR", 0, flags, 8, off,
                "sizeof(struct rump_msghdr)")
    if iov is not None and iov[0] == a.name:
        m = re.match(r"^=(\w+)\*(\d+)$", s.replace(" ", ""))
        if not m:
            raise Fail("@iov %s: size must be =COUNT*16" % c.name)
        if iov[1] == "OUT":
            flags.append("SPF_IOVOUT")
        return (d, "SPK_IOV", names.index(m.group(1)), flags, 8, off,
                int(m.group(2)))
    if s is None and a.structname() is None:
        return (d, "SPK_FIXED", 0, flags, 8, off, SCALARS[a.scalarbase()])
    if s is None or s == "?":
        return (d, "SPK_FIXED", 0, flags, 8, off,
                "sizeof(struct rump_%s)" % a.structname())
    if s in ("str", "str?"):
        return (d, "SPK_STR", 0, flags, 8, off, 0)
    if s in ("ioctl", "fcntl"):
        if "cmd" not in names:
            raise Fail("%s: [%s] needs an argument named cmd" % (c.name, s))
        return (d, "SPK_IOCTL" if s == "ioctl" else "SPK_FCNTL",
                names.index("cmd"), flags, 8, off, 0)
    expr = s[1:].rstrip("?").replace(" ", "")
    if expr.isdigit():
        return (d, "SPK_FIXED", 0, flags, 8, off, int(expr))
    m = re.match(r"^(\w+)(?:\*(\d+))?$", expr)
    if not m or m.group(1) not in names:
        raise Fail("size expression %r too complex" % expr)
    return (d, "SPK_ARG", names.index(m.group(1)), flags, 8, off,
            int(m.group(2) or 1))


# Structures that hold pointers: a call passing one can be served remotely
# only through a rule (@iov) that says how to carry what they point to.
NESTED_STRUCTS = ("iovec", "msghdr", "mmsghdr")


def sp_servable(c, rules):
    iov = rules.iov.get(c.name)
    mh = rules.msghdr.get(c.name)
    for a in c.args:
        if a.ptr and a.structname() in NESTED_STRUCTS and \
                (iov is None or iov[0] != a.name) and \
                (mh is None or mh[0] != a.name):
            return False
    return True


def gen_sptables(calls, rules, kernel):
    """The marshalling tables, in the kernel's or the client's form.
    Calls with nested pointers and no rule are left out: remote callers
    get ENOSYS rather than a pointer into the server's memory."""
    out = []
    calls = [c for c in calls if sp_servable(c, rules)]
    maxnum = max(c.num for c in calls) + 1
    out.append("const unsigned sp_nsysdescs = %d;" % maxnum)
    out.append("const struct sp_sysdesc sp_sysdescs[%d] = {" % maxnum)
    for c in calls:
        fl = ["SPD_VALID"]
        chunkbuf, chunkoff = 0, "0xff"
        ch = rules.chunk.get(c.name)
        names = [x.name for x in c.args]
        if ch is not None:
            fl.append("SPD_CHUNK")
            chunkbuf = names.index(ch[0])
            if ch[2] is not None:
                chunkoff = str(names.index(ch[2]))
        size = "sizeof(struct sys_%s_args)" % c.name if kernel else "0"
        descs = []
        for a in c.args:
            d, k, sa, f, w, off, sz = spargdesc(a, c, rules, kernel)
            descs.append("{ %s, %s, %d, %s, %d, 0, %s, %s }" % (
                d, k, sa, " | ".join(f) if f else "0", w, off, sz))
        out.append("\t[%d] = { %s, %d, %d, %s, %s, { %s } }, /* %s */" % (
            c.num, " | ".join(fl), len(c.args), chunkbuf, chunkoff, size,
            ", ".join(descs), c.name))
    out.append("};")
    for kind, lst in (("ioctl", rules.ioctl), ("fcntl", rules.fcntl)):
        out.append("const size_t sp_n%srules = %d;" % (kind, len(lst)))
        out.append("const struct sp_cmdrule sp_%srules[%d] = {"
                   % (kind, max(len(lst), 1)))
        for val, d, size, name in lst:
            nest = rules.ioctlptr.get(val) if kind == "ioctl" else None
            if nest is None:
                out.append("\t{ .cr_cmd = %#x, .cr_dir = SPA_%s, "
                           ".cr_size = %s }, /* %s */"
                           % (val, d, size, name))
                continue
            st, field, nd, nk, ns, lf, _ = nest
            out.append("\t{ .cr_cmd = %#x, .cr_dir = SPA_%s, "
                       ".cr_size = %s, /* %s */" % (val, d, size, name))
            out.append("\t  .cr_nkind = %s, .cr_ndir = SPA_%s, "
                       ".cr_nsize = %s," % (nk, nd, ns))
            out.append("\t  .cr_noff = offsetof(struct rump_%s, %s),"
                       % (st, field))
            out.append("\t  .cr_nlenoff = %s },"
                       % ("offsetof(struct rump_%s, %s)" % (st, lf)
                          if lf else "0"))
        out.append("};")
    out.append("")
    return out


def gen_sp(calls, rules):
    out = ["/* %s */" % HEADER,
           "/*",
           " * The server's marshalling tables for remote system calls",
           " * (kern_sp.c, kern_sp_proto.h): per call, the direction, size",
           " * and place in struct sys_NAME_args of every argument.",
           " */",
           '#include "kern/kern.h"',
           '#include "kern/kern_sp_proto.h"',
           '#include "sys_syscallargs.h"',
           ""]
    out += gen_sptables(calls, rules, True)
    return "\n".join(out)


def gen_client(calls, rules):
    out = ["/* %s */" % HEADER,
           "/*",
           " * The rump_sys_* functions of librumpclient: each packs its",
           " * arguments into registers and has rumpclient_syscall_regs()",
           " * (rumpclient.c) marshal and send them; then the -1/errno",
           " * convention, in this one place.  Same prototypes as the local",
           " * kernel's, checked against <rump/rump_syscalls.h>.",
           " */",
           "#include <errno.h>",
           "#include <stddef.h>",
           "#include <stdint.h>",
           "#include <sys/types.h>",
           "",
           "#include <rump/rumpdefs.h>",
           "#include <rump/rump_syscalls.h>",
           '#include "kern_sp_proto.h"',
           '#include "rumpclient_int.h"',
           "",
           "#define RUMPCLIENT_PUBLIC "
           "__attribute__((__visibility__(\"default\")))",
           ""]
    out += gen_sptables(calls, rules, False)
    for c in calls:
        out.append("RUMPCLIENT_PUBLIC %s" % proto(c, False))
        out.append("{")
        regs = []
        for a in c.args:
            if a.ptr:
                regs.append("(uint64_t)(uintptr_t)%s" % a.name)
            elif a.base in SIGNED:
                regs.append("(uint64_t)(int64_t)%s" % a.name)
            else:
                regs.append("(uint64_t)%s" % a.name)
        out.append("\tuint64_t regs[%d] = { %s };" % (
            max(len(regs), 1), ", ".join(regs) if regs else "0"))
        out.append("\tint64_t rv;")
        out.append("\tint error;")
        out.append("")
        out.append("\terror = rumpclient_syscall_regs(%d, regs, &rv);"
                   % c.num)
        out.append("\tif (error != 0) {")
        out.append("\t\terrno = error;")
        out.append("\t\treturn (%s)-1;" % c.ret)
        out.append("\t}")
        out.append("\treturn (%s)rv;" % c.ret)
        out.append("}")
        out.append("")
    return "\n".join(out)


def main():
    mode = None
    argv = sys.argv[1:]
    if argv and argv[0] in ("--sp", "--client"):
        mode = argv.pop(0)
    if len(argv) != 2:
        sys.exit("usage: gensyscalls.py [--sp | --client] syscalls.tab "
                 "OUTDIR")
    table, outdir = argv
    calls, rules = parse(table, True)
    if mode is not None:
        try:
            if mode == "--sp":
                files = {"syscalls_sp.c": gen_sp(calls, rules)}
            else:
                files = {"rumpclient_syscalls.c": gen_client(calls, rules)}
        except Fail as e:
            sys.exit("%s: %s" % (table, e))
        for name, text in files.items():
            with open(os.path.join(outdir, name), "w") as f:
                f.write(text)
        return
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
