/*
 * worker: the query worker process, and the line protocol it speaks with
 * the server process that spawned it (sandbox.c).
 *
 * The server never runs client SQL itself.  Tools that do (query,
 * sample_rows, query_many, weighted_stats) run in a worker: mcpd started
 * again with WORKER_ARG, stdin and stdout being pipes to the server.  The
 * worker lowers its own limits (address space, SQLite's heap) before it
 * opens anything, then serves one call at a time:
 *
 *   server -> worker   {"tool":NAME,"args":{...},"limits":{...}}
 *   worker -> server   {"progress":P,"total":T,"message":M}   zero or more
 *                      {"isError":B,"status":S,"sql":...,
 *                       "datasets":...,"rows":N,"text_bytes":N,
 *                       "structured":B}
 *                      then one line holding the text as a JSON string
 *                      literal, which the server passes on as it is,
 *                      then, when "structured" is true, one line holding
 *                      the structuredContent JSON as the tool built it
 *
 * Whatever the SQL does, the server bounds the call from outside: it
 * kills the worker at the deadline, on cancellation, or when its answer
 * grows past the byte limit, and starts another.
 */
#ifndef MCPD_WORKER_H
#define MCPD_WORKER_H

#include <stdint.h>

/* argv[1] that starts mcpd as a query worker */
#define WORKER_ARG "--query-worker"

/* a worker that cannot allocate exits with this status */
#define WORKER_EXIT_OOM 71

/* the smallest memory limit a worker accepts, in MB */
#define WORKER_MIN_MEMORY_MB 64

/* mcpd --query-worker CATALOG MEMORY_MB: serve calls until stdin closes */
int worker_main(int argc, char **argv);

#endif
