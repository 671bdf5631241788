#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcp/paths.h"
#include "mcp/xalloc.h"

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static const char *home_dir(void)
{
	const char *home = env_nonempty("HOME");
	struct passwd *pw;

	if (home) {
		return home;
	}
	pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

/* $XDG_<kind>_HOME/mcpd/<file>, else ~/<fallback>/mcpd/<file> */
static char *xdg_path(const char *xdg_var, const char *fallback,
		      const char *file)
{
	const char *base = env_nonempty(xdg_var);
	const char *home;

	if (base) {
		return xasprintf("%s/mcpd/%s", base, file);
	}
	home = home_dir();
	if (!home) {
		return NULL;
	}
	return xasprintf("%s/%s/mcpd/%s", home, fallback, file);
}

char *paths_catalog(const char *explicit_path)
{
	const char *env;

	if (explicit_path && *explicit_path) {
		return xstrdup(explicit_path);
	}
	env = env_nonempty("MCPD_DB");
	if (env) {
		return xstrdup(env);
	}
	return xdg_path("XDG_DATA_HOME", ".local/share", "catalog.db");
}

char *paths_key_file(const char *explicit_path)
{
	const char *env;

	if (explicit_path && *explicit_path) {
		return xstrdup(explicit_path);
	}
	env = env_nonempty("MCPD_KEY_FILE");
	if (env) {
		return xstrdup(env);
	}
	return xdg_path("XDG_CONFIG_HOME", ".config", "master.key");
}

int paths_make_parent(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int r = 0;

	if (!slash || slash == dir) {
		goto out;
	}
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/') {
			continue;
		}
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			r = -errno;
			goto out;
		}
		*p = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
	}
out:
	free(dir);
	return r;
}
