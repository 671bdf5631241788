#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../context_cache.h"
#include "../server.h"
#include "mcp/xalloc.h"
#include "tool.h"
#include "mcp/banned.h"

void tool_error(struct tool_call *call, const char *fmt, ...)
{
	va_list ap;

	call->is_error = true;
	if (!call->log_status || strcmp(call->log_status, "ok") == 0) {
		call->log_status = "error";
	}
	buf_reset(&call->text);
	va_start(ap, fmt);
	buf_vaddf(&call->text, fmt, ap);
	va_end(ap);
}

void tool_progress(struct tool_call *call, double progress, double total,
		   const char *message)
{
	if (call->progress_fn) {
		call->progress_fn(call->progress_ctx, progress, total,
				  message);
		return;
	}
	/* methods/tools.c orders it with the reply and the ticker */
	call_progress(call->progress_ctx, progress, total, message);
}

void tool_take_query_result(struct tool_call *call, struct query_result *qr)
{
	buf_release(&call->text);
	call->text = qr->text;
	buf_init(&qr->text, 0);
	cJSON_Delete(call->structured);
	call->structured = qr->structured;
	qr->structured = NULL;
	call->is_error = qr->status != QUERY_OK;
	call->log_status = query_status_name(qr->status);
	call->log_rows = qr->row_count;
	if (qr->datasets) {
		free(call->log_datasets);
		call->log_datasets = qr->datasets;
		qr->datasets = NULL;
	}
}

const char *tool_arg_string(struct tool_call *call, const char *key,
			    bool required)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(call->args, key);

	if (!v || cJSON_IsNull(v)) {
		if (required) {
			tool_error(call, "missing required argument '%s'",
				   key);
		}
		return NULL;
	}
	if (!cJSON_IsString(v)) {
		tool_error(call, "argument '%s' must be a string", key);
		return NULL;
	}
	return v->valuestring;
}

bool tool_arg_int(struct tool_call *call, const char *key, int64_t min,
		  int64_t max, int64_t *inout_value)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(call->args, key);
	double d;

	if (!v || cJSON_IsNull(v)) {
		return true;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble)) {
		tool_error(call, "argument '%s' must be an integer", key);
		return false;
	}
	d = v->valuedouble;
	if (max == INT64_MAX && d >= (double)INT64_MAX) {
		/* "as many as allowed": clamped, never wrapped past int64 */
		*inout_value = INT64_MAX;
		return true;
	}
	if (d < (double)min || d > (double)max) {
		tool_error(call,
			   "argument '%s' must be between %lld and %lld",
			   key, (long long)min, (long long)max);
		return false;
	}
	*inout_value = (int64_t)d;
	return true;
}

void tool_call_finish(struct tool_call *call)
{
	buf_release(&call->text);
	free(call->text_json);
	call->text_json = NULL;
	cJSON_Delete(call->structured);
	call->structured = NULL;
	free(call->log_sql);
	call->log_sql = NULL;
	free(call->log_datasets);
	call->log_datasets = NULL;
	context_cache_put_free(call->log_cache);
	call->log_cache = NULL;
}

size_t tool_text_bytes(const struct tool_call *call)
{
	return call->text_json ? call->text_json_bytes : call->text.len;
}
