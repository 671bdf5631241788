/* being written */
#include <stdio.h>
