#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mcp/apikey.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"

int apikey_check_provider(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > 32) {
		return -EINVAL;
	}
	for (; *p; p++) {
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    *p != '-') {
			return -EINVAL;
		}
	}
	return 0;
}

int apikey_check_label(const char *l)
{
	size_t n = strlen(l);

	if (n == 0 || n > 64) {
		return -EINVAL;
	}
	for (; *l; l++) {
		if (*l <= ' ' || *l >= 0x7f) {
			return -EINVAL;
		}
	}
	return 0;
}

/* the associated data: the row a ciphertext belongs to */
static char *row_ad(int64_t id, const char *provider, const char *label)
{
	return xasprintf("mcpd-api-key-v1\n%lld\n%s\n%s", (long long)id,
			 provider, label);
}

static int sql_fail(struct db *db, char **ret_err, int rc)
{
	if (ret_err) {
		*ret_err = xasprintf("cannot update the catalog: %s",
				     sqlite3_errmsg(db->sql));
	}
	return db_errno(rc);
}

/* seal `secret` into row `id` (which must exist) */
static int seal_row(struct db *db, const struct master_key *k, int64_t id,
		    const char *provider, const char *label,
		    const char *secret, size_t len, char **ret_err)
{
	unsigned char nonce[SEAL_NONCE_BYTES];
	unsigned char *ct = NULL;
	size_t ctlen = 0;
	char fp[13];
	char *ad = row_ad(id, provider, label);
	sqlite3_stmt *st = NULL;
	int rc, r;

	r = crypto_seal(k, ad, secret, len, nonce, &ct, &ctlen);
	free(ad);
	if (r < 0) {
		*ret_err = xstrdup("cannot encrypt the key");
		return r;
	}
	crypto_fingerprint(secret, len, fp);
	rc = sqlite3_prepare_v2(db->sql,
				"UPDATE api_keys SET ciphertext = ?1, "
				"nonce = ?2, fingerprint = ?3, master_id = ?4 "
				"WHERE id = ?5", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_blob(st, 1, ct, (int)ctlen, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, nonce, sizeof(nonce), SQLITE_STATIC);
		sqlite3_bind_text(st, 3, fp, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, k->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, id);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	free(ct);
	if (rc != SQLITE_DONE) {
		return sql_fail(db, ret_err, rc);
	}
	return 0;
}

int apikey_store(struct db *db, const struct master_key *k,
		 const char *provider, const char *label,
		 const char *secret, size_t len, char **ret_err)
{
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int rc, r;

	r = db_begin(db);
	if (r < 0) {
		return sql_fail(db, ret_err, SQLITE_BUSY);
	}
	/* a replaced key keeps its row: a new secret, a new created_at */
	rc = sqlite3_prepare_v2(db->sql,
				"INSERT INTO api_keys (provider, label, "
				"ciphertext, nonce, fingerprint) "
				"VALUES (?1, ?2, X'', X'', '') "
				"ON CONFLICT (provider, label) DO UPDATE SET "
				"created_at = strftime('%Y-%m-%dT%H:%M:%fZ', "
				"'now'), last_used = NULL RETURNING id",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, label, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			id = sqlite3_column_int64(st, 0);
			rc = sqlite3_step(st);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || id == 0) {
		r = sql_fail(db, ret_err, rc);
		goto fail;
	}
	r = seal_row(db, k, id, provider, label, secret, len, ret_err);
	if (r < 0) {
		goto fail;
	}
	r = db_commit(db);
	if (r < 0) {
		r = sql_fail(db, ret_err, SQLITE_BUSY);
		goto fail;
	}
	return 0;
fail:
	db_rollback(db);
	return r;
}

/* open the row the statement is on: id, provider, label, ct, nonce, mid */
static int open_row(sqlite3_stmt *st, const struct master_key *k,
		    char **ret_secret, size_t *ret_len, char **ret_err)
{
	int64_t id = sqlite3_column_int64(st, 0);
	const char *provider = (const char *)sqlite3_column_text(st, 1);
	const char *label = (const char *)sqlite3_column_text(st, 2);
	const unsigned char *ct = sqlite3_column_blob(st, 3);
	int ctlen = sqlite3_column_bytes(st, 3);
	const unsigned char *nonce = sqlite3_column_blob(st, 4);
	int nlen = sqlite3_column_bytes(st, 4);
	const char *mid = (const char *)sqlite3_column_text(st, 5);
	char *ad;
	int r;

	if (mid && strcmp(mid, k->id) != 0) {
		*ret_err = xasprintf("wrong master key: key %s/%s was "
				     "encrypted with master key %s, the key "
				     "file holds %s",
				     provider, label, mid, k->id);
		return -EKEYREJECTED;
	}
	if (!ct || nlen != SEAL_NONCE_BYTES) {
		r = -EBADMSG;
	} else {
		ad = row_ad(id, provider, label);
		r = crypto_open(k, ad, ct, (size_t)ctlen, nonce, ret_secret,
				ret_len);
		free(ad);
	}
	if (r < 0) {
		*ret_err = xasprintf("key %s/%s (row %lld) does not decrypt: "
				     "the row was changed or copied from "
				     "elsewhere after it was stored; set the "
				     "key again",
				     provider, label, (long long)id);
	}
	return r;
}

#define ROW_COLUMNS "id, provider, label, ciphertext, nonce, master_id"

/* open (provider, label); *ret_id is its row */
static int fetch(struct db *db, const struct master_key *k,
		 const char *provider, const char *label,
		 char **ret_secret, int64_t *ret_id, char **ret_err)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	rc = sqlite3_prepare_v2(db->sql,
				"SELECT " ROW_COLUMNS " FROM api_keys "
				"WHERE provider = ?1 AND label = ?2",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		return sql_fail(db, ret_err, rc);
	}
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, label, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			return sql_fail(db, ret_err, rc);
		}
		*ret_err = xasprintf("no key for %s/%s (see 'mcpctl key "
				     "set')", provider, label);
		return -ENOENT;
	}
	*ret_id = sqlite3_column_int64(st, 0);
	r = open_row(st, k, ret_secret, NULL, ret_err);
	sqlite3_finalize(st);
	return r;
}

int apikey_verify(struct db *db, const struct master_key *k,
		  const char *provider, const char *label, char **ret_err)
{
	char *secret = NULL;
	int64_t id;
	int r = fetch(db, k, provider, label, &secret, &id, ret_err);

	if (r == 0) {
		sodium_memzero(secret, strlen(secret));
		free(secret);
	}
	return r;
}

int apikey_fetch(struct db *db, const struct master_key *k,
		 const char *provider, const char *label,
		 char **ret_secret, char **ret_err)
{
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int r;

	r = fetch(db, k, provider, label, ret_secret, &id, ret_err);
	if (r < 0) {
		return r;
	}
	/* a failed stamp is not worth failing the caller's request */
	if (sqlite3_prepare_v2(db->sql,
			       "UPDATE api_keys SET last_used = "
			       "strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
			       "WHERE id = ?1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return 0;
}

int apikey_remove(struct db *db, const char *provider, const char *label)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->sql,
				"DELETE FROM api_keys WHERE provider = ?1 "
				"AND label = ?2", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, label, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		return db_errno(rc);
	}
	return sqlite3_changes(db->sql) > 0 ? 0 : -ENOENT;
}

int apikey_reseal_all(struct db *db, const struct master_key *old,
		      const struct master_key *new, size_t *ret_n,
		      char **ret_err)
{
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rc, r;

	r = db_begin(db);
	if (r < 0) {
		return sql_fail(db, ret_err, SQLITE_BUSY);
	}
	rc = sqlite3_prepare_v2(db->sql,
				"SELECT " ROW_COLUMNS " FROM api_keys "
				"ORDER BY id", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		r = sql_fail(db, ret_err, rc);
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *secret = NULL;
		size_t len = 0;
		char *provider, *label;

		r = open_row(st, old, &secret, &len, ret_err);
		if (r < 0) {
			goto fail;
		}
		provider = xstrdup((const char *)sqlite3_column_text(st, 1));
		label = xstrdup((const char *)sqlite3_column_text(st, 2));
		/* updating the row being read: SQLite allows it for rowids */
		r = seal_row(db, new, sqlite3_column_int64(st, 0), provider,
			     label, secret, len, ret_err);
		sodium_memzero(secret, len);
		free(secret);
		free(provider);
		free(label);
		if (r < 0) {
			goto fail;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		r = sql_fail(db, ret_err, rc);
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	r = db_commit(db);
	if (r < 0) {
		r = sql_fail(db, ret_err, SQLITE_BUSY);
		goto fail;
	}
	*ret_n = n;
	return 0;
fail:
	sqlite3_finalize(st);
	db_rollback(db);
	return r;
}

char *apikey_master_id(struct db *db)
{
	sqlite3_stmt *st = NULL;
	char *id = NULL;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT master_id FROM api_keys WHERE "
			       "master_id IS NOT NULL LIMIT 1", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		id = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return id;
}
