/*
 * fuzz-replay: runs a fuzz target over the files of a corpus, without
 * libFuzzer, so the committed corpus is checked by every normal build.
 * Each file is one TAP line; a failed check inside the target aborts.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, alloc = 0, n;
	int ret = -1;

	if (!f) {
		return -errno;
	}
	do {
		if (len == alloc) {
			alloc = alloc ? alloc * 2 : 4096;
			data = realloc(data, alloc);
			if (!data) {
				goto out;
			}
		}
		n = fread(data + len, 1, alloc - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		goto out;
	}
	LLVMFuzzerTestOneInput(data, len);
	ret = 0;
out:
	free(data);
	fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	char **names = NULL;
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;
	int failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-replay CORPUS-DIR\n");
		return 2;
	}
	d = opendir(argv[1]);
	if (!d) {
		perror(argv[1]);
		return 1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.') {
			continue;
		}
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names || !(names[n] = strdup(de->d_name))) {
			return 1;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp);
	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
		if (run_file(path) < 0) {
			printf("not ok %zu - %s: cannot read\n", i + 1, names[i]);
			failed = 1;
		} else {
			printf("ok %zu - %s\n", i + 1, names[i]);
		}
		fflush(stdout);
		free(names[i]);
	}
	free(names);
	return failed || n == 0;
}
