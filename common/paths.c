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

/*
 * "~/x" and "~user/x" as a shell would expand them: host configurations
 * pass --db and MCPD_DB without a shell, and a literal "~" directory is
 * never what was meant.
 */
static char *expand_tilde(const char *p)
{
	const char *rest, *home = NULL;
	char *user;
	struct passwd *pw;

	if (p[0] != '~') {
		return xstrdup(p);
	}
	rest = strchr(p, '/');
	if (!rest) {
		rest = p + strlen(p);
	}
	if (rest == p + 1) {
		home = home_dir();
	} else {
		user = xstrndup(p + 1, (size_t)(rest - p - 1));
		pw = getpwnam(user);
		free(user);
		home = pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
	}
	if (!home) {
		return xstrdup(p);
	}
	return xasprintf("%s%s", home, rest);
}

char *paths_catalog(const char *explicit_path)
{
	const char *env;

	if (explicit_path && *explicit_path) {
		return expand_tilde(explicit_path);
	}
	env = env_nonempty("MCPD_DB");
	if (env) {
		return expand_tilde(env);
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
