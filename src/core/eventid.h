/* Sentry event ids: 32 lowercase hex digits, no dashes. */
#ifndef ST_EVENTID_H
#define ST_EVENTID_H

#include "common.h"

/* If `in` is 32 hex digits once dashes are removed, lowercase it into out and return
 * true. Otherwise map it deterministically (same input → same id, a 128-bit hash)
 * to a valid id, and return false. out is NUL-terminated. */
bool st_event_id_normalize(const char *in, size_t len, char out[33]);
/* A random (UUIDv4-shaped) id; cheap: a per-process generator seeded from the OS,
 * reseeded after fork. */
void st_event_id_generate(char out[33]);

#endif
