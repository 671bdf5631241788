/* profile: being written */
#include "mcp/buf.h"
