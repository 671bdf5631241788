/*
 * clock: deadlines as struct timespec, for pthread_cond_timedwait
 * (CLOCK_REALTIME) and for progress handlers (CLOCK_MONOTONIC).
 */
#ifndef MCP_CLOCK_H
#define MCP_CLOCK_H

#include <stdint.h>
#include <time.h>

/* the time `ms` milliseconds from now on clock `clk` */
static inline void clock_after_ms(clockid_t clk, int64_t ms,
				  struct timespec *ret)
{
	clock_gettime(clk, ret);
	ret->tv_sec += (time_t)(ms / 1000);
	ret->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ret->tv_nsec >= 1000000000L) {
		ret->tv_sec++;
		ret->tv_nsec -= 1000000000L;
	}
}

#endif
