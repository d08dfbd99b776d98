/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump.stat: a few figures of the rump kernel behind RUMP_SERVER.
 *
 *	rump.stat [-n name]
 *
 * Prints host name, virtual CPUs, memory in use and its limit, boot time,
 * uptime, processes and remote connections, one "name: value" per line;
 * -n prints the value of one of them alone.  The figures come from
 * uname(2) and the rump-only rump_sysinfo(2).  See rump.stat(1).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rumpclient.h>
#include <rump/rump_syscalls.h>

int
main(int argc, char *argv[])
{
	uint64_t v[RUMP_SYSINFO_COUNT];
	struct utsname un;
	const char *only = NULL;
	char line[9][160], names[9][16], boot[64];
	time_t bt;
	struct tm tm;
	int ch, i, nl = 0;

	while ((ch = getopt(argc, argv, "n:")) != -1) {
		if (ch != 'n') {
			fprintf(stderr, "usage: rump.stat [-n name]\n");
			return 1;
		}
		only = optarg;
	}
	if (argc != optind) {
		fprintf(stderr, "usage: rump.stat [-n name]\n");
		return 1;
	}
	if (rumpclient_init() != 0)
		return 1;
	memset(v, 0, sizeof(v));
	if (rump_sys_uname(&un) != 0 ||
	    rump_sys_rump_sysinfo(v, sizeof(v)) != (ssize_t)sizeof(v)) {
		fprintf(stderr, "rump.stat: %s\n", strerror(errno));
		return 1;
	}
	bt = (time_t)v[RUMP_SYSINFO_BOOTSEC];
	gmtime_r(&bt, &tm);
	strftime(boot, sizeof(boot), "%Y-%m-%dT%H:%M:%SZ", &tm);
#define ROW(n, ...) do { \
	snprintf(names[nl], sizeof(names[nl]), "%s", n); \
	snprintf(line[nl], sizeof(line[nl]), __VA_ARGS__); nl++; } while (0)
	ROW("hostname", "%s", un.nodename);
	ROW("ncpu", "%llu", (unsigned long long)v[RUMP_SYSINFO_NCPU]);
	ROW("meminuse", "%llu", (unsigned long long)v[RUMP_SYSINFO_MEMINUSE]);
	ROW("memlimit", "%llu", (unsigned long long)v[RUMP_SYSINFO_MEMLIMIT]);
	ROW("boottime", "%s", boot);
	ROW("uptime", "%.3f", v[RUMP_SYSINFO_UPTIMENS] / 1e9);
	ROW("nprocs", "%llu", (unsigned long long)v[RUMP_SYSINFO_NPROCS]);
	ROW("nconns", "%llu", (unsigned long long)v[RUMP_SYSINFO_NCONNS]);
	ROW("bootns", "%llu", (unsigned long long)v[RUMP_SYSINFO_BOOTNS]);
	for (i = 0; i < nl; i++) {
		if (only == NULL)
			printf("%s: %s\n", names[i], line[i]);
		else if (strcmp(only, names[i]) == 0) {
			printf("%s\n", line[i]);
			return 0;
		}
	}
	if (only != NULL) {
		fprintf(stderr, "rump.stat: unknown name %s\n", only);
		return 1;
	}
	return 0;
}
