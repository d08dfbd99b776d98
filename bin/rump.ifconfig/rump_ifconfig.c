/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump.ifconfig: configure the network interfaces of the rump kernel
 * behind RUMP_SERVER.
 *
 *	rump.ifconfig [-a]
 *	rump.ifconfig IF
 *	rump.ifconfig IF create | destroy
 *	rump.ifconfig IF [create] [linkstr PATH] [[inet] ADDR[/PREFIX]]
 *	    [netmask MASK] [broadcast ADDR] [delete] [mtu N] [up | down]
 *	rump.ifconfig IF [inet] ADDR[/PREFIX] alias [netmask MASK]
 *	    [broadcast ADDR]
 *	rump.ifconfig IF [inet] ADDR -alias | delete
 *
 * Everything goes through the interface ioctls of a remote AF_INET
 * datagram socket (docs/net.md), marshalled by librumpclient's @ioctl
 * and @ioctlptr rules.  The settings are applied in the order create,
 * linkstr, address, netmask, broadcast, delete, mtu, up/down, destroy,
 * whatever their order on the command line.  An address with alias is
 * added beside the others (RUMP_SIOCAIFADDR, with its netmask and
 * broadcast address); an address with delete or -alias is deleted
 * (SIOCDIFADDR; delete alone deletes the primary address).  The listing
 * shows every address (RUMP_SIOCGIFADDRTABLE, read through
 * nettab_client.c), the primary one first.  See rump.ifconfig(8).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rump/rumpclient.h>
#include <rump/rumpdefs.h>
#include <rump/rump_syscalls.h>

#include "nettab_client.h"

static const char *prog = "rump.ifconfig";
static int sock = -1;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-a]\n"
	    "       %s IF [create] [destroy] [linkstr PATH] "
	    "[[inet] ADDR[/PREFIX]]\n"
	    "           [netmask MASK] [broadcast ADDR] [delete] [mtu N] "
	    "[up | down]\n"
	    "       %s IF [inet] ADDR[/PREFIX] alias [netmask MASK] "
	    "[broadcast ADDR]\n"
	    "       %s IF [inet] ADDR -alias | delete\n", prog, prog, prog,
	    prog);
	exit(2);
}

static void
ifr_init(struct rump_ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_ifrn.ifrn_name, RUMP_IFNAMSIZ, "%s", name);
}

static int
xioctl(unsigned long cmd, void *arg, const char *what, const char *ifname)
{
	if (rump_sys_ioctl(sock, cmd, arg) == 0)
		return 0;
	fprintf(stderr, "%s: %s: %s: %s\n", prog, ifname, what,
	    strerror(errno));
	return -1;
}

static int
parse_addr(const char *s, uint32_t *ap)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return -1;
	*ap = in.s_addr;
	return 0;
}

static void
sin_put(struct rump_sockaddr *sa, uint32_t a)
{
	struct rump_sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = RUMP_AF_INET;
	sin.sin_addr.s_addr = a;
	memcpy(sa, &sin, sizeof(sin));
}

static const char *
sin_str(const struct rump_sockaddr *sa, char *buf)
{
	struct rump_sockaddr_in sin;

	memcpy(&sin, sa, sizeof(sin));
	return inet_ntop(AF_INET, &sin.sin_addr, buf, INET_ADDRSTRLEN);
}

static void
flags_str(int flags, char *buf, size_t len)
{
	static const struct { int f; const char *n; } names[] = {
		{ RUMP_IFF_UP, "UP" }, { RUMP_IFF_BROADCAST, "BROADCAST" },
		{ RUMP_IFF_DEBUG, "DEBUG" }, { RUMP_IFF_LOOPBACK, "LOOPBACK" },
		{ RUMP_IFF_POINTOPOINT, "POINTOPOINT" },
		{ RUMP_IFF_RUNNING, "RUNNING" }, { RUMP_IFF_NOARP, "NOARP" },
		{ RUMP_IFF_PROMISC, "PROMISC" },
		{ RUMP_IFF_MULTICAST, "MULTICAST" },
	};
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].f))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "",
		    names[i].n);
		if (n >= len)
			break;
	}
}

/* The addresses of name beside its primary one. */
static void
show_aliases(const char *name, int flags)
{
	struct rump_ifaddrrec *ir;
	char a[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	unsigned n, i;

	if (nettab_fetch(sock, RUMP_SIOCGIFADDRTABLE, sizeof(*ir),
	    (void **)&ir, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		if ((ir[i].ir_flags & RUMP_IFA_PRIMARY) ||
		    strncmp(ir[i].ir_ifname, name, RUMP_IFNAMSIZ) != 0)
			continue;
		inet_ntop(AF_INET, &ir[i].ir_addr, a, sizeof(a));
		inet_ntop(AF_INET, &ir[i].ir_mask, m, sizeof(m));
		inet_ntop(AF_INET, &ir[i].ir_broad, b, sizeof(b));
		printf("\tinet %s netmask %s", a, m);
		if (flags & RUMP_IFF_BROADCAST)
			printf(" broadcast %s", b);
		printf(" alias\n");
	}
	free(ir);
}

/* Print one interface; 0, or -1 if it does not exist. */
static int
show(const char *name)
{
	struct rump_ifreq ifr;
	struct rump_ifstats st;
	char fl[128], a[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN],
	    b[INET_ADDRSTRLEN];
	const unsigned char *hw;
	int flags, mtu, type;

	ifr_init(&ifr, name);
	if (xioctl(RUMP_SIOCGIFFLAGS, &ifr, "flags", name) != 0)
		return -1;
	flags = (uint16_t)ifr.ifr_ifru.ifru_flags;
	ifr_init(&ifr, name);
	mtu = rump_sys_ioctl(sock, RUMP_SIOCGIFMTU, &ifr) == 0 ?
	    ifr.ifr_ifru.ifru_mtu : 0;
	flags_str(flags, fl, sizeof(fl));
	printf("%s: flags=%#x<%s> mtu %d\n", name, flags, fl, mtu);
	ifr_init(&ifr, name);
	if (rump_sys_ioctl(sock, RUMP_SIOCGIFHWADDR, &ifr) == 0) {
		type = ifr.ifr_ifru.ifru_hwaddr.sa_family;
		hw = (const unsigned char *)ifr.ifr_ifru.ifru_hwaddr.sa_data;
		if (type == RUMP_ARPHRD_ETHER)
			printf("\tether %02x:%02x:%02x:%02x:%02x:%02x\n",
			    hw[0], hw[1], hw[2], hw[3], hw[4], hw[5]);
		else if (type == RUMP_ARPHRD_LOOPBACK)
			printf("\tloop\n");
	}
	ifr_init(&ifr, name);
	if (rump_sys_ioctl(sock, RUMP_SIOCGIFADDR, &ifr) == 0) {
		sin_str(&ifr.ifr_ifru.ifru_addr, a);
		ifr_init(&ifr, name);
		if (rump_sys_ioctl(sock, RUMP_SIOCGIFNETMASK, &ifr) != 0)
			memset(&ifr, 0, sizeof(ifr));
		sin_str(&ifr.ifr_ifru.ifru_netmask, m);
		ifr_init(&ifr, name);
		if (rump_sys_ioctl(sock, RUMP_SIOCGIFBRDADDR, &ifr) != 0)
			memset(&ifr, 0, sizeof(ifr));
		sin_str(&ifr.ifr_ifru.ifru_broadaddr, b);
		printf("\tinet %s netmask %s", a, m);
		if (flags & RUMP_IFF_BROADCAST)
			printf(" broadcast %s", b);
		printf("\n");
		show_aliases(name, flags);
	}
	ifr_init(&ifr, name);
	memset(&st, 0, sizeof(st));
	ifr.ifr_ifru.ifru_data = &st;
	if (rump_sys_ioctl(sock, RUMP_SIOCGIFSTATS, &ifr) == 0) {
		printf("\tRX packets %llu bytes %llu errors %llu dropped %llu\n",
		    (unsigned long long)st.ifs_ipackets,
		    (unsigned long long)st.ifs_ibytes,
		    (unsigned long long)st.ifs_ierrors,
		    (unsigned long long)st.ifs_iqdrops);
		printf("\tTX packets %llu bytes %llu errors %llu collisions "
		    "%llu overruns %llu\n",
		    (unsigned long long)st.ifs_opackets,
		    (unsigned long long)st.ifs_obytes,
		    (unsigned long long)st.ifs_oerrors,
		    (unsigned long long)st.ifs_collisions,
		    (unsigned long long)st.ifs_overruns);
		if (st.ifs_impdrops + st.ifs_impdups + st.ifs_impreorders +
		    st.ifs_impdelays != 0)
			printf("\timpairment dropped %llu duplicated %llu "
			    "reordered %llu delayed %llu\n",
			    (unsigned long long)st.ifs_impdrops,
			    (unsigned long long)st.ifs_impdups,
			    (unsigned long long)st.ifs_impreorders,
			    (unsigned long long)st.ifs_impdelays);
	}
	return 0;
}

/*
 * Every interface, by index: SIOCGIFCONF lists only those with an
 * address.  Indexes of destroyed interfaces leave gaps.
 */
static int
show_all(void)
{
	struct rump_ifreq ifr;
	int idx, misses = 0, rv = 0;

	for (idx = 1; idx < 4096 && misses < 64; idx++) {
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_ifru.ifru_ivalue = idx;
		if (rump_sys_ioctl(sock, RUMP_SIOCGIFNAME, &ifr) != 0) {
			if (errno != ENODEV && errno != ENXIO) {
				fprintf(stderr, "%s: SIOCGIFNAME: %s\n", prog,
				    strerror(errno));
				return 1;
			}
			misses++;
			continue;
		}
		misses = 0;
		ifr.ifr_ifrn.ifrn_name[RUMP_IFNAMSIZ - 1] = '\0';
		if (show(ifr.ifr_ifrn.ifrn_name) != 0)
			rv = 1;
	}
	return rv;
}

int
main(int argc, char *argv[])
{
	struct rump_ifreq ifr;
	const char *ifname, *linkstr = NULL;
	char name[RUMP_IFNAMSIZ];
	uint32_t addr = 0, mask = 0, brd = 0;
	int i, create = 0, destroy = 0, del = 0, up = -1, mtu = -1;
	int haveaddr = 0, havemask = 0, havebrd = 0, prefix, alias = 0;
	char *slash, *end;

	if (argc >= 2 && strcmp(argv[1], "-h") == 0)
		usage();
	if (rumpclient_init() != 0) {
		fprintf(stderr, "%s: cannot reach RUMP_SERVER\n", prog);
		return 1;
	}
	sock = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_DGRAM, 0);
	if (sock < 0) {
		fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
		return 1;
	}
	if (argc == 1 || (argc == 2 && strcmp(argv[1], "-a") == 0))
		return show_all();
	if (argv[1][0] == '-')
		usage();
	ifname = argv[1];
	if (strlen(ifname) >= RUMP_IFNAMSIZ) {
		fprintf(stderr, "%s: %s: name too long\n", prog, ifname);
		return 1;
	}
	snprintf(name, sizeof(name), "%s", ifname);
	if (argc == 2)
		return show(name) == 0 ? 0 : 1;

	for (i = 2; i < argc; i++) {
		const char *w = argv[i];

		if (strcmp(w, "create") == 0) {
			create = 1;
		} else if (strcmp(w, "destroy") == 0) {
			destroy = 1;
		} else if (strcmp(w, "up") == 0) {
			up = 1;
		} else if (strcmp(w, "down") == 0) {
			up = 0;
		} else if (strcmp(w, "delete") == 0 ||
		    strcmp(w, "-alias") == 0) {
			del = 1;
		} else if (strcmp(w, "alias") == 0) {
			alias = 1;
		} else if (strcmp(w, "inet") == 0) {
			continue;
		} else if (i + 1 < argc && strcmp(w, "mtu") == 0) {
			long v = strtol(argv[++i], &end, 10);
			if (*end != '\0' || v <= 0 || v > 65535)
				usage();
			mtu = (int)v;
		} else if (i + 1 < argc && strcmp(w, "linkstr") == 0) {
			linkstr = argv[++i];
		} else if (i + 1 < argc && strcmp(w, "netmask") == 0) {
			if (parse_addr(argv[++i], &mask) != 0)
				usage();
			havemask = 1;
		} else if (i + 1 < argc && strcmp(w, "broadcast") == 0) {
			if (parse_addr(argv[++i], &brd) != 0)
				usage();
			havebrd = 1;
		} else if (!haveaddr) {
			char buf[64];

			snprintf(buf, sizeof(buf), "%s", w);
			slash = strchr(buf, '/');
			if (slash != NULL) {
				*slash++ = '\0';
				prefix = (int)strtol(slash, &end, 10);
				if (*slash == '\0' || *end != '\0' ||
				    prefix < 0 || prefix > 32)
					usage();
				mask = prefix == 0 ? 0 :
				    htonl(0xffffffffu << (32 - prefix));
				havemask = 1;
			}
			if (parse_addr(buf, &addr) != 0) {
				fprintf(stderr, "%s: bad address or keyword "
				    "%s\n", prog, w);
				usage();
			}
			haveaddr = 1;
		} else {
			usage();
		}
	}

	if (create) {
		ifr_init(&ifr, name);
		if (xioctl(RUMP_SIOCIFCREATE, &ifr, "create", name) != 0)
			return 1;
		/* "shmif" alone: the kernel picks the unit */
		snprintf(name, sizeof(name), "%s", ifr.ifr_ifrn.ifrn_name);
		if (strcmp(name, ifname) != 0)
			printf("%s\n", name);
	}
	if (linkstr != NULL) {
		ifr_init(&ifr, name);
		ifr.ifr_ifru.ifru_data = (void *)(uintptr_t)linkstr;
		if (xioctl(RUMP_SIOCSLINKSTR, &ifr, "linkstr", name) != 0)
			return 1;
	}
	if (alias && (!haveaddr || del))
		usage();
	if (alias) {
		struct rump_in_aliasreq ifra;

		memset(&ifra, 0, sizeof(ifra));
		snprintf(ifra.ifra_name, sizeof(ifra.ifra_name), "%s", name);
		sin_put(&ifra.ifra_addr, addr);
		if (havemask)
			sin_put(&ifra.ifra_mask, mask);
		if (havebrd)
			sin_put(&ifra.ifra_broadaddr, brd);
		if (xioctl(RUMP_SIOCAIFADDR, &ifra, "alias", name) != 0)
			return 1;
		haveaddr = havemask = havebrd = 0;
	}
	if (del && haveaddr) {
		/* That address, not the primary one. */
		ifr_init(&ifr, name);
		sin_put(&ifr.ifr_ifru.ifru_addr, addr);
		if (xioctl(RUMP_SIOCDIFADDR, &ifr, "delete", name) != 0)
			return 1;
		haveaddr = del = 0;
	}
	if (haveaddr) {
		ifr_init(&ifr, name);
		sin_put(&ifr.ifr_ifru.ifru_addr, addr);
		if (xioctl(RUMP_SIOCSIFADDR, &ifr, "address", name) != 0)
			return 1;
	}
	if (havemask) {
		ifr_init(&ifr, name);
		sin_put(&ifr.ifr_ifru.ifru_netmask, mask);
		if (xioctl(RUMP_SIOCSIFNETMASK, &ifr, "netmask", name) != 0)
			return 1;
	}
	if (havebrd) {
		ifr_init(&ifr, name);
		sin_put(&ifr.ifr_ifru.ifru_broadaddr, brd);
		if (xioctl(RUMP_SIOCSIFBRDADDR, &ifr, "broadcast", name) != 0)
			return 1;
	}
	if (del) {
		ifr_init(&ifr, name);
		if (xioctl(RUMP_SIOCDIFADDR, &ifr, "delete", name) != 0)
			return 1;
	}
	if (mtu >= 0) {
		ifr_init(&ifr, name);
		ifr.ifr_ifru.ifru_mtu = mtu;
		if (xioctl(RUMP_SIOCSIFMTU, &ifr, "mtu", name) != 0)
			return 1;
	}
	if (up >= 0) {
		ifr_init(&ifr, name);
		if (xioctl(RUMP_SIOCGIFFLAGS, &ifr, "flags", name) != 0)
			return 1;
		if (up)
			ifr.ifr_ifru.ifru_flags |= RUMP_IFF_UP;
		else
			ifr.ifr_ifru.ifru_flags &= ~RUMP_IFF_UP;
		if (xioctl(RUMP_SIOCSIFFLAGS, &ifr, up ? "up" : "down",
		    name) != 0)
			return 1;
	}
	if (destroy) {
		ifr_init(&ifr, name);
		if (xioctl(RUMP_SIOCIFDESTROY, &ifr, "destroy", name) != 0)
			return 1;
	}
	return 0;
}
