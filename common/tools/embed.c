/*
 * embed: turn a text file into a C source that defines one NUL-terminated
 * string, so schema.sql is compiled into the binaries instead of being
 * looked up at run time.
 *
 * usage: embed INPUT OUTPUT SYMBOL
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	FILE *in, *out;
	int c, col = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: embed INPUT OUTPUT SYMBOL\n");
		return 2;
	}
	in = fopen(argv[1], "rb");
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	out = fopen(argv[2], "wb");
	if (!out) {
		perror(argv[2]);
		return 1;
	}
	fprintf(out, "/* generated from %s; do not edit */\n", argv[1]);
	fprintf(out, "const char %s[] = {\n", argv[3]);
	while ((c = fgetc(in)) != EOF) {
		fprintf(out, "%d,", c);
		if (++col == 24) {
			fputc('\n', out);
			col = 0;
		}
	}
	fprintf(out, "0\n};\n");
	fclose(in);
	if (fclose(out) != 0) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
