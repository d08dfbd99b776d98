/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_replay.c: run a libFuzzer harness over saved inputs, without
 * libFuzzer, so that every harness in fuzz/ also builds with gcc and its
 * corpus runs as a regression test under meson test.
 *
 *	fuzz_X_replay FILE|DIR...
 *
 * Each file (or each file of a directory) is passed once to
 * LLVMFuzzerTestOneInput().  Exit 0 if all returned; a crash is a failure.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		perror(path);
		return 1;
	}
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		fclose(f);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	printf("replayed %s (%ld bytes)\n", path, n);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct dirent *de;
	struct stat st;
	char path[4096];
	int i, bad = 0;
	DIR *d;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			d = opendir(argv[i]);
			if (d == NULL) {
				perror(argv[i]);
				return 1;
			}
			while ((de = readdir(d)) != NULL) {
				if (de->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i],
				    de->d_name);
				bad |= replay_file(path);
			}
			closedir(d);
		} else {
			bad |= replay_file(argv[i]);
		}
	}
	return bad;
}
