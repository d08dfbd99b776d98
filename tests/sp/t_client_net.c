/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_client_net.c: remote socket calls through librumpclient.
 *
 * Each case starts its own rump_allserver (ALLSERVER, set by meson) on a
 * fresh unix socket, as t_client.c does, and works on sockets inside the
 * server's kernel: AF_UNIX and AF_INET UDP on lo0.  The cases cover the
 * marshalling rules for sockets (docs/protocol.md): addresses and option
 * values sized by the caller's length (@lenptr, with canaries behind
 * short buffers), struct msghdr both ways with SCM_RIGHTS (@msghdr), the
 * interface and route ioctls with pointers inside their structures
 * (@ioctlptr), and bad pointers, which must give EFAULT and leave the
 * connection working.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rumpclient.h>
#include <rump/rumpdefs.h>
#include <rump/rump_syscalls.h>

#include "h_sp.h"

TestSuite(net, .init = sp_server_up, .fini = sp_server_down, .timeout = 60);

/* Memory nobody has: a page mapped and unmapped again. */
static void *
badptr(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert(p != MAP_FAILED);
	cr_assert(munmap(p, 4096) == 0);
	return p;
}

static void
check_alive(void)
{
	cr_assert(rump_sys_getpid() > 0, "the connection is gone");
}

static struct rump_sockaddr_in
sin_lo(uint16_t port)
{
	struct rump_sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = RUMP_AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(RUMP_INADDR_LOOPBACK);
	return sin;
}

Test(net, unix_stream_addresses)
{
	struct rump_sockaddr_un sun;
	struct {
		char addr[6];
		char canary[32];
	} small;
	struct rump_sockaddr_un full;
	unsigned int len;
	int l, c, a;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = RUMP_AF_UNIX;
	strcpy(sun.sun_path, "/sock.listening");
	l = rump_sys_socket(RUMP_AF_UNIX, RUMP_SOCK_STREAM, 0);
	cr_assert(l >= 0);
	cr_assert(rump_sys_bind(l, (void *)&sun, sizeof(sun)) == 0);
	cr_assert(rump_sys_listen(l, 4) == 0);
	c = rump_sys_socket(RUMP_AF_UNIX, RUMP_SOCK_STREAM, 0);
	cr_assert(c >= 0);
	cr_assert(rump_sys_connect(c, (void *)&sun, sizeof(sun)) == 0);

	/* accept into 6 bytes: the rest of the caller's memory untouched */
	memset(&small, 0x77, sizeof(small));
	len = sizeof(small.addr);
	a = rump_sys_accept(l, (void *)small.addr, &len);
	cr_assert(a >= 0, "accept: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(small.canary); i++)
		cr_assert_eq(small.canary[i], 0x77, "overrun at %zu", i);

	/* getsockname: a short buffer, then a full one */
	memset(&small, 0x77, sizeof(small));
	len = 4;
	cr_assert(rump_sys_getsockname(l, (void *)small.addr, &len) == 0);
	cr_assert_gt(len, 4, "the full length comes back");
	cr_assert_eq(small.addr[0] | small.addr[1] << 8, RUMP_AF_UNIX);
	cr_assert(small.addr[2] == '/' && small.addr[3] == 's');
	cr_assert_eq(small.addr[4], 0x77);
	memset(&full, 0, sizeof(full));
	len = sizeof(full);
	cr_assert(rump_sys_getsockname(l, (void *)&full, &len) == 0);
	cr_assert_str_eq(full.sun_path, "/sock.listening");
	memset(&full, 0, sizeof(full));
	len = sizeof(full);
	cr_assert(rump_sys_getpeername(c, (void *)&full, &len) == 0);
	cr_assert_str_eq(full.sun_path, "/sock.listening");
	/* a length bigger than any address is fine; NULL length is not */
	len = 100000;
	cr_assert(rump_sys_getsockname(l, (void *)&full, &len) == 0);
	cr_assert_lt(len, sizeof(full) + 1);
	cr_assert(rump_sys_getsockname(l, (void *)&full, NULL) == -1 &&
	    errno == EFAULT);
	/* accept4 with NULL address */
	cr_assert(rump_sys_connect(rump_sys_socket(RUMP_AF_UNIX,
	    RUMP_SOCK_STREAM, 0), (void *)&sun, sizeof(sun)) == 0);
	cr_assert(rump_sys_accept4(l, NULL, NULL, RUMP_SOCK_CLOEXEC) >= 0);
	cr_assert(rump_sys_write(c, "ping", 4) == 4);
	char buf[8];
	cr_assert_eq(rump_sys_read(a, buf, sizeof(buf)), 4);
	cr_assert(memcmp(buf, "ping", 4) == 0);
}

Test(net, sockopts)
{
	struct {
		char val[2];
		char canary[16];
	} small;
	unsigned int len;
	int s, v;

	s = rump_sys_socket(RUMP_AF_UNIX, RUMP_SOCK_DGRAM, 0);
	cr_assert(s >= 0);
	v = 1;
	cr_assert(rump_sys_setsockopt(s, RUMP_SOL_SOCKET, RUMP_SO_PASSCRED,
	    &v, sizeof(v)) == 0);
	v = 0;
	len = sizeof(v);
	cr_assert(rump_sys_getsockopt(s, RUMP_SOL_SOCKET, RUMP_SO_PASSCRED,
	    &v, &len) == 0);
	cr_assert(v == 1 && len == sizeof(v));
	len = sizeof(v);
	cr_assert(rump_sys_getsockopt(s, RUMP_SOL_SOCKET, RUMP_SO_TYPE,
	    &v, &len) == 0);
	cr_assert_eq(v, RUMP_SOCK_DGRAM);
	/* two bytes asked: two bytes written, nothing behind them */
	memset(&small, 0x55, sizeof(small));
	len = 2;
	cr_assert(rump_sys_getsockopt(s, RUMP_SOL_SOCKET, RUMP_SO_TYPE,
	    small.val, &len) == 0);
	cr_assert_leq(len, 2);
	for (size_t i = 0; i < sizeof(small.canary); i++)
		cr_assert_eq(small.canary[i], 0x55);
	/* bad pointers: EFAULT, and the connection lives on */
	len = sizeof(v);
	cr_assert(rump_sys_getsockopt(s, RUMP_SOL_SOCKET, RUMP_SO_TYPE,
	    badptr(), &len) == -1 && errno == EFAULT);
	cr_assert(rump_sys_getsockopt(s, RUMP_SOL_SOCKET, RUMP_SO_TYPE,
	    &v, badptr()) == -1 && errno == EFAULT);
	cr_assert(rump_sys_setsockopt(s, RUMP_SOL_SOCKET, RUMP_SO_PASSCRED,
	    badptr(), 4) == -1 && errno == EFAULT);
	check_alive();
}

Test(net, msghdr_iovecs_and_flags)
{
	struct rump_msghdr m;
	struct rump_iovec iov[3];
	char a[3], b[4], c[16];
	int sv[2];

	cr_assert(rump_sys_socketpair(RUMP_AF_UNIX, RUMP_SOCK_DGRAM, 0,
	    sv) == 0);
	iov[0] = (struct rump_iovec){ "hel", 3 };
	iov[1] = (struct rump_iovec){ "lo, ", 4 };
	iov[2] = (struct rump_iovec){ "world", 5 };
	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = 3;
	cr_assert_eq(rump_sys_sendmsg(sv[0], (void *)&m, 0), 12);
	cr_assert_eq(rump_sys_sendmsg(sv[0], (void *)&m, 0), 12);

	/* scattered over three buffers, peeked first */
	memset(c, 0, sizeof(c));
	iov[0] = (struct rump_iovec){ a, sizeof(a) };
	iov[1] = (struct rump_iovec){ b, sizeof(b) };
	iov[2] = (struct rump_iovec){ c, sizeof(c) };
	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = 3;
	m.msg_flags = 0x1234;
	cr_assert_eq(rump_sys_recvmsg(sv[1], (void *)&m, RUMP_MSG_PEEK), 12);
	cr_assert(m.msg_iov == iov && m.msg_iovlen == 3, "pointers kept");
	cr_assert_eq(m.msg_flags, 0);
	cr_assert(memcmp(a, "hel", 3) == 0 && memcmp(b, "lo, ", 4) == 0 &&
	    strcmp(c, "world") == 0);
	memset(c, 0, sizeof(c));
	cr_assert_eq(rump_sys_recvmsg(sv[1], (void *)&m, 0), 12);
	cr_assert(strcmp(c, "world") == 0);

	/* a short buffer: MSG_TRUNC in msg_flags, and as a flag the size */
	memset(&m, 0, sizeof(m));
	iov[0] = (struct rump_iovec){ a, sizeof(a) };
	m.msg_iov = iov;
	m.msg_iovlen = 1;
	cr_assert_eq(rump_sys_recvmsg(sv[1], (void *)&m, RUMP_MSG_PEEK |
	    RUMP_MSG_TRUNC), 12);
	cr_assert(m.msg_flags & RUMP_MSG_TRUNC);
	cr_assert_eq(rump_sys_recvmsg(sv[1], (void *)&m, 0), 3);
	cr_assert(m.msg_flags & RUMP_MSG_TRUNC);
	cr_assert(memcmp(a, "hel", 3) == 0);
	/* nothing left: MSG_DONTWAIT */
	cr_assert(rump_sys_recvmsg(sv[1], (void *)&m, RUMP_MSG_DONTWAIT) ==
	    -1 && errno == EAGAIN);

	/* bad memory anywhere in the structure: EFAULT */
	cr_assert(rump_sys_sendmsg(sv[0], badptr(), 0) == -1 &&
	    errno == EFAULT);
	m.msg_iov = badptr();
	cr_assert(rump_sys_recvmsg(sv[1], (void *)&m, 0) == -1 &&
	    errno == EFAULT);
	iov[0] = (struct rump_iovec){ badptr(), 8 };
	m.msg_iov = iov;
	cr_assert(rump_sys_sendmsg(sv[0], (void *)&m, 0) == -1 &&
	    errno == EFAULT);
	m.msg_iovlen = 100000;
	cr_assert(rump_sys_sendmsg(sv[0], (void *)&m, 0) == -1 &&
	    errno == EMSGSIZE);
	check_alive();
}

Test(net, scm_rights)
{
	struct rump_msghdr m;
	struct rump_iovec iov;
	struct rump_cmsghdr *cm;
	union {
		char buf[RUMP_CMSG_SPACE(2 * sizeof(int))];
		struct rump_cmsghdr align;
	} ctl;
	char byte = 'x', buf[8];
	int sv[2], fd, got[2];

	fd = rump_sys_open("/passed", RUMP_O_RDWR | RUMP_O_CREAT, 0644);
	cr_assert(fd >= 0);
	cr_assert_eq(rump_sys_write(fd, "secret", 6), 6);
	cr_assert(rump_sys_socketpair(RUMP_AF_UNIX, RUMP_SOCK_STREAM, 0,
	    sv) == 0);

	memset(&ctl, 0, sizeof(ctl));
	cm = (struct rump_cmsghdr *)ctl.buf;
	cm->cmsg_len = RUMP_CMSG_LEN(2 * sizeof(int));
	cm->cmsg_level = RUMP_SOL_SOCKET;
	cm->cmsg_type = RUMP_SCM_RIGHTS;
	memcpy(RUMP_CMSG_DATA(cm), (int[2]){ fd, fd }, 2 * sizeof(int));
	iov = (struct rump_iovec){ &byte, 1 };
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.buf;
	m.msg_controllen = sizeof(ctl.buf);
	cr_assert_eq(rump_sys_sendmsg(sv[0], (void *)&m, 0), 1);
	cr_assert(rump_sys_close(fd) == 0);

	memset(&ctl, 0, sizeof(ctl));
	byte = 0;
	m.msg_controllen = sizeof(ctl.buf);
	cr_assert_eq(rump_sys_recvmsg(sv[1], (void *)&m, 0), 1);
	cr_assert_eq(byte, 'x');
	cr_assert(m.msg_control == ctl.buf);
	cr_assert_eq(m.msg_controllen, RUMP_CMSG_LEN(2 * sizeof(int)));
	cr_assert_eq(m.msg_flags & RUMP_MSG_CTRUNC, 0);
	cr_assert(cm->cmsg_level == RUMP_SOL_SOCKET &&
	    cm->cmsg_type == RUMP_SCM_RIGHTS);
	memcpy(got, RUMP_CMSG_DATA(cm), sizeof(got));
	cr_assert(got[0] >= 0 && got[1] >= 0 && got[0] != got[1]);
	cr_assert_eq(rump_sys_pread64(got[0], buf, sizeof(buf), 0), 6);
	cr_assert(memcmp(buf, "secret", 6) == 0);

	/* control too small for two descriptors: MSG_CTRUNC */
	cr_assert(rump_sys_socketpair(RUMP_AF_UNIX, RUMP_SOCK_STREAM, 0,
	    sv) == 0);
	memset(&ctl, 0, sizeof(ctl));
	cm->cmsg_len = RUMP_CMSG_LEN(2 * sizeof(int));
	cm->cmsg_level = RUMP_SOL_SOCKET;
	cm->cmsg_type = RUMP_SCM_RIGHTS;
	memcpy(RUMP_CMSG_DATA(cm), got, sizeof(got));
	m.msg_controllen = sizeof(ctl.buf);
	cr_assert_eq(rump_sys_sendmsg(sv[0], (void *)&m, 0), 1);
	memset(&ctl, 0x33, sizeof(ctl));
	m.msg_controllen = RUMP_CMSG_LEN(sizeof(int));
	cr_assert_eq(rump_sys_recvmsg(sv[1], (void *)&m, 0), 1);
	cr_assert(m.msg_flags & RUMP_MSG_CTRUNC);
	cr_assert_leq(m.msg_controllen, RUMP_CMSG_LEN(sizeof(int)));
	cr_assert_eq((unsigned char)ctl.buf[sizeof(ctl.buf) - 1], 0x33,
	    "control written past msg_controllen");
}

Test(net, udp_loopback)
{
	struct rump_sockaddr_in sin = sin_lo(5353), from;
	struct rump_msghdr m;
	struct rump_iovec iov;
	struct {
		char addr[4];
		char canary[16];
	} small;
	unsigned int len;
	char buf[32];
	int s, t;

	s = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_DGRAM, 0);
	t = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_DGRAM, 0);
	cr_assert(s >= 0 && t >= 0);
	cr_assert(rump_sys_bind(s, (void *)&sin, sizeof(sin)) == 0);
	cr_assert_eq(rump_sys_sendto(t, "one", 3, 0, (void *)&sin,
	    sizeof(sin)), 3);
	memset(&from, 0, sizeof(from));
	len = sizeof(from);
	cr_assert_eq(rump_sys_recvfrom(s, buf, sizeof(buf), 0, (void *)&from,
	    &len), 3);
	cr_assert(memcmp(buf, "one", 3) == 0);
	cr_assert_eq(len, sizeof(from));
	cr_assert_eq(from.sin_family, RUMP_AF_INET);
	cr_assert_eq(from.sin_addr.s_addr, htonl(RUMP_INADDR_LOOPBACK));
	cr_assert_neq(from.sin_port, 0);

	/* recvfrom into a 4-byte address */
	cr_assert_eq(rump_sys_sendto(t, "two", 3, 0, (void *)&sin,
	    sizeof(sin)), 3);
	memset(&small, 0x66, sizeof(small));
	len = sizeof(small.addr);
	cr_assert_eq(rump_sys_recvfrom(s, buf, sizeof(buf), 0,
	    (void *)small.addr, &len), 3);
	cr_assert_eq(len, sizeof(from));
	cr_assert(memcmp(small.addr, &from, 4) == 0);
	for (size_t i = 0; i < sizeof(small.canary); i++)
		cr_assert_eq(small.canary[i], 0x66);

	/* sendmsg with a name, recvmsg with one */
	iov = (struct rump_iovec){ "three", 5 };
	memset(&m, 0, sizeof(m));
	m.msg_name = &sin;
	m.msg_namelen = sizeof(sin);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	cr_assert_eq(rump_sys_sendmsg(t, (void *)&m, 0), 5);
	memset(&from, 0, sizeof(from));
	memset(buf, 0, sizeof(buf));
	iov = (struct rump_iovec){ buf, sizeof(buf) };
	m.msg_name = &from;
	m.msg_namelen = sizeof(from);
	cr_assert_eq(rump_sys_recvmsg(s, (void *)&m, 0), 5);
	cr_assert_str_eq(buf, "three");
	cr_assert(m.msg_name == &from);
	cr_assert_eq(m.msg_namelen, sizeof(from));
	cr_assert_eq(from.sin_addr.s_addr, htonl(RUMP_INADDR_LOOPBACK));
	/* a name longer than any address: EINVAL */
	m.msg_name = buf;
	m.msg_namelen = 4096;
	cr_assert(rump_sys_sendmsg(t, (void *)&m, 0) == -1 &&
	    errno == EINVAL);
	check_alive();
}

static void
ifreq_name(struct rump_ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	strncpy(ifr->ifr_ifrn.ifrn_name, name, RUMP_IFNAMSIZ - 1);
}

static void
sin_set(struct rump_sockaddr *sa, const char *addr)
{
	struct rump_sockaddr_in sin;
	unsigned a, b, c, d;

	cr_assert(sscanf(addr, "%u.%u.%u.%u", &a, &b, &c, &d) == 4);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = RUMP_AF_INET;
	sin.sin_addr.s_addr = htonl(a << 24 | b << 16 | c << 8 | d);
	memcpy(sa, &sin, sizeof(sin));
}

Test(net, interface_ioctls)
{
	struct rump_ifreq ifr, reqs[8];
	struct rump_ifconf ifc;
	struct rump_ifstats st;
	struct rump_netstats ns;
	struct rump_rtentry rt;
	char bus[64], dev[RUMP_IFNAMSIZ];
	int s, v, n;

	s = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_DGRAM, 0);
	cr_assert(s >= 0);
	ifreq_name(&ifr, "lo0");
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCGIFFLAGS, &ifr) == 0);
	cr_assert(ifr.ifr_ifru.ifru_flags & RUMP_IFF_LOOPBACK);
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCGIFMTU, &ifr) == 0);
	cr_assert_gt(ifr.ifr_ifru.ifru_mtu, 0);

	/* create shmif on a bus file, address it, look at it */
	ifreq_name(&ifr, "shmif");
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCIFCREATE, &ifr) == 0);
	cr_assert_str_eq(ifr.ifr_ifrn.ifrn_name, "shmif0");
	snprintf(bus, sizeof(bus), "/tmp/t_client_net.%d.bus", getpid());
	ifr.ifr_ifru.ifru_data = bus;
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCSLINKSTR, &ifr) == 0,
	    "linkstr: %s", strerror(errno));
	cr_assert(ifr.ifr_ifru.ifru_data == bus, "our pointer back");
	ifreq_name(&ifr, "shmif0");
	sin_set(&ifr.ifr_ifru.ifru_addr, "10.1.2.3");
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCSIFADDR, &ifr) == 0);
	sin_set(&ifr.ifr_ifru.ifru_netmask, "255.255.255.0");
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCSIFNETMASK, &ifr) == 0);
	ifr.ifr_ifru.ifru_flags = RUMP_IFF_UP;
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCSIFFLAGS, &ifr) == 0);
	memset(&ifr.ifr_ifru, 0, sizeof(ifr.ifr_ifru));
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCGIFADDR, &ifr) == 0);
	cr_assert_eq(((struct rump_sockaddr_in *)&ifr.ifr_ifru.ifru_addr)->
	    sin_addr.s_addr, htonl(0x0a010203));

	/* a packet out: the counters say so */
	struct rump_sockaddr_in to;
	memset(&to, 0, sizeof(to));
	to.sin_family = RUMP_AF_INET;
	to.sin_port = htons(9);
	to.sin_addr.s_addr = htonl(0x0a0102ff);
	v = 1;
	cr_assert(rump_sys_setsockopt(s, RUMP_SOL_SOCKET, RUMP_SO_BROADCAST,
	    &v, sizeof(v)) == 0);
	cr_assert_eq(rump_sys_sendto(s, "x", 1, 0, (void *)&to, sizeof(to)),
	    1);
	memset(&st, 0, sizeof(st));
	ifr.ifr_ifru.ifru_data = &st;
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCGIFSTATS, &ifr) == 0);
	cr_assert(ifr.ifr_ifru.ifru_data == &st);
	cr_assert_geq(st.ifs_opackets, 1);
	cr_assert_geq(st.ifs_obytes, 42);
	memset(&ns, 0, sizeof(ns));
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCGNETSTATS, &ns) == 0);
	cr_assert_geq(ns.udps_opackets, 1);
	cr_assert_geq(ns.ips_localout, 1);
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCGIPFORWARD, &v) == 0);
	cr_assert(v == 0 || v == 1);

	/* SIOCGIFCONF: the size needed, then a buffer for one entry */
	memset(&ifc, 0, sizeof(ifc));
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCGIFCONF, &ifc) == 0);
	cr_assert_eq(ifc.ifc_len, 2 * (int)sizeof(struct rump_ifreq));
	memset(reqs, 0x44, sizeof(reqs));
	ifc.ifc_len = sizeof(reqs[0]);
	ifc.ifc_ifcu.ifcu_req = reqs;
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCGIFCONF, &ifc) == 0);
	cr_assert_eq(ifc.ifc_len, sizeof(reqs[0]));
	cr_assert(ifc.ifc_ifcu.ifcu_req == reqs);
	cr_assert_eq(((unsigned char *)&reqs[1])[0], 0x44, "overrun");
	ifc.ifc_len = sizeof(reqs);
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCGIFCONF, &ifc) == 0);
	n = ifc.ifc_len / (int)sizeof(reqs[0]);
	cr_assert_eq(n, 2);
	cr_assert(strcmp(reqs[0].ifr_ifrn.ifrn_name, "shmif0") == 0 ||
	    strcmp(reqs[1].ifr_ifrn.ifrn_name, "shmif0") == 0);

	/* a route through the interface, named by rt_dev */
	memset(&rt, 0, sizeof(rt));
	sin_set(&rt.rt_dst, "10.9.0.0");
	sin_set(&rt.rt_genmask, "255.255.0.0");
	sin_set(&rt.rt_gateway, "10.1.2.1");
	rt.rt_flags = RUMP_RTF_UP | RUMP_RTF_GATEWAY;
	strcpy(dev, "shmif0");
	rt.rt_dev = dev;
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCADDRT, &rt) == 0, "addrt: %s",
	    strerror(errno));
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCADDRT, &rt) == -1 &&
	    errno == EEXIST);
	strcpy(dev, "nosuch0");
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCDELRT, &rt) == -1);
	strcpy(dev, "shmif0");
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCDELRT, &rt) == 0);
	rt.rt_dev = NULL;
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCDELRT, &rt) == -1 &&
	    errno == ESRCH);

	/* bad nested pointers: EFAULT, connection alive */
	ifreq_name(&ifr, "shmif0");
	ifr.ifr_ifru.ifru_data = badptr();
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCGIFSTATS, &ifr) == -1 &&
	    errno == EFAULT);
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCSLINKSTR, &ifr) == -1 &&
	    errno == EFAULT);
	ifc.ifc_ifcu.ifcu_buf = badptr();
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCGIFCONF, &ifc) == -1 &&
	    errno == EFAULT);
	rt.rt_dev = badptr();
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCADDRT, &rt) == -1 &&
	    errno == EFAULT);
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCGIFFLAGS, badptr()) == -1 &&
	    errno == EFAULT);

	ifreq_name(&ifr, "shmif0");
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCIFDESTROY, &ifr) == 0);
	cr_assert(rump_sys_ioctl(s, RUMP_SIOCGIFFLAGS, &ifr) == -1 &&
	    errno == ENODEV);
	unlink(bus);
	check_alive();
}

/*
 * An ioctl whose _IOC bits claim memory that the argument does not
 * point to (FICLONE takes a descriptor as its "pointer"): the client
 * cannot marshal it and says EFAULT; the connection stays.
 */
Test(net, ioctl_bogus_pointer)
{
	const unsigned long ficlone = 0x40049409;   /* _IOW(0x94, 9, int) */
	int fd, n;

	cr_assert(rump_sys_open("/f0", RUMP_O_RDWR | RUMP_O_CREAT, 0644) >= 0);
	fd = rump_sys_open("/f", RUMP_O_RDWR | RUMP_O_CREAT, 0644);
	cr_assert(fd > 0);
	cr_assert(rump_sys_ioctl(fd, ficlone, (void *)(uintptr_t)fd) == -1);
	cr_assert(errno == EFAULT || errno == EINVAL);
	cr_assert(rump_sys_ioctl(fd, ficlone, badptr()) == -1 &&
	    errno == EFAULT);
	/* _IOR into unmapped memory */
	cr_assert(rump_sys_ioctl(fd, 0x80049409, badptr()) == -1 &&
	    errno == EFAULT);
	/* a described ioctl with a bad pointer */
	cr_assert(rump_sys_ioctl(fd, RUMP_FIONREAD, badptr()) == -1 &&
	    errno == EFAULT);
	check_alive();
	cr_assert(rump_sys_ioctl(fd, RUMP_FIONREAD, &n) == 0);
	cr_assert_eq(n, 0);
}
