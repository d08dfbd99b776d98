/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netconfig.h: configuring a rump kernel's network from the program that
 * holds it, without building ioctl structures (rump_netconfig(3)).
 *
 *	rump_init();
 *	rump_pub_shmif_create("/tmp/bus", &unit);          -> shmif<unit>
 *	rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "10.0.0.1", 24);
 *	rump_pub_netconfig_ipv4_gw("10.0.0.254");
 *
 * Every function returns 0 or an errno value (ENXIO: no such interface,
 * EINVAL: a malformed address or name, EEXIST, ENETUNREACH for a gateway
 * on no connected network, EAFNOSUPPORT if the kernel has no netinet).
 * Setting an address also brings the interface up.
 */
#ifndef _RUMP_NETCONFIG_H_
#define _RUMP_NETCONFIG_H_

#ifdef __cplusplus
extern "C" {
#endif

int rump_pub_netconfig_ifcreate(const char *ifname);
int rump_pub_netconfig_ifdestroy(const char *ifname);
int rump_pub_netconfig_ifup(const char *ifname);
int rump_pub_netconfig_ifdown(const char *ifname);
int rump_pub_netconfig_ifsetlinkstr(const char *ifname, const char *linkstr);
int rump_pub_netconfig_ifmtu(const char *ifname, int mtu);
int rump_pub_netconfig_ipv4_ifaddr(const char *ifname, const char *addr,
    const char *mask);
int rump_pub_netconfig_ipv4_ifaddr_cidr(const char *ifname, const char *addr,
    int prefixlen);
int rump_pub_netconfig_ipv4_gw(const char *gwaddr);
int rump_pub_netconfig_ipv4_route(const char *dst, int prefixlen,
    const char *gwaddr);
/* Enable (1) or disable (0) forwarding between interfaces (default 1). */
int rump_pub_netconfig_ipv4_forwarding(int on);

/* Create a shmif interface on the bus file busfile (created if missing);
 * *unitp (may be NULL) gets its unit: the name is "shmif<unit>". */
int rump_pub_shmif_create(const char *busfile, int *unitp);

/*
 * Testing and fuzzing: hand frame[len] to ifname's link-layer input as
 * if the interface had received it, processed to the end on the calling
 * thread (replies go out through the interface as usual).  0, ENXIO,
 * EINVAL (len 0 or above 65549 bytes), ENOBUFS.
 */
int rump_pub_netconfig_ifinject(const char *ifname, const void *frame,
    unsigned long len);

#ifdef __cplusplus
}
#endif

#endif /* _RUMP_NETCONFIG_H_ */
