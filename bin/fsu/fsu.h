/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu.h: the fs-utils commands' private declarations.
 *
 * fsu is one program with many names (fsu_ls, fsu_cp, ...; or "fsu ls").
 * Each command boots an in-process rump kernel, mounts the image given as
 * its first operand (librumpfsu), runs in a kernel process chrooted to the
 * image's root (so image paths are plain paths and ".." cannot leave the
 * image), and unmounts before exiting.  Host files are reached through
 * the same small table of operations (struct fsu_ops) as image files, so
 * cp and diff work in every direction with one body.
 *
 * Conventions: functions return 0 or -1 with errno set, like the C
 * library; a command prints one line per error, "fsu_xx: path: reason",
 * and exits 1 (2 for usage errors).
 */
#ifndef _FSU_H_
#define _FSU_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* File operations on one side: the host, or the image. */
struct fsu_ops {
	const char *name;
	int (*lstat)(const char *, struct stat *);
	int (*stat)(const char *, struct stat *);
	int (*open)(const char *, int, mode_t);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	int (*close)(int);
	int (*mkdir)(const char *, mode_t);
	int (*rmdir)(const char *);
	int (*unlink)(const char *);
	int (*rename)(const char *, const char *);
	int (*symlink)(const char *, const char *);
	ssize_t (*readlink)(const char *, char *, size_t);
	int (*link)(const char *, const char *);
	int (*mknod)(const char *, mode_t, dev_t);
	int (*chmod)(const char *, mode_t);
	int (*lchown)(const char *, uid_t, gid_t);
	int (*lutimens)(const char *, const struct timespec *);
};

extern const struct fsu_ops fsu_host, fsu_image;

/* Sorted names of a directory, without . and ..; free with fsu_freelist. */
int fsu_listdir(const struct fsu_ops *ops, const char *dir, char ***names,
    size_t *count);
void fsu_freelist(char **names, size_t count);
/* dir + "/" + name into out[PATH_MAX]; ENAMETOOLONG as -1. */
int fsu_join(char *out, const char *dir, const char *name);

extern const char *fsu_prog;
void fsu_err(const char *path, int error);
void fsu_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Options every command takes (-t fstype, -o mount options) are handled
 * by fsu_getopt(), a getopt() that also accepts them; the first operand is
 * the image.  fsu_open() mounts it (writable if rw) and enters the image;
 * fsu_close() leaves, syncs and unmounts, and returns the exit status.
 */
int fsu_getopt(int argc, char **argv, const char *opts);
int fsu_open(int argc, char **argv, bool rw);
int fsu_close(int status);
void fsu_usage(const char *args) __attribute__((noreturn));

int fsu_ls_main(int, char **);
int fsu_stat_main(int, char **);
int fsu_find_main(int, char **);
int fsu_du_main(int, char **);
int fsu_df_main(int, char **);
int fsu_cat_main(int, char **);
int fsu_write_main(int, char **);
int fsu_cp_main(int, char **);
int fsu_mv_main(int, char **);
int fsu_diff_main(int, char **);
int fsu_rm_main(int, char **);
int fsu_mkdir_main(int, char **);
int fsu_rmdir_main(int, char **);
int fsu_ln_main(int, char **);
int fsu_chmod_main(int, char **);
int fsu_chown_main(int, char **);
int fsu_touch_main(int, char **);

/* Mode string "drwxr-xr-x" of m into buf[11]. */
void fsu_modestr(mode_t m, char *buf);
/* Parse an octal or symbolic (u+x,go-w,a=r) mode against old. */
int fsu_parsemode(const char *s, mode_t old, mode_t *out);

#endif /* _FSU_H_ */
