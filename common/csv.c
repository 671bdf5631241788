/* csv: being written */
#include "mcp/buf.h"
