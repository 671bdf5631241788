/*
 * apikey: provider API keys sealed in the catalog's api_keys table.
 *
 * Each secret is sealed with the master key (crypto.h) and associated data
 * naming its row: "mcpd-api-key-v1", the row id, the provider and the
 * label.  A row copied to another id, or whose provider or label was
 * changed, no longer opens.  Each row also records the id of the master
 * key that sealed it, which tells "wrong key file" from "tampered row".
 *
 * Functions return 0 or a negative errno and, where they take ret_err,
 * set it (caller frees) on failure:
 *   -ENOENT       no such key
 *   -EKEYREJECTED the row was sealed by another master key
 *   -EBADMSG      the row was changed or moved after it was sealed
 * A secret returned in *ret_secret belongs to the caller, who wipes it
 * with sodium_memzero() before free().
 */
#ifndef MCP_APIKEY_H
#define MCP_APIKEY_H

#include <stddef.h>

#include "mcp/crypto.h"
#include "mcp/db.h"

/* provider names: lower-case letters, digits and '-' (1..32) */
int apikey_check_provider(const char *provider);
/* labels: printable ASCII without spaces (1..64) */
int apikey_check_label(const char *label);

/* add or replace the key (provider, label); one transaction */
int apikey_store(struct db *db, const struct master_key *k,
		 const char *provider, const char *label,
		 const char *secret, size_t len, char **ret_err);
/* open the key and stamp its last_used time */
int apikey_fetch(struct db *db, const struct master_key *k,
		 const char *provider, const char *label,
		 char **ret_secret, char **ret_err);
/* open the key and wipe it again: does it decrypt? */
int apikey_verify(struct db *db, const struct master_key *k,
		  const char *provider, const char *label, char **ret_err);
int apikey_remove(struct db *db, const char *provider, const char *label);
/*
 * Re-seal every key from `old` to `new` in one transaction: all rows or
 * none.  *ret_n is the number of keys.
 */
int apikey_reseal_all(struct db *db, const struct master_key *old,
		      const struct master_key *new, size_t *ret_n,
		      char **ret_err);
/* the master key id the catalog's keys were sealed with, or NULL */
char *apikey_master_id(struct db *db);

#endif
