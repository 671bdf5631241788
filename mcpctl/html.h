/*
 * html: writing HTML text safely.  Everything that comes from the catalog
 * (SQL from models, client names, dataset names) goes through html_text,
 * so no logged byte can open a tag or an attribute.
 */
#ifndef MCPCTL_HTML_H
#define MCPCTL_HTML_H

#include <stdio.h>

/* `s` with & < > " ' escaped (NULL writes nothing) */
void html_text(FILE *out, const char *s);
/* printf, then nothing else: for markup and numbers only, never text */
void html_raw(FILE *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
