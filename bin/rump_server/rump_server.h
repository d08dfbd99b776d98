/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump_server.h: declarations shared by rump_server's source files.
 */
#ifndef _BIN_RUMP_SERVER_H_
#define _BIN_RUMP_SERVER_H_

#include <stdint.h>

enum { DS_REG, DS_BLK, DS_CHR };      /* rump_etfs_type values */

struct drivespec {
	const char *ds_spec;      /* as given, for messages */
	char *ds_key;
	char *ds_hostpath;
	uint64_t ds_size;
	uint64_t ds_offset;
	int ds_type;
	int ds_part;              /* disklabel=P, 0: none */
	int ds_hassize, ds_sizehost, ds_hasoffset;
};

/* Parse a -d argument: 0, or EINVAL with a message naming the token. */
int drivespec_parse(const char *spec, struct drivespec *ds);
/*
 * Create or extend the host file, resolve size=host and disklabel=P:
 * 0, or EINVAL with a message.
 */
int drivespec_prepare(struct drivespec *ds);

#endif /* _BIN_RUMP_SERVER_H_ */
