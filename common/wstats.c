/* wstats: being written */
#include "mcp/buf.h"
