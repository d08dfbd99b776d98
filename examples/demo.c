/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * demo.c: a tour of a rump kernel linked into an ordinary program.
 *
 * This is what `make run` starts.  The program is a host program: it
 * boots a kernel inside its own process with rump_init(), then works only
 * through the public API (rump_sys_* calls), never through the host's file
 * system.  It mounts a second tmpfs at /mnt with a size limit, builds a
 * small tree of directories, files, a symbolic link and a hard link, checks
 * that what it wrote reads back the same, lists the tree in the style of
 * `ls -l`, and prints statfs of /mnt, uname, the boot time and the memory
 * the kernel holds.
 *
 * The exit status is 0 only if every step worked; otherwise the failing
 * call is printed with strerror(errno).
 *
 * Built by examples/meson.build as rump_demo, linked with the tmpfs
 * library (which pulls in the VFS and the kernel core).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpdefs.h>

#define DEMO_MAXENT	64		/* entries listed per directory */
#define DEMO_BIGSIZE	(256 * 1024)	/* the larger file on /mnt */

/* Print the call that failed with the reason and report failure. */
static int
fail(const char *what, const char *arg)
{
	int error = errno;

	fprintf(stderr, "rump_demo: %s(%s) failed: %s\n", what, arg,
	    strerror(error));
	return -1;
}

/* Create a file at path holding len bytes of buf. */
static int
put_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	ssize_t n;
	int fd;

	if ((fd = rump_sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) < 0)
		return fail("rump_sys_open", path);
	n = rump_sys_write(fd, buf, len);
	if (n < 0) {
		rump_sys_close(fd);
		return fail("rump_sys_write", path);
	}
	if ((size_t)n != len) {
		fprintf(stderr, "rump_demo: short write to %s: %zd of %zu\n",
		    path, n, len);
		rump_sys_close(fd);
		return -1;
	}
	if (rump_sys_close(fd) != 0)
		return fail("rump_sys_close", path);
	return 0;
}

/* Read path back in small pieces and compare it with buf. */
static int
check_file(const char *path, const void *buf, size_t len)
{
	char chunk[4096];
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((fd = rump_sys_open(path, O_RDONLY, 0)) < 0)
		return fail("rump_sys_open", path);
	while ((n = rump_sys_read(fd, chunk, sizeof(chunk))) > 0) {
		if (off + (size_t)n > len ||
		    memcmp(chunk, (const char *)buf + off, (size_t)n) != 0) {
			fprintf(stderr, "rump_demo: %s: content differs at "
			    "offset %zu\n", path, off);
			rump_sys_close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (n < 0) {
		rump_sys_close(fd);
		return fail("rump_sys_read", path);
	}
	rump_sys_close(fd);
	if (off != len) {
		fprintf(stderr, "rump_demo: %s: read %zu bytes, wrote %zu\n",
		    path, off, len);
		return -1;
	}
	return 0;
}

/* Build the demonstration tree under / and /mnt. */
static int
build_tree(void)
{
	static const char notes[] =
	    "This file lives in the root tmpfs of a rump kernel.\n";
	static const char hello[] =
	    "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n";
	static const char *const dirs[] = {
		"/home", "/home/demo", "/home/demo/src", "/mnt/data",
	};
	unsigned char *big;
	size_t i;
	int error;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (rump_sys_mkdir(dirs[i], 0755) != 0)
			return fail("rump_sys_mkdir", dirs[i]);
	if (put_file("/home/demo/notes.txt", notes, strlen(notes), 0644) ||
	    put_file("/home/demo/src/hello.c", hello, strlen(hello), 0600))
		return -1;
	if (rump_sys_symlink("notes.txt", "/home/demo/readme") != 0)
		return fail("rump_sys_symlink", "/home/demo/readme");
	if (rump_sys_link("/home/demo/notes.txt", "/home/notes.hard") != 0)
		return fail("rump_sys_link", "/home/notes.hard");

	if ((big = malloc(DEMO_BIGSIZE)) == NULL)
		return fail("malloc", "big");
	for (i = 0; i < DEMO_BIGSIZE; i++)
		big[i] = (unsigned char)(i * 31 + (i >> 12));
	error = put_file("/mnt/data/blob", big, DEMO_BIGSIZE, 0640);
	if (error == 0)
		error = check_file("/mnt/data/blob", big, DEMO_BIGSIZE);
	free(big);
	if (error != 0)
		return -1;

	/* Through the symlink and the hard link, the same bytes. */
	if (check_file("/home/demo/readme", notes, strlen(notes)) ||
	    check_file("/home/notes.hard", notes, strlen(notes)) ||
	    check_file("/home/demo/src/hello.c", hello, strlen(hello)))
		return -1;
	return 0;
}

/* The ls -l mode string of m into buf (11 bytes). */
static void
mode_string(mode_t m, char *buf)
{
	static const char rwx[] = "rwxrwxrwx";
	char type;
	int i;

	switch (m & S_IFMT) {
	case S_IFDIR:  type = 'd'; break;
	case S_IFLNK:  type = 'l'; break;
	case S_IFCHR:  type = 'c'; break;
	case S_IFBLK:  type = 'b'; break;
	case S_IFIFO:  type = 'p'; break;
	case S_IFSOCK: type = 's'; break;
	default:       type = '-'; break;
	}
	buf[0] = type;
	for (i = 0; i < 9; i++)
		buf[i + 1] = (m & (0400 >> i)) ? rwx[i] : '-';
	buf[10] = '\0';
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Read the names in directory fd (except . and ..) into names[], sorted.
 * Returns the count or -1; the caller frees the names.
 */
static int
read_names(int fd, const char *path, char **names)
{
	char buf[4096];
	struct rump_dirent64 *d;
	ssize_t n, off;
	int count = 0;

	while ((n = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += d->d_reclen) {
			d = (struct rump_dirent64 *)(buf + off);
			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0)
				continue;
			if (count == DEMO_MAXENT)
				continue;
			if ((names[count] = strdup(d->d_name)) == NULL)
				return fail("strdup", d->d_name);
			count++;
		}
	}
	if (n < 0) {
		while (count > 0)
			free(names[--count]);
		return fail("rump_sys_getdents64", path);
	}
	qsort(names, (size_t)count, sizeof(names[0]), cmp_names);
	return count;
}

/* Print one entry of directory dirfd in ls -l style. */
static int
list_entry(int dirfd, const char *name, int depth, struct stat *st)
{
	char mode[11], target[256];
	ssize_t len;

	if (rump_sys_newfstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) != 0)
		return fail("rump_sys_newfstatat", name);
	mode_string(st->st_mode, mode);
	printf("  %s %2ju %8jd  %*s%s", mode, (uintmax_t)st->st_nlink,
	    (intmax_t)st->st_size, depth * 2, "", name);
	if (S_ISLNK(st->st_mode)) {
		len = rump_sys_readlinkat(dirfd, name, target,
		    sizeof(target) - 1);
		if (len < 0)
			return fail("rump_sys_readlinkat", name);
		target[len] = '\0';
		printf(" -> %s", target);
	}
	printf("%s\n", S_ISDIR(st->st_mode) ? "/" : "");
	return 0;
}

/* List directory path recursively; depth indents the names. */
static int
list_tree(const char *path, int depth)
{
	char *names[DEMO_MAXENT];
	char sub[512];
	struct stat st;
	int fd, count, i, error = 0;

	fd = rump_sys_open(path, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fail("rump_sys_open", path);
	if ((count = read_names(fd, path, names)) < 0) {
		rump_sys_close(fd);
		return -1;
	}
	for (i = 0; i < count; i++) {
		if (error == 0)
			error = list_entry(fd, names[i], depth, &st);
		if (error == 0 && S_ISDIR(st.st_mode)) {
			snprintf(sub, sizeof(sub), "%s%s%s", path,
			    strcmp(path, "/") == 0 ? "" : "/", names[i]);
			error = list_tree(sub, depth + 1);
		}
		free(names[i]);
	}
	rump_sys_close(fd);
	return error;
}

/* statfs of /mnt: the 8 MiB limit given at mount time shows here. */
static int
show_statfs(void)
{
	struct statfs sf;

	if (rump_sys_statfs("/mnt", &sf) != 0)
		return fail("rump_sys_statfs", "/mnt");
	printf("statfs /mnt: type %#lx, block %ld B, %lu blocks (%lu KiB), "
	    "%lu free, %lu files, %lu free\n",
	    (unsigned long)sf.f_type, (long)sf.f_bsize,
	    (unsigned long)sf.f_blocks,
	    (unsigned long)(sf.f_blocks * (unsigned long)sf.f_bsize / 1024),
	    (unsigned long)sf.f_bfree, (unsigned long)sf.f_files,
	    (unsigned long)sf.f_ffree);
	if (sf.f_type != RUMP_TMPFS_MAGIC) {
		fprintf(stderr, "rump_demo: /mnt is not a tmpfs\n");
		return -1;
	}
	return 0;
}

static int
show_uname(void)
{
	struct utsname u;

	if (rump_sys_uname(&u) != 0)
		return fail("rump_sys_uname", "");
	printf("uname: %s %s %s %s (%s)\n", u.sysname, u.nodename, u.release,
	    u.machine, u.version);
	return 0;
}

/* A second tmpfs at /mnt, limited to 8 MiB. */
static int
mount_mnt(void)
{
	if (rump_sys_mkdir("/mnt", 0755) != 0 && errno != EEXIST)
		return fail("rump_sys_mkdir", "/mnt");
	if (rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, "size=8m") != 0)
		return fail("rump_sys_mount", "tmpfs, /mnt, tmpfs, 0, size=8m");
	return 0;
}

/* Empty /mnt and unmount it; the kernel gives its memory back. */
static int
unmount_mnt(void)
{
	if (rump_sys_unlink("/mnt/data/blob") != 0)
		return fail("rump_sys_unlink", "/mnt/data/blob");
	if (rump_sys_rmdir("/mnt/data") != 0)
		return fail("rump_sys_rmdir", "/mnt/data");
	if (rump_sys_umount2("/mnt", 0) != 0)
		return fail("rump_sys_umount2", "/mnt");
	return 0;
}

int
main(void)
{
	uint64_t ns;
	int error;

	if ((error = rump_init()) != 0) {
		errno = error;
		fail("rump_init", "");
		return 1;
	}
	ns = rump_boot_nsec();
	printf("rump kernel booted in %ju.%03ju ms, pid %d in the kernel\n",
	    (uintmax_t)(ns / 1000000), (uintmax_t)(ns / 1000 % 1000),
	    (int)rump_sys_getpid());

	if (mount_mnt() != 0)
		return 1;
	printf("mounted tmpfs on /mnt (size=8m)\n");

	if (build_tree() != 0)
		return 1;
	printf("wrote and read back 3 files, through a symlink and a hard "
	    "link\n\n");

	printf("ls -lR /\n");
	if (list_tree("/", 0) != 0)
		return 1;
	printf("\n");
	if (show_statfs() != 0 || show_uname() != 0)
		return 1;

	printf("kernel memory in use: %ju KiB\n",
	    (uintmax_t)(rump_kmem_inuse() / 1024));
	if (unmount_mnt() != 0)
		return 1;
	printf("after emptying and unmounting /mnt: %ju KiB\n",
	    (uintmax_t)(rump_kmem_inuse() / 1024));
	printf("all steps worked\n");
	return 0;
}
