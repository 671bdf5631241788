/*
 * paths: where the catalog lives, the same rule in both programs.
 *
 *   explicit --db PATH, else $MCPD_DB, else $XDG_DATA_HOME/mcpd/catalog.db,
 *   else ~/.local/share/mcpd/catalog.db   (an empty variable counts as unset)
 *   A leading "~" or "~user" in --db or $MCPD_DB is expanded.
 *
 * Key files live beside it in the config directory:
 *   $MCPD_KEY_FILE, else $XDG_CONFIG_HOME/mcpd/master.key,
 *   else ~/.config/mcpd/master.key
 */
#ifndef MCP_PATHS_H
#define MCP_PATHS_H

/* returns a new string (caller frees) or NULL when no home can be found */
char *paths_catalog(const char *explicit_path);
char *paths_key_file(const char *explicit_path);
/* mkdir -p of the directory part of `path` (mode 0700 for what it creates) */
int paths_make_parent(const char *path);

#endif
