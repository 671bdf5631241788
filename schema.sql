-- The mcpd catalog schema: the only copy.  It is compiled into both mcpd
-- and mcpctl (common/meson.build embeds it).
--
-- The file is a list of forward migrations.  Each starts with a line
-- "-- migration N" and moves a catalog from PRAGMA user_version N-1 to N.
-- A new catalog runs them all in order; an existing one runs only those
-- above its user_version, each in its own transaction.  Never edit a
-- migration that has shipped: append a new one.
--
-- Tables whose rows are imported datasets are named "data_<dataset>" and
-- live in the same file.  Nothing here is visible to SQL sent by an MCP
-- client: the guard in common/guard.c only lets it read dataset tables.

-- migration 1
CREATE TABLE datasets (
	id             INTEGER PRIMARY KEY,
	name           TEXT NOT NULL UNIQUE,   -- lower-case identifier
	title          TEXT,
	description    TEXT,
	source_kind    TEXT NOT NULL CHECK (source_kind IN ('csv', 'sqlite', 'url')),
	source_path    TEXT,                   -- csv file, sqlite file or URL
	source_table   TEXT,                   -- table inside a registered sqlite file
	data_table     TEXT NOT NULL,          -- table that holds the rows
	weight_column  TEXT,
	tags           TEXT NOT NULL DEFAULT '',   -- comma-separated
	enabled        INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
	row_count      INTEGER,
	import_options TEXT,                   -- JSON: delimiter, null markers
	version        INTEGER NOT NULL DEFAULT 1,
	created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
	updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE dataset_columns (
	dataset_id      INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	position        INTEGER NOT NULL,      -- 0-based
	name            TEXT NOT NULL,         -- column name in the data table
	source_name     TEXT,                  -- header as the file had it
	declared_type   TEXT,                  -- type in the table definition
	inferred_type   TEXT,                  -- INTEGER, REAL or TEXT
	null_count      INTEGER,
	distinct_count  INTEGER,
	min_value,                             -- any type
	max_value,
	mean            REAL,
	top_values      TEXT,                  -- JSON [[value, count], ...]
	sample_values   TEXT,                  -- JSON [value, ...]
	is_weight       INTEGER NOT NULL DEFAULT 0,
	description     TEXT,                  -- written by a human
	llm_description TEXT,                  -- written by an LLM, approved
	PRIMARY KEY (dataset_id, position)
);

CREATE TABLE llm_metadata (
	id                  INTEGER PRIMARY KEY,
	dataset_id          INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	version             INTEGER NOT NULL,
	provider            TEXT NOT NULL,
	model               TEXT NOT NULL,
	created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
	summary             TEXT,
	column_descriptions TEXT,              -- JSON object: column -> text
	example_questions   TEXT,              -- JSON array of strings
	caveats             TEXT,              -- JSON array of strings
	prompt_tokens       INTEGER,
	completion_tokens   INTEGER,
	status              TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'rejected')),
	raw_response        TEXT,              -- kept for audit
	UNIQUE (dataset_id, version)
);

CREATE TABLE api_keys (
	id          INTEGER PRIMARY KEY,
	provider    TEXT NOT NULL,
	label       TEXT NOT NULL DEFAULT 'default',
	ciphertext  BLOB NOT NULL,
	nonce       BLOB NOT NULL,
	fingerprint TEXT NOT NULL,             -- never the key itself
	created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
	last_used   TEXT,
	UNIQUE (provider, label)
);

CREATE TABLE query_logs (
	id             INTEGER PRIMARY KEY,
	ts             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
	client_name    TEXT,
	client_version TEXT,
	tool           TEXT NOT NULL,
	datasets       TEXT,                   -- comma-separated
	sql_text       TEXT,
	arguments      TEXT,                   -- JSON
	status         TEXT NOT NULL CHECK (status IN ('ok', 'error', 'timeout', 'denied', 'cancelled')),
	error_text     TEXT,
	rows_returned  INTEGER,
	bytes_returned INTEGER,
	duration_us    INTEGER
);
CREATE INDEX query_logs_ts ON query_logs(ts);

CREATE TABLE context_cache (
	dataset_id  INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
	version     INTEGER NOT NULL,          -- datasets.version it was rendered from
	markdown    TEXT NOT NULL,
	schema_json TEXT NOT NULL
);

CREATE TABLE system_config (
	key         TEXT PRIMARY KEY,
	value       TEXT NOT NULL,
	description TEXT
);
INSERT INTO system_config (key, value, description) VALUES
	('query_timeout_ms', '10000', 'wall-clock limit of one query'),
	('max_rows', '1000', 'rows returned by one query at most'),
	('max_response_bytes', '65536', 'bytes of one tool result at most'),
	('log_retention_days', '90', 'query logs older than this are pruned'),
	('default_format', 'markdown', 'query output: markdown, csv or json');

-- One counter that moves whenever anything a client can see changes, so a
-- running mcpd notices mcpctl's edits with one cheap read.
CREATE TABLE catalog_state (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	generation INTEGER NOT NULL
);
INSERT INTO catalog_state VALUES (1, 1);

CREATE TRIGGER datasets_ai AFTER INSERT ON datasets BEGIN
	UPDATE catalog_state SET generation = generation + 1;
END;
CREATE TRIGGER datasets_au AFTER UPDATE ON datasets BEGIN
	UPDATE catalog_state SET generation = generation + 1;
END;
CREATE TRIGGER datasets_ad AFTER DELETE ON datasets BEGIN
	UPDATE catalog_state SET generation = generation + 1;
END;
CREATE TRIGGER llm_metadata_ai AFTER INSERT ON llm_metadata BEGIN
	UPDATE catalog_state SET generation = generation + 1;
END;
CREATE TRIGGER llm_metadata_au AFTER UPDATE ON llm_metadata BEGIN
	UPDATE catalog_state SET generation = generation + 1;
END;
CREATE TRIGGER system_config_au AFTER UPDATE ON system_config BEGIN
	UPDATE catalog_state SET generation = generation + 1;
END;

-- migration 2
-- Full-text index for search_datasets: one document per dataset, rebuilt
-- by mcpctl whenever a dataset's text changes.
CREATE VIRTUAL TABLE dataset_search USING fts5(
	name, title, description, columns, metadata,
	tokenize = 'unicode61 remove_diacritics 2'
);

-- migration 3
-- Who this file is.  A random token marks the file as an mcpd catalog, so
-- that a source file which turns out to be a catalog (a hard link, a
-- symlink flipped after the path check, a bind mount) is recognised by its
-- content once attached, and detached before client SQL can see it.
CREATE TABLE catalog_identity (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	token TEXT NOT NULL
);
INSERT INTO catalog_identity VALUES (1, lower(hex(randomblob(16))));
INSERT INTO system_config (key, value, description) VALUES
	('query_memory_mb', '512', 'memory of one query worker process at most, in MB');

-- migration 4
-- API keys: which master key sealed each row (a keyed hash of the key,
-- never the key), so that a wrong key file and a tampered row give
-- different errors.  LLM metadata: the whole per-column answer (unit,
-- semantic type), the estimated cost, and whether a model or a human wrote
-- the version.  metadata_served picks what mcpd shows.
ALTER TABLE api_keys ADD COLUMN master_id TEXT;
ALTER TABLE llm_metadata ADD COLUMN columns TEXT;   -- JSON [{name, description, unit, semantic_type}]
ALTER TABLE llm_metadata ADD COLUMN cost_usd REAL;  -- estimate from a price table, NULL if unknown
ALTER TABLE llm_metadata ADD COLUMN author TEXT NOT NULL DEFAULT 'llm'
	CHECK (author IN ('llm', 'human'));
INSERT INTO system_config (key, value, description) VALUES
	('metadata_served', 'approved',
	 'LLM metadata mcpd shows: approved, latest or none');

-- migration 5
-- The query log, complete.  Each row now says which mcpd process wrote it
-- (session_id, random per process), which request (request_id, the
-- JSON-RPC id as text) in which protocol revision, and whether a cache
-- answered.  sql_text and arguments are kept up to 16 KiB each, beside
-- the full length in bytes and the SHA-256 (hex) of the whole text, so a
-- 4 MB statement costs 16 KiB of log yet stays recognisable.  row_bytes,
-- early in the row so that summing it never reads the long columns, is
-- what the row weighs against the log_max_mb cap.  Status 'lost' marks
-- the summary row mcpd writes for rows it could not log (lost_rows of
-- them, between lost_from and ts, the reason in error_text).  SQLite
-- cannot change a CHECK constraint in place, hence the copy.
CREATE TABLE query_logs_v5 (
	id             INTEGER PRIMARY KEY,
	ts             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
	row_bytes      INTEGER NOT NULL DEFAULT 0,
	session_id     TEXT,
	request_id     TEXT,
	protocol       TEXT,
	client_name    TEXT,
	client_version TEXT,
	tool           TEXT NOT NULL,
	datasets       TEXT,                   -- comma-separated
	status         TEXT NOT NULL CHECK (status IN ('ok', 'error', 'timeout', 'denied', 'cancelled', 'lost')),
	rows_returned  INTEGER,
	bytes_returned INTEGER,
	duration_us    INTEGER,
	cache_hit      INTEGER NOT NULL DEFAULT 0 CHECK (cache_hit IN (0, 1)),
	sql_len        INTEGER,                -- bytes of the whole statement
	sql_hash       TEXT,                   -- SHA-256 of the whole statement
	args_len       INTEGER,
	args_hash      TEXT,
	lost_rows      INTEGER,                -- status 'lost' only
	lost_from      TEXT,                   -- status 'lost' only
	error_text     TEXT,
	sql_text       TEXT,                   -- first 16 KiB
	arguments      TEXT                    -- JSON, first 16 KiB
);
INSERT INTO query_logs_v5 (id, ts, row_bytes, client_name, client_version,
		tool, datasets, status, rows_returned, bytes_returned,
		duration_us, sql_len, args_len, error_text, sql_text, arguments)
	SELECT id, ts, 200 + coalesce(length(CAST(sql_text AS BLOB)), 0)
			+ coalesce(length(CAST(arguments AS BLOB)), 0)
			+ coalesce(length(CAST(error_text AS BLOB)), 0),
		client_name, client_version, tool, datasets, status,
		rows_returned, bytes_returned, duration_us,
		length(CAST(sql_text AS BLOB)), length(CAST(arguments AS BLOB)),
		error_text, sql_text, arguments
	FROM query_logs;
DROP TABLE query_logs;
ALTER TABLE query_logs_v5 RENAME TO query_logs;
CREATE INDEX query_logs_ts ON query_logs(ts);
INSERT INTO system_config (key, value, description) VALUES
	('log_max_mb', '256', 'query logs beyond this many MB are pruned, oldest first');

-- migration 6
-- The sampling design of a dataset, for design-based standard errors
-- (docs/weighting.md): column names, NULL when a part is not used.  The
-- counts are those found when the design was checked, for describing it.
CREATE TABLE dataset_designs (
	dataset_id  INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
	strata      TEXT,
	cluster     TEXT,
	cluster2    TEXT,
	fpc         TEXT,
	fpc2        TEXT,
	nest        INTEGER NOT NULL DEFAULT 0,
	lonely_psu  TEXT NOT NULL DEFAULT 'fail' CHECK (lonely_psu IN
		('fail', 'remove', 'certainty', 'adjust', 'average')),
	n_strata    INTEGER,
	n_psu       INTEGER
);
CREATE TRIGGER dataset_designs_ai AFTER INSERT ON dataset_designs BEGIN
	UPDATE catalog_state SET generation = generation + 1;
END;
CREATE TRIGGER dataset_designs_au AFTER UPDATE ON dataset_designs BEGIN
	UPDATE catalog_state SET generation = generation + 1;
END;
CREATE TRIGGER dataset_designs_ad AFTER DELETE ON dataset_designs BEGIN
	UPDATE catalog_state SET generation = generation + 1;
END;

-- migration 7
-- What CSV type inference learned about a column beyond its storage type,
-- so that neither an admin nor a model is surprised by a stored value.
ALTER TABLE dataset_columns ADD COLUMN semantic_type TEXT;   -- boolean, date, datetime, number (formatted)
ALTER TABLE dataset_columns ADD COLUMN original_format TEXT; -- as the file wrote it: MM/DD/YYYY, yes/no, 1,234.5
ALTER TABLE dataset_columns ADD COLUMN unit TEXT;            -- currency USD; percent, stored as 0-100
ALTER TABLE dataset_columns ADD COLUMN null_tokens TEXT;     -- JSON {"NA": 12}: markers stored as NULL
ALTER TABLE dataset_columns ADD COLUMN type_warning TEXT;    -- e.g. why a numeric-looking column stayed TEXT

-- migration 8
-- Survey files (SPSS .sav, Stata .dta, SAS .xpt and .sas7bdat, read with
-- ReadStat) keep their labels.  A column's variable label is its
-- file_description: a human's description wins over it, and it wins over
-- an LLM's.  missing_codes lists the user-defined missing codes the import
-- stored as NULL ("97, 98-99").  value_labels holds each column's value
-- labels; is_missing marks codes stored as NULL (SPSS user-missing, Stata
-- .a-.z), so the model is told what the NULLs were.  Client SQL never
-- reads this table: label() in common/qpool.c does, for enabled datasets.
ALTER TABLE dataset_columns ADD COLUMN file_description TEXT;
ALTER TABLE dataset_columns ADD COLUMN missing_codes TEXT;
CREATE TABLE value_labels (
	dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	column_name TEXT NOT NULL,
	value       NOT NULL,                  -- INTEGER, REAL or TEXT
	label       TEXT NOT NULL,
	is_missing  INTEGER NOT NULL DEFAULT 0 CHECK (is_missing IN (0, 1)),
	PRIMARY KEY (dataset_id, column_name, value)
);
-- The new source kinds.  SQLite cannot alter a CHECK constraint, and
-- copying datasets would cascade into every table that references it;
-- rewriting the constraint's text is the documented way for a change
-- that leaves the stored rows valid (sqlite.org/lang_altertable.html).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql,
		'CHECK (source_kind IN (''csv'', ''sqlite'', ''url''))',
		'CHECK (source_kind IN (''csv'', ''sqlite'', ''url'', ''sav'', ''dta'', ''xpt'', ''sas7bdat''))')
	WHERE type = 'table' AND name = 'datasets';
PRAGMA writable_schema = RESET;

-- migration 9
-- Quantiles of numeric columns, for describe_dataset: JSON
-- {"p5":..,"p25":..,"p50":..,"p75":..,"p95":..}, with "estimated":true
-- when they come from a sample of the column (mcp/quantile.h).
ALTER TABLE dataset_columns ADD COLUMN quantiles TEXT;

-- migration 10
-- The context cache is valid for one rendering: the dataset's version and
-- everything else the answer depends on (approved metadata, the settings
-- that shape it, the mcpd release), as one key (mcpd/context_cache.c).
ALTER TABLE context_cache ADD COLUMN cache_key TEXT;
INSERT INTO system_config (key, value, description) VALUES
	('query_temp_mb', '256', 'temporary storage of one query (sorts, DISTINCT) at least, in MB; twice the data served when that is more');
-- Indexes an admin asked for (mcpctl dataset index): kept here so that a
-- refresh or --replace, which builds the data table again, builds them
-- again too, and describe_dataset can name them.  columns is a JSON array.
CREATE TABLE dataset_indexes (
	dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,             -- the index in the catalog
	columns     TEXT NOT NULL,
	PRIMARY KEY (dataset_id, name)
);

-- migration 11
-- Who is writing the catalog, so that a writer kept waiting past its
-- --wait can name the holder of the lock.  mcpctl inserts its row just
-- before it takes the write lock (a row written inside the transaction
-- would be invisible to others until the commit) and deletes it in the
-- transaction's COMMIT, or after a ROLLBACK.  A row whose pid no longer
-- runs is left by a killed writer and is ignored (common/writer.c).
CREATE TABLE catalog_writers (
	pid        INTEGER PRIMARY KEY,
	command    TEXT NOT NULL,
	started_at TEXT NOT NULL
);
