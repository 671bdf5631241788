/* import: being written */
#include "mcp/buf.h"
