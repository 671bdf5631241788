/*
 * doctor: health checks of the catalog.  doctor_run() returns a cJSON
 * array the caller owns, one finding per object:
 *   {check, status: "ok"|"warn"|"fail", detail, fix: command or null}
 * `full` runs integrity_check instead of quick_check.
 */
#ifndef MCPCTL_DOCTOR_H
#define MCPCTL_DOCTOR_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "mcp/db.h"

cJSON *doctor_run(struct db *db, bool full);
/* true when every finding is ok */
bool doctor_healthy(const cJSON *findings);

#endif
