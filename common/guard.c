/* guard: being written */
#include "mcp/buf.h"
