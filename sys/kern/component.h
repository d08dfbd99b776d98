/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * component.h: how a kernel component joins the kernel.
 *
 *	RUMP_COMPONENT(RUMP_COMPONENT_VFS)
 *	{
 *		... set up; return 0 or an errno value ...
 *	}
 *
 * The macro places a descriptor in the "rump_components" ELF section of
 * the object it is built into.  rump_init() finds the descriptors of every
 * loaded object (the hypervisor's rumpuser_dl_bootstrap()) and runs them in
 * level order, each once.  A component that fails makes rump_init() fail.
 * The layout of struct rump_component is known to the hypervisor (it walks
 * the section): keep lib/librumpuser/rumpuser_int.h in step.
 */
#ifndef _SYS_KERN_COMPONENT_H_
#define _SYS_KERN_COMPONENT_H_

#include "kern.h"

enum rump_component_level {
	RUMP_COMPONENT_KERN = 1,     /* core services beyond the base */
	RUMP_COMPONENT_KERN_VFS,     /* core pieces VFS relies on */
	RUMP_COMPONENT_VFS,          /* the VFS itself */
	RUMP_COMPONENT_FS,           /* file systems register */
	RUMP_COMPONENT_VFS_ROOT,     /* the root file system is mounted */
	RUMP_COMPONENT_NET,          /* socket layer, domains */
	RUMP_COMPONENT_NET_ROUTE,
	RUMP_COMPONENT_NET_IF,       /* interface drivers */
	RUMP_COMPONENT_NET_IFCFG,    /* interface configuration */
	RUMP_COMPONENT_DEV,          /* device drivers */
	RUMP_COMPONENT_POSTINIT,     /* after everything else */
	RUMP_COMPONENT_MAX
};

struct rump_component {
	int rc_level;
	int (*rc_init)(void);
	const char *rc_name;
	const void *rc_spare;
};

#define RUMP_COMPONENT_CONCAT2(a, b) a##b
#define RUMP_COMPONENT_CONCAT(a, b) RUMP_COMPONENT_CONCAT2(a, b)
#define RUMP_COMPONENT_NAME(p) RUMP_COMPONENT_CONCAT(p, __LINE__)
#define RUMP_COMPONENT(level)						\
	static int RUMP_COMPONENT_NAME(rumpcomp_init_)(void);		\
	static const struct rump_component				\
	    RUMP_COMPONENT_NAME(rumpcomp_desc_)				\
	    __attribute__((__section__("rump_components"), __used__,	\
	    __aligned__(8))) = {					\
		.rc_level = (level),					\
		.rc_init = RUMP_COMPONENT_NAME(rumpcomp_init_),		\
		.rc_name = __FILE__,					\
	};								\
	static int RUMP_COMPONENT_NAME(rumpcomp_init_)(void)

#endif /* _SYS_KERN_COMPONENT_H_ */
