/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser_dl.c: discovery of the kernel components loaded in the process.
 *
 * Each kernel component places a struct rump_component in the ELF section
 * "rump_components" (the kernel's RUMP_COMPONENT() macro).  The kernel's
 * rump_init() (sys/kern) calls rumpuser_dl_bootstrap() to learn about every
 * component of the program and of its shared objects, including objects
 * loaded later with dlopen(), and calls it again after loading a module.
 *
 * For every object the loader reports (dl_iterate_phdr), the entries are
 * found in one of two ways:
 *  1. the linker's __start_rump_components and __stop_rump_components
 *     symbols, looked up with dlsym() on the object's own handle.  dlsym()
 *     also searches the object's dependencies, so an address is accepted
 *     only if it lies inside one of the object's own loaded segments;
 *  2. if the object does not export both symbols (a program not linked with
 *     --export-dynamic, an object that never refers to them), the section
 *     header table of the object's file: the program is read through
 *     /proc/self/exe.  The file is used only if its program headers are
 *     the ones loaded, and the section only if it lies in a loaded segment.
 * Objects are reported in the loader's order, entries in section order,
 * and a section found twice in one call is reported once.
 *
 * The call does not release the virtual CPU: the kernel may call it before
 * its scheduler runs, and add() is kernel code.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rumpuser_int.h"

/* Limits on what is read from an object's file. */
#define RU_DL_MAXTABLE ((size_t)16 << 20)

/* A loaded object, copied out of dl_iterate_phdr(). */
struct ru_dlobj {
	char *o_name;           /* "" for the program */
	ElfW(Addr) o_base;      /* load bias */
	ElfW(Phdr) *o_phdr;     /* copy of its program headers */
	size_t o_phnum;
};

struct ru_dllist {
	struct ru_dlobj *l_objs;
	size_t l_n;
	size_t l_cap;
	int l_error;
};

/* A rump_components section found in memory. */
struct ru_dlsect {
	const struct rump_component *s_start;
	size_t s_count;
};

static int
ru_dl_collect(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct ru_dllist *list = arg;
	struct ru_dlobj *o, *objs;
	size_t cap;

	if (info->dlpi_phnum == 0)
		return 0;
	if (list->l_n == list->l_cap) {
		cap = list->l_cap ? list->l_cap * 2 : 16;
		objs = realloc(list->l_objs, cap * sizeof(*objs));
		if (objs == NULL)
			goto nomem;
		list->l_objs = objs;
		list->l_cap = cap;
	}
	o = &list->l_objs[list->l_n];
	o->o_name = strdup(info->dlpi_name != NULL ? info->dlpi_name : "");
	o->o_phdr = malloc(info->dlpi_phnum * sizeof(ElfW(Phdr)));
	if (o->o_name == NULL || o->o_phdr == NULL) {
		free(o->o_name);
		free(o->o_phdr);
		goto nomem;
	}
	memcpy(o->o_phdr, info->dlpi_phdr, info->dlpi_phnum * sizeof(ElfW(Phdr)));
	o->o_phnum = info->dlpi_phnum;
	o->o_base = info->dlpi_addr;
	list->l_n++;
	return 0;
nomem:
	list->l_error = ENOMEM;
	return 1;
}

/* Does [addr, addr + len) lie inside one loaded segment of o? */
static int
ru_dl_inside(const struct ru_dlobj *o, uintptr_t addr, size_t len)
{
	const ElfW(Phdr) *ph;
	uintptr_t start, end;
	size_t i;

	for (i = 0; i < o->o_phnum; i++) {
		ph = &o->o_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		start = o->o_base + ph->p_vaddr;
		end = start + ph->p_memsz;
		if (addr >= start && addr <= end && len <= end - addr)
			return 1;
	}
	return 0;
}

/*
 * Turn an address range into a section description.  Returns 0, ENOENT if
 * the range is not inside o, or EINVAL if it is not an array of entries
 * (a message says so).
 */
static int
ru_dl_section(const struct ru_dlobj *o, uintptr_t start, size_t len,
    struct ru_dlsect *sp)
{
	const char *name = o->o_name[0] != '\0' ? o->o_name : "program";

	if (!ru_dl_inside(o, start, len))
		return ENOENT;
	if (len % sizeof(struct rump_component) != 0 ||
	    start % alignof(struct rump_component) != 0) {
		fprintf(stderr, "rumpuser: %s: section " RU_COMPONENT_SECTION
		    " of %zu bytes is not an array of %zu-byte entries, "
		    "ignored\n", name, len, sizeof(struct rump_component));
		return EINVAL;
	}
	sp->s_start = (const struct rump_component *)start;
	sp->s_count = len / sizeof(struct rump_component);
	return 0;
}

/* Way 1: the linker's start and stop symbols, exported by the object. */
static int
ru_dl_by_symbols(const struct ru_dlobj *o, struct ru_dlsect *sp)
{
	void *handle, *start, *stop;
	int error = ENOENT;

	handle = dlopen(o->o_name[0] != '\0' ? o->o_name : NULL,
	    RTLD_LAZY | RTLD_NOLOAD);
	if (handle == NULL)
		return ENOENT;
	start = dlsym(handle, "__start_" RU_COMPONENT_SECTION);
	stop = dlsym(handle, "__stop_" RU_COMPONENT_SECTION);
	if (start != NULL && stop != NULL && (uintptr_t)start <= (uintptr_t)stop)
		error = ru_dl_section(o, (uintptr_t)start,
		    (uintptr_t)stop - (uintptr_t)start, sp);
	dlclose(handle);
	return error;
}

/* Read exactly len bytes at off; 0 or an errno (EIO for a short file). */
static int
ru_dl_pread(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done,
		    (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return EIO;
		done += (size_t)n;
	}
	return 0;
}

/* Read a table of n entries of size bytes at off into a new buffer. */
static int
ru_dl_read_table(int fd, uint64_t off, size_t n, size_t size, void **bufp)
{
	void *buf;
	int error;

	if (n == 0 || n > RU_DL_MAXTABLE / size)
		return EINVAL;
	buf = malloc(n * size);
	if (buf == NULL)
		return ENOMEM;
	error = ru_dl_pread(fd, buf, n * size, off);
	if (error != 0) {
		free(buf);
		return error;
	}
	*bufp = buf;
	return 0;
}

/*
 * Find the rump_components section in the section headers of the open ELF
 * file fd, which must be the file o was loaded from.  0 and *sp, or an
 * errno (ENOENT: no such section).
 */
static int
ru_dl_scan_elf(int fd, const struct ru_dlobj *o, struct ru_dlsect *sp)
{
	ElfW(Ehdr) eh;
	ElfW(Shdr) sh0, *sh = NULL, *s;
	ElfW(Phdr) *ph = NULL;
	char *strtab = NULL;
	size_t shnum, phnum, shstrndx, i;
	int error;

	if ((error = ru_dl_pread(fd, &eh, sizeof(eh), 0)) != 0)
		return error;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 :
	    ELFCLASS32) || eh.e_shentsize != sizeof(ElfW(Shdr)) ||
	    eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_shoff == 0)
		return ENOENT;

	/* Counts beyond 16 bits are kept in section header 0. */
	shnum = eh.e_shnum;
	phnum = eh.e_phnum;
	shstrndx = eh.e_shstrndx;
	if (shnum == 0 || phnum == PN_XNUM || shstrndx == SHN_XINDEX) {
		if ((error = ru_dl_pread(fd, &sh0, sizeof(sh0), eh.e_shoff)))
			return error;
		if (shnum == 0)
			shnum = sh0.sh_size;
		if (phnum == PN_XNUM)
			phnum = sh0.sh_info;
		if (shstrndx == SHN_XINDEX)
			shstrndx = sh0.sh_link;
	}

	/* Is this file what is loaded? */
	if (phnum != o->o_phnum)
		return ENOENT;
	error = ru_dl_read_table(fd, eh.e_phoff, phnum, sizeof(*ph),
	    (void **)&ph);
	if (error != 0)
		return error;
	if (memcmp(ph, o->o_phdr, phnum * sizeof(*ph)) != 0) {
		error = ENOENT;
		goto out;
	}

	error = ru_dl_read_table(fd, eh.e_shoff, shnum, sizeof(*sh),
	    (void **)&sh);
	if (error != 0)
		goto out;
	if (shstrndx >= shnum || sh[shstrndx].sh_size == 0) {
		error = ENOENT;
		goto out;
	}
	error = ru_dl_read_table(fd, sh[shstrndx].sh_offset,
	    sh[shstrndx].sh_size, 1, (void **)&strtab);
	if (error != 0)
		goto out;
	strtab[sh[shstrndx].sh_size - 1] = '\0';

	error = ENOENT;
	for (i = 0; i < shnum; i++) {
		s = &sh[i];
		if (s->sh_name >= sh[shstrndx].sh_size ||
		    strcmp(strtab + s->sh_name, RU_COMPONENT_SECTION) != 0)
			continue;
		if ((s->sh_flags & SHF_ALLOC) == 0 || s->sh_type == SHT_NOBITS)
			break;
		error = ru_dl_section(o, o->o_base + s->sh_addr, s->sh_size,
		    sp);
		break;
	}
out:
	free(strtab);
	free(sh);
	free(ph);
	return error;
}

/* Way 2: the section headers of the object's file. */
static int
ru_dl_by_file(const struct ru_dlobj *o, struct ru_dlsect *sp)
{
	const char *path;
	int fd, error;

	if (o->o_name[0] == '\0')
		path = "/proc/self/exe";
	else if (strchr(o->o_name, '/') != NULL)
		path = o->o_name;
	else
		return ENOENT; /* the vDSO, no file */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	error = ru_dl_scan_elf(fd, o, sp);
	close(fd);
	return error;
}

/*
 * Call add once for every component of every loaded object.  Objects
 * without components are skipped silently.
 */
void
rumpuser_dl_bootstrap(rump_component_init_fn add)
{
	struct ru_dllist list = { NULL, 0, 0, 0 };
	struct ru_dlsect *sects, sect;
	size_t nsects = 0, i, j;
	int error;

	dl_iterate_phdr(ru_dl_collect, &list);
	if (list.l_error != 0)
		ru_fatal("dl_bootstrap", list.l_error);
	sects = calloc(list.l_n ? list.l_n : 1, sizeof(*sects));
	if (sects == NULL)
		ru_fatal("dl_bootstrap", ENOMEM);

	for (i = 0; i < list.l_n; i++) {
		error = ru_dl_by_symbols(&list.l_objs[i], &sect);
		if (error == ENOENT)
			error = ru_dl_by_file(&list.l_objs[i], &sect);
		if (error != 0)
			continue;
		for (j = 0; j < nsects; j++)
			if (sects[j].s_start == sect.s_start)
				break;
		if (j == nsects)
			sects[nsects++] = sect;
	}

	for (i = 0; i < list.l_n; i++) {
		free(list.l_objs[i].o_name);
		free(list.l_objs[i].o_phdr);
	}
	free(list.l_objs);

	for (i = 0; i < nsects; i++)
		for (j = 0; j < sects[i].s_count; j++)
			add(&sects[i].s_start[j]);
	free(sects);
}
