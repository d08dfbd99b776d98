# SPDX-License-Identifier: BSD-2-Clause
#
# tap_host.py: the Linux end of t_tap_tcp.sh where nc(1) and socat(1)
# cannot check enough: run inside the test's network namespace, against
# a rump kernel (h_tap) on the other side of a tap.
#
#   many ADDR PORT N             N connections open at once, 4 bytes each
#                                way on every one
#   halfclose ADDR PORT IN EXP   send file IN, shut down the write side,
#                                read to EOF, compare with file EXP
#   refused ADDR PORT            connect must fail with ECONNREFUSED
#   acksrv PORT N READY          accept N connections one after the
#                                other, read each to EOF, answer, close
#   reconnect ADDR PORT LPORT    twice from LPORT (SO_REUSEADDR): read to
#                                EOF (the peer closes first), close
#   oobsrv PORT READY            accept one connection, wait for urgent
#                                data (select's exceptfds), read up to
#                                the mark, the byte with MSG_OOB, the
#                                rest: "abc", "X", "def" expected
#   oobcli ADDR PORT             send "abc", "X" with MSG_OOB, "def",
#                                half-close; the answer must be
#                                "data=abcdef oob=X"
# Exit status 0 when everything went as expected.
import errno
import fcntl
import resource
import select
import socket
import struct
import sys
import time

TMO = 20


def many(addr, port, n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, n + 64)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    t0 = time.time()
    socks = []
    for i in range(n):
        s = socket.create_connection((addr, port), timeout=TMO)
        socks.append(s)
    for i, s in enumerate(socks):
        s.sendall(struct.pack("!I", i))
    bad = 0
    for i, s in enumerate(socks):
        got = b""
        while len(got) < 4:
            b = s.recv(4 - len(got))
            if not b:
                break
            got += b
        if got != struct.pack("!I", i):
            bad += 1
    for s in socks:
        s.close()
    print("%d connections open at once, %d answered correctly, %.2f s" %
          (n, n - bad, time.time() - t0))
    return 0 if bad == 0 else 1


def halfclose(addr, port, infile, expfile):
    data = open(infile, "rb").read()
    exp = open(expfile, "rb").read()
    s = socket.create_connection((addr, port), timeout=TMO)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    got = bytearray()
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
    s.close()
    print("sent %d, shut down, then received %d bytes" % (len(data), len(got)))
    return 0 if bytes(got) == exp else 1


def refused(addr, port):
    s = socket.socket()
    s.settimeout(TMO)
    try:
        s.connect((addr, port))
    except ConnectionRefusedError:
        print("connect: ECONNREFUSED")
        return 0
    except OSError as e:
        print("connect: %s" % e)
        return 1
    print("connect: succeeded")
    return 1


def acksrv(port, n, ready):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(8)
    ls.settimeout(TMO)
    open(ready, "w").close()
    for i in range(n):
        s, peer = ls.accept()
        s.settimeout(TMO)
        got = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            got += b
        print("from %s:%d: %r" % (peer[0], peer[1], got))
        s.sendall(b"ack %d\n" % i)
        s.close()
    return 0


def reconnect(addr, port, lport):
    for i in range(2):
        t0 = time.time()
        for tries in range(100):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.settimeout(TMO)
            try:
                s.bind(("0.0.0.0", lport))
                s.connect((addr, port))
                break
            except OSError as e:
                # Our own side may still hold the old connection
                # (LAST_ACK) for a moment: bind or connect says so.
                s.close()
                if e.errno not in (errno.EADDRNOTAVAIL, errno.EADDRINUSE):
                    raise
                last = e
                time.sleep(0.01)
        else:
            print("connection %d from port %d: still %s after 100 tries" %
                  (i, lport, last))
            return 1
        dt = time.time() - t0
        got = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            got += b
        s.close()
        print("connection %d from port %d after %.1f ms: %r" %
              (i, lport, dt * 1e3, got))
        if got != b"bye %d\n" % i:
            return 1
        if i == 1 and dt > 2.0:
            print("reconnect took too long")
            return 1
    return 0


SIOCATMARK = 0x8905


def atmark(s):
    return struct.unpack("i", fcntl.ioctl(s, SIOCATMARK, b"\0" * 4))[0]


def oobsrv(port, ready):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(1)
    ls.settimeout(TMO)
    open(ready, "w").close()
    s, peer = ls.accept()
    s.settimeout(TMO)
    _, _, x = select.select([], [], [s], TMO)
    if not x:
        print("no urgent data announced")
        return 1
    before = b""
    while not atmark(s):
        b = s.recv(64)
        if not b:
            break
        before += b
    oob = s.recv(1, socket.MSG_OOB)
    after = b""
    while True:
        b = s.recv(64)
        if not b:
            break
        after += b
    s.close()
    print("before the mark %r, urgent %r, after %r" % (before, oob, after))
    return 0 if (before, oob, after) == (b"abc", b"X", b"def") else 1


def oobcli(addr, port):
    s = socket.create_connection((addr, port), timeout=TMO)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"abc")
    s.send(b"X", socket.MSG_OOB)
    s.sendall(b"def")
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        got += b
    s.close()
    print("answer %r" % got)
    return 0 if got == b"data=abcdef oob=X\n" else 1


def main(a):
    cmd = a[0]
    if cmd == "many":
        return many(a[1], int(a[2]), int(a[3]))
    if cmd == "halfclose":
        return halfclose(a[1], int(a[2]), a[3], a[4])
    if cmd == "refused":
        return refused(a[1], int(a[2]))
    if cmd == "acksrv":
        return acksrv(int(a[1]), int(a[2]), a[3])
    if cmd == "reconnect":
        return reconnect(a[1], int(a[2]), int(a[3]))
    if cmd == "oobsrv":
        return oobsrv(int(a[1]), a[2])
    if cmd == "oobcli":
        return oobcli(a[1], int(a[2]))
    print("unknown command %s" % cmd)
    return 2


sys.exit(main(sys.argv[1:]))
