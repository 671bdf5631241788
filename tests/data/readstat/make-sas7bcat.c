/*
 * Writes labelled.sas7bdat and its format catalog labelled.sas7bcat with
 * ReadStat's own writers (Debian libreadstat-dev): R cannot write a SAS
 * format catalog.  The files are committed; to make them again:
 *   cc make-sas7bcat.c -lreadstat -o /tmp/make-sas7bcat && /tmp/make-sas7bcat
 * in this directory.  The region column has the format REGIONF, whose
 * labels are in the catalog; the score column has none.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <readstat.h>

static ssize_t write_bytes(const void *data, size_t len, void *ctx)
{
	return write(*(int *)ctx, data, len);
}

static readstat_label_set_t *regions(readstat_writer_t *w)
{
	readstat_label_set_t *ls = readstat_add_label_set(w,
		READSTAT_TYPE_DOUBLE, "REGIONF");

	readstat_label_double_value(ls, 1, "North");
	readstat_label_double_value(ls, 2, "Süd");
	readstat_label_double_value(ls, 3, "East");
	readstat_label_double_value(ls, 4, "West");
	return ls;
}

static int open_out(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0) {
		perror(path);
		exit(1);
	}
	return fd;
}

static void check(readstat_error_t e, const char *what)
{
	if (e != READSTAT_OK) {
		fprintf(stderr, "%s: %s\n", what, readstat_error_message(e));
		exit(1);
	}
}

int main(void)
{
	static const double region[] = { 1, 2, 3, 4, 2, 1, 3, 2 };
	static const double score[] = { 12.5, 7, 9.25, 3, 11, 8.5, 6, 10 };
	readstat_writer_t *w = readstat_writer_init();
	readstat_variable_t *id, *reg, *sc;
	readstat_label_set_t *ls;
	int fd = open_out("labelled.sas7bdat");

	readstat_set_data_writer(w, write_bytes);
	ls = regions(w);
	id = readstat_add_variable(w, "id", READSTAT_TYPE_DOUBLE, 0);
	readstat_variable_set_label(id, "Respondent");
	reg = readstat_add_variable(w, "region", READSTAT_TYPE_DOUBLE, 0);
	readstat_variable_set_label(reg, "Region");
	readstat_variable_set_format(reg, "REGIONF");
	readstat_variable_set_label_set(reg, ls);
	sc = readstat_add_variable(w, "score", READSTAT_TYPE_DOUBLE, 0);
	readstat_variable_set_label(sc, "Score");
	check(readstat_begin_writing_sas7bdat(w, &fd, 8), "labelled.sas7bdat");
	for (int i = 0; i < 8; i++) {
		readstat_begin_row(w);
		readstat_insert_double_value(w, id, i + 1);
		readstat_insert_double_value(w, reg, region[i]);
		readstat_insert_double_value(w, sc, score[i]);
		check(readstat_end_row(w), "row");
	}
	check(readstat_end_writing(w), "labelled.sas7bdat");
	readstat_writer_free(w);
	close(fd);

	w = readstat_writer_init();
	fd = open_out("labelled.sas7bcat");
	readstat_set_data_writer(w, write_bytes);
	regions(w);
	check(readstat_begin_writing_sas7bcat(w, &fd), "labelled.sas7bcat");
	check(readstat_end_writing(w), "labelled.sas7bcat");
	readstat_writer_free(w);
	close(fd);
	return 0;
}
