/*
 * log: diagnostics on stderr.  stdout is never touched here, because mcpd
 * keeps stdout for protocol messages only.
 *
 * The program name prefixes every line ("mcpd: ", "mcpctl: ").  Lines below
 * the current level are dropped.  Thread-safe: each line is one write().
 */
#ifndef MCP_LOG_H
#define MCP_LOG_H

enum log_level {
	LOG_DEBUG,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
	LOG_QUIET,
};

void log_init(const char *progname, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* parse "debug", "info", "warn"/"warning", "error", "quiet"; -EINVAL else */
int log_level_parse(const char *s, enum log_level *ret_level);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
