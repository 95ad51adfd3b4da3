/* Sentry envelopes (DESIGN.md §6): building the queued form of one event, reading an
 * envelope given by the caller, and stamping sent_at when it is really sent.
 *
 * The queued form of a record is a complete envelope whose header line is a JSON
 * object WITHOUT "sent_at"; the drainer splices `"sent_at":"…"` in before sending. */
#ifndef ST_ENVELOPE_H
#define ST_ENVELOPE_H

#include "common.h"
#include "category.h"
#include "dsn.h"
#include "jsonscan.h"

/* What an event is filled with when it lacks the key (issue #2). */
typedef struct st_event_defaults {
    const char *environment; /* "" or NULL: leave absent */
    const char *release;
    const char *server_name;
    const char *public_dsn; /* envelope header "dsn" */

    /* Filled by st_event_defaults_prepare(): the same values as JSON text, rendered once
     * per process so that building an event escapes nothing. */
    bool prepared;
    char rendered[3072];
    st_span environment_member; /* `"environment":"…"`, len 0 if none */
    st_span release_member;
    st_span server_name_member;
    st_span header_tail; /* `,"dsn":"…","sdk":{…}}\n`: the envelope header after event_id */
} st_event_defaults;

/* Render the JSON text of the defaults once (call again after changing them). Returns 0,
 * or -1 if they are too long to render (then build_event renders them per call). */
int st_event_defaults_prepare(st_event_defaults *d);

#define ST_ENVELOPE_MAX_IOV 24

/* The queued form of one event, as pieces pointing into the caller's payload and
 * into `scratch`. Valid while both live. */
typedef struct st_envelope_parts {
    st_iov iov[ST_ENVELOPE_MAX_IOV];
    int niov;
    size_t total;
    char event_id[33];
    st_category category; /* ST_CAT_ERROR or ST_CAT_TRANSACTION */
    char scratch[4096];
    size_t scratch_used;
} st_envelope_parts;

/* Build the queued envelope for one event JSON object (scanned and validated here).
 * `item_type` NULL: "transaction" if the event's top-level "type" is "transaction",
 * else "event"; any other item_type → "unsupported event type". `given_id` (NULL or
 * given_id_len 0: use the payload's "event_id") is normalized with st_event_id_normalize;
 * a payload event_id that is a string is normalized from its contents, one that is
 * another JSON value from its text; absent, null or "" → generated. The payload's
 * event_id is made equal to the header's; missing timestamp, platform ("php"), level
 * ("error"), sdk, environment, release, server_name are filled (defaults NULL/"": not
 * filled; d may be NULL). The payload is the object without surrounding whitespace.
 * Returns 0, or -1 with *err: the scanner's message ("not a JSON object", "invalid
 * UTF-8 in string", …), "event item exceeds 1 MiB", or (defaults too long for scratch)
 * "envelope defaults (…) too long". */
int st_envelope_build_event(const char *json, size_t len, const char *item_type,
                            const char *given_id, size_t given_id_len, const st_event_defaults *d,
                            st_envelope_parts *out, const char **err);

/* An event's scan: where its top-level members that st_envelope_build_* reads are. */
#define ST_EVENT_SCAN_KEYS 9
typedef struct st_event_scan {
    st_span v[ST_EVENT_SCAN_KEYS];
    st_json_object_info info;
} st_event_scan;

/* The top-level keys st_event_scan's spans are for, in order. */
extern const char *const st_event_scan_keys[ST_EVENT_SCAN_KEYS];
/* The validating scan of st_envelope_build_event on its own. The request path runs the
 * same scan with the event policy walked inside it (st_policy_walk_scan with
 * st_event_scan_keys): the JSON is read once. 0, or -1 with *err. */
int st_envelope_scan_event(const char *json, size_t len, st_event_scan *scan, const char **err);
/* st_envelope_build_event for an event already scanned: scan describes json (after a
 * rewrite, with its offsets moved into the rewritten text). */
int st_envelope_build_scanned(const char *json, size_t len, const char *item_type,
                              const char *given_id, size_t given_id_len, const st_event_defaults *d,
                              const st_event_scan *scan, st_envelope_parts *out, const char **err);

/* What st_envelope_inspect learns from an envelope the caller serialized. */
typedef struct st_envelope_info {
    char event_id[33];      /* "" when the header has none and no event item carries one */
    uint32_t category_mask; /* bit (1u << st_category) for every item */
    int items;
    int events;        /* event + transaction items (at most 1 allowed) */
    st_span sent_at;   /* header's "sent_at" member span incl. key, to strip; len 0 if absent */
    size_t header_len; /* bytes of the header line, without its '\n' */
    st_span header_event_id; /* the header's event_id VALUE span; len 0 if absent */
    size_t header_open;      /* offset of the header's '{' */
    bool header_empty;       /* the header object has no members */
    st_span header_dsn;      /* the header's dsn VALUE span, quotes included; len 0 if absent */
    unsigned char open_end;  /* '\n's the last item lacks (0–2): its payload runs to the end */
} st_envelope_info;

/* Validate an envelope: header line is a JSON object; every item header is a JSON
 * object with a "type"; an item with "length" has exactly that many payload bytes
 * followed by '\n' or the end; without "length" the payload runs to the next '\n'
 * or the end; at most one event or transaction; an event/transaction item ≤ 1 MiB.
 * An event/transaction payload must be one valid JSON object. A header "event_id" must
 * be a string or null (null = absent); without one, event_id comes from the payload's
 * top-level "event_id" string, if any; with both, they must be the same id.
 * "length": null counts as absent. Trailing whitespace-only lines are ignored.
 * Returns 0, or -1 with *err. */
int st_envelope_inspect(const char *buf, size_t len, st_envelope_info *info, const char **err);

/* The header's dsn as text ("\/" unescaped): 1 and out filled, 0 when the header has none
 * (or an empty one), -1 when it does not fit in outlen or uses another escape. */
int st_envelope_header_dsn(const char *buf, const st_envelope_info *info, char *out, size_t outlen);

/* Pieces of a caller's envelope in queued form: the header with its "sent_at" member
 * (and a comma next to it) removed; the rest unchanged. Returns niov written (1 or 2;
 * scratch is not used), or -1 if max_iov is too small. */
int st_envelope_strip_sent_at(const char *buf, size_t len, const st_envelope_info *info,
                              st_iov *iov, int max_iov, char *scratch, size_t scratch_len);

/* The queued form of a caller's envelope, as pieces: sent_at removed (it is stamped when
 * sent); the header's event_id made the normalized id of info->event_id (its value
 * replaced, or the member inserted when only the event item carried one); an event or
 * transaction without any id gets a generated one (written to info->event_id). Relay and
 * Sentry's SDK parsers refuse a header id that is not 32 hex digits, so the bytes must
 * carry what sendEnvelope reports; a last item whose payload runs to the end gets its
 * closing '\n' (so an item appended later stays apart). scratch holds the generated bits (≥ 64
 * bytes). Returns the number of pieces (≤ 5), or -1. */
int st_envelope_queued_form(const char *buf, size_t len, st_envelope_info *info, st_iov *iov,
                            int max_iov, char *scratch, size_t scratch_len);

/* Pieces of an (already inspected) envelope without its items of the categories in
 * drop_mask (bits 1u << st_category; rate-limited ones): the header and every other
 * item unchanged. Returns the number of pieces, the number of items dropped in *dropped,
 * and -1 if the envelope cannot be walked or max_iov is too small. */
int st_envelope_without_categories(const char *buf, size_t len, uint32_t drop_mask, st_iov *iov,
                                   int max_iov, int *dropped);

/* The bytes to send for a queued envelope, with sent_at stamped: writes 3 pieces
 * (header up to its closing '}', `,"sent_at":"…"` in `stamp`, the rest).
 * Returns 3, or -1 when the first line is not a JSON object's header. */
int st_envelope_stamp_sent_at(const char *env, size_t len, int64_t wall_ms, st_iov iov[3],
                              char stamp[64]);

#endif
