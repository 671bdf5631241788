/* render: being written */
#include "mcp/buf.h"
