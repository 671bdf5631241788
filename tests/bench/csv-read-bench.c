/*
 * csv-read-bench: how fast the CSV reader goes through a file.
 *
 *   csv-read-bench [--rows N] [FILE]
 *
 * Without FILE it writes a survey-style table of N rows (1,000,000 by
 * default) and 10 columns to a temporary file, reads it a few times and
 * prints the best run; the file is removed at the end.  Only reading and
 * parsing are timed (the page cache is warm after the first run), which is
 * the reader's share of an import.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "mcp/csv.h"

static double clock_secs(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_secs(CLOCK_MONOTONIC);
}

/* CPU time is steadier than wall time on a busy machine */
static double cpu_now(void)
{
	return clock_secs(CLOCK_PROCESS_CPUTIME_ID);
}

static int generate(const char *path, long rows)
{
	static const char *regions[] = { "north", "south", "east", "west" };
	static const char *cities[] = {
		"Lyon", "\"Sankt Gallen, SG\"", "M\xc3\xbcnchen", "Oslo",
		"\"Fort \"\"Old\"\" Town\"", "Porto",
	};
	unsigned long x = 12345;
	FILE *f = fopen(path, "w");
	long i;

	if (!f) {
		return -errno;
	}
	fprintf(f, "id,age,income,weight,region,city,score,smoker,date,note\n");
	for (i = 0; i < rows; i++) {
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		fprintf(f, "%ld,%lu,%lu.%02lu,%.4f,%s,%s,%lu,%s,2024-%02lu-%02lu,%s\n",
			i + 1, 18 + (x >> 33) % 70, (x >> 20) % 150000,
			(x >> 8) % 100, 0.5 + (double)((x >> 40) % 1000) / 997,
			regions[(x >> 13) % 4], cities[(x >> 17) % 6],
			(x >> 23) % 11, (x >> 29) % 2 ? "yes" : "no",
			1 + (x >> 31) % 12, 1 + (x >> 37) % 28,
			(x >> 41) % 5 ? "" : "\"said \"\"maybe\"\", later\"");
	}
	if (fclose(f) != 0) {
		return -errno;
	}
	return 0;
}

static int run(const char *path, double *ret_secs, double *ret_cpu,
	       uint64_t *ret_rows,
	       uint64_t *ret_bytes, uint64_t *ret_fields)
{
	struct csv_reader *r = NULL;
	struct csv_record rec;
	uint64_t rows = 0, fields = 0;
	double t0, c0;
	int fd, e;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "csv-read-bench: cannot open '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	t0 = now();
	c0 = cpu_now();
	e = csv_reader_create(fd, path, NULL, &r);
	if (e < 0) {
		close(fd);
		return -1;
	}
	while ((e = csv_read(r, &rec)) == 1) {
		rows++;
		fields += rec.nfields;
	}
	*ret_secs = now() - t0;
	*ret_cpu = cpu_now() - c0;
	if (e < 0) {
		fprintf(stderr, "csv-read-bench: %s\n", csv_reader_error(r));
	}
	*ret_rows = rows;
	*ret_fields = fields;
	*ret_bytes = csv_reader_offset(r);
	csv_reader_destroy(r);
	close(fd);
	return e;
}

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/csv-read-bench-XXXXXX";
	const char *path = NULL;
	long nrows = 1000000;
	double best = 0, best_cpu = 0, secs, cpu;
	uint64_t rows = 0, bytes = 0, fields = 0;
	struct rusage ru;
	int i, fd, ret = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc) {
			nrows = strtol(argv[++i], NULL, 10);
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: csv-read-bench [--rows N] [FILE]\n");
			return 2;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		fd = mkstemp(tmp);
		if (fd < 0) {
			perror("csv-read-bench: mkstemp");
			return 1;
		}
		close(fd);
		path = tmp;
		secs = now();
		if (generate(path, nrows) < 0) {
			perror("csv-read-bench: writing the test file");
			goto out;
		}
		printf("generated %ld rows x 10 columns in %.2f s\n", nrows,
		       now() - secs);
	}
	for (i = 0; i < 5; i++) {
		/* the first run also warms the page cache */
		if (run(path, &secs, &cpu, &rows, &bytes, &fields) < 0) {
			goto out;
		}
		if (i == 0 || secs < best) {
			best = secs;
		}
		if (i == 0 || cpu < best_cpu) {
			best_cpu = cpu;
		}
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("%s: %" PRIu64 " records, %" PRIu64 " fields, %.1f MB\n",
	       path == tmp ? "generated" : path, rows, fields, bytes / 1e6);
	printf("best of 5: %.3f s, %.0f MB/s, %.2f M records/s "
	       "(CPU time: %.3f s, %.0f MB/s)\n", best, bytes / 1e6 / best,
	       rows / 1e6 / best, best_cpu, bytes / 1e6 / best_cpu);
	printf("peak RSS: %.1f MB\n", ru.ru_maxrss / 1024.0);
	ret = 0;
out:
	if (path == tmp) {
		unlink(tmp);
	}
	return ret;
}
