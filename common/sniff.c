/*
 * Dialect sniffing (see sniff.h).  The sample is parsed with a small
 * parser of its own: it only counts fields, so it needs neither the
 * reader's buffers nor its limits.
 */
#include <string.h>

#include "mcp/sniff.h"

#define MAX_RECORDS 2000

struct tally {
	size_t records;
	size_t first;           /* fields in the first record */
	size_t mode;            /* the most common field count */
	size_t mode_n;
	size_t lead_space;      /* fields starting with ' ' */
	size_t fields;
	bool broken;
};

/* the most common value of counts[0..n) */
static void mode_of(const size_t *counts, size_t n, size_t *ret_mode,
		    size_t *ret_n)
{
	size_t best = 0, best_n = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		for (size_t j = 0; j < n; j++) {
			k += counts[j] == counts[i];
		}
		if (k > best_n || (k == best_n && counts[i] > best)) {
			best = counts[i];
			best_n = k;
		}
	}
	*ret_mode = best;
	*ret_n = best_n;
}

static void tally(const char *buf, size_t len, bool truncated, char delim,
		  enum csv_quoting q, struct tally *t)
{
	size_t counts[MAX_RECORDS];
	const char *p = buf, *end = buf + len;
	size_t n = 0, fields = 1;
	bool at_start = true, in_quotes = false, after_quote = false;

	memset(t, 0, sizeof(*t));
	if (truncated) {
		/* the last line may be cut anywhere: leave it out */
		while (end > buf && end[-1] != '\n') {
			end--;
		}
	}
	while (p < end && n < MAX_RECORDS) {
		char c = *p++;

		if (in_quotes) {
			if (q == CSV_QUOTE_BACKSLASH && c == '\\' && p < end) {
				p++;
			} else if (c == '"') {
				if (p < end && *p == '"') {
					p++;
				} else {
					in_quotes = false;
					after_quote = true;
				}
			}
			continue;
		}
		if (after_quote && c != delim && c != '\n' && c != '\r') {
			/* counted on as data, so a broken file still sniffs */
			t->broken = true;
		}
		after_quote = false;
		if (at_start) {
			t->fields++;
			t->lead_space += c == ' ';
			if (c == '"' && q != CSV_QUOTE_NONE) {
				in_quotes = true;
				at_start = false;
				continue;
			}
		}
		at_start = false;
		if (c == delim) {
			fields++;
			at_start = true;
		} else if (c == '\n') {
			counts[n++] = fields;
			fields = 1;
			at_start = true;
		}
	}
	if (in_quotes && !truncated) {
		t->broken = true;
	}
	if (!at_start || fields > 1) {
		if (n < MAX_RECORDS && p == end && end > buf &&
		    end[-1] != '\n') {
			counts[n++] = fields;
		}
	}
	t->records = n;
	if (n) {
		t->first = counts[0];
		mode_of(counts, n < 200 ? n : 200, &t->mode, &t->mode_n);
		/* score the mode over every record, not just the first 200 */
		t->mode_n = 0;
		for (size_t i = 0; i < n; i++) {
			t->mode_n += counts[i] == t->mode;
		}
	}
}

/*
 * Is a better than b?  Unbroken, then consistency, then fewer leading
 * spaces.  A broken tally still beats a one-column one, so that a file
 * with one bad quote is read with the right delimiter and then refused
 * with a message naming the line.
 */
static bool better(const struct tally *a, const struct tally *b)
{
	double ca, cb, sa, sb;

	if (a->records == 0 || a->mode < 2) {
		return false;
	}
	if (b->records == 0 || b->mode < 2) {
		return true;
	}
	if (a->broken != b->broken) {
		return b->broken;
	}
	ca = (double)a->mode_n / (double)a->records;
	cb = (double)b->mode_n / (double)b->records;
	if (ca != cb) {
		return ca > cb;
	}
	sa = a->fields ? (double)a->lead_space / (double)a->fields : 0;
	sb = b->fields ? (double)b->lead_space / (double)b->fields : 0;
	return sa < sb;
}

void sniff_dialect(const char *buf, size_t len, bool truncated,
		   char delimiter, int quoting, struct sniff_result *ret)
{
	static const char delims[] = { ',', '\t', ';', '|' };
	static const enum csv_quoting quotings[] = {
		CSV_QUOTE_RFC4180, CSV_QUOTE_BACKSLASH, CSV_QUOTE_NONE,
	};
	struct tally best = { .broken = true }, t;
	bool any = false;
	/* backslash escapes only when the sample has one before a quote */
	bool backslash = memmem(buf, len, "\\\"", 2) != NULL;

	ret->delimiter = delimiter ? delimiter : ',';
	ret->quoting = quoting >= 0 ? (enum csv_quoting)quoting
				    : CSV_QUOTE_RFC4180;
	ret->fields = 0;
	ret->found = false;
	for (size_t d = 0; d < sizeof(delims); d++) {
		if (delimiter && delims[d] != delimiter) {
			continue;
		}
		for (size_t k = 0; k < 3; k++) {
			if (quoting >= 0 && (int)quotings[k] != quoting) {
				continue;
			}
			/*
			 * Without quoting is how Unix tools write TSV; a
			 * comma file with a stray quote is broken instead.
			 */
			if (quoting < 0 &&
			    ((quotings[k] == CSV_QUOTE_NONE &&
			      delims[d] != '\t') ||
			     (quotings[k] == CSV_QUOTE_BACKSLASH &&
			      !backslash))) {
				continue;
			}
			tally(buf, len, truncated, delims[d], quotings[k], &t);
			if (!any || better(&t, &best)) {
				best = t;
				ret->delimiter = delims[d];
				ret->quoting = quotings[k];
				any = true;
			}
		}
	}
	if (delimiter && !memchr(delims, delimiter, sizeof(delims))) {
		/* a delimiter of the user's own: count with it, RFC quoting */
		tally(buf, len, truncated, delimiter,
		      quoting >= 0 ? (enum csv_quoting)quoting
				   : CSV_QUOTE_RFC4180, &best);
		any = true;
	}
	if (any) {
		ret->fields = best.first;
		ret->found = best.mode >= 2;
	}
}

const char *sniff_quoting_name(enum csv_quoting q)
{
	switch (q) {
	case CSV_QUOTE_BACKSLASH:
		return "backslash escapes";
	case CSV_QUOTE_NONE:
		return "none";
	default:
		return "RFC 4180";
	}
}
