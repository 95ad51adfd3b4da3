/* A Sentry DSN, parsed with curl's URL API (DESIGN.md §6). */
#ifndef ST_DSN_H
#define ST_DSN_H

#include "common.h"

typedef struct st_dsn {
    char endpoint[2048];   /* {scheme}://{host}[:{port}]{/path}/api/{project_id}/envelope/ */
    char auth_header[640]; /* "X-Sentry-Auth: Sentry sentry_version=7, sentry_client=…,
                              sentry_key=…" */
    char public_dsn[1536]; /* the DSN without its secret: safe for envelope headers, status, logs */
    char public_key[128];
    char project_id[64];
    char host[256]; /* IPv6 without brackets */
    int port;       /* explicit port or the scheme's default */
    bool https;
    bool has_secret;
} st_dsn;

/* Parse `dsn`. On error returns -1 and writes a reason that never contains the secret. */
int st_dsn_parse(const char *dsn, st_dsn *out, char *err, size_t errlen);
/* A stored DSN as status and logs show it: its public form (no secret), or "(invalid)".
 * Never the raw text, which may hold the secret. */
void st_dsn_shown(const char *dsn, char *out, size_t outlen);

#endif
