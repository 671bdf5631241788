/*
 * fixture: the catalog both guard tests attack.
 *
 * fixture_make() writes a fresh catalog (db_open with DB_CREATE) with
 * enabled datasets whose cells hold hostile text (people, big), a
 * disabled one (hidden), three datasets in a registered SQLite file
 * (cities, bigcities, settings) next to a table that is not registered
 * (private), and internal rows holding marker strings.  Any answer that
 * contains a marker has leaked something (fixture_leaks).
 */
#ifndef GUARD_FIXTURE_H
#define GUARD_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

void fixture_make(const char *catalog_path, const char *source_path);
/* FNV-1a of a file's bytes; a missing file hashes as an empty one */
uint64_t fixture_file_hash(const char *path);
/*
 * FNV-1a of every row of every table and of the schema, except the
 * table `skip` (mcpd appends to query_logs while it serves)
 */
uint64_t fixture_content_hash(const char *catalog_path, const char *skip);
/* does `text` contain one of the markers of internal rows? */
bool fixture_leaks(const char *text);

#endif
