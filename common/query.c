/* query: being written */
#include "mcp/buf.h"
