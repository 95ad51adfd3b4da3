/* The event policy's walk over one event, driven by the validating JSON scanner's hooks
 * (jsonscan.h), so an event is read once: validated, scrubbed and checked against the
 * ignore rules in the same pass. The rules are in policy.h.
 *
 *   st_policy_walk w;
 *   st_policy_walk_begin(&w, policy, json, len);
 *   int rc = st_policy_walk_scan(&w, keys, nkeys, values, &info, &err);
 *   st_policy_verdict v = st_policy_walk_finish(&w, rc, &out, &out_len);
 *   … st_policy_walk_map(&w, offset) moves an input offset outside the edits into out …
 *   st_policy_walk_end(&w);
 *
 * The walker lives on the caller's stack; it allocates only past 24 nested entered
 * levels, past 16 edits, or for an escaped key/text longer than 512 bytes. */
#ifndef ST_POLICY_WALK_H
#define ST_POLICY_WALK_H

#include "jsonscan.h"
#include "policy.h"

typedef struct st_policy_frame {
    uint8_t ctx;
    bool array;
    bool filter_second; /* a [name, value] pair whose name matched */
    bool has_prev, cur_removed, kept;
    uint32_t count;  /* members begun */
    long pending;    /* removal edit whose end moves to the next member's start, or -1 */
    size_t last_end; /* just past the latest member's value */
} st_policy_frame;

typedef struct st_policy_edit {
    size_t start, end;
    bool filter; /* replace by "[Filtered]"; else delete */
} st_policy_edit;

#define ST_POLICY_FRAMES_INLINE 24
#define ST_POLICY_EDITS_INLINE 16
#define ST_POLICY_SCRATCH_INLINE 512

typedef struct st_policy_walk {
    const st_policy *pol;
    const char *buf;
    size_t len;
    bool active; /* the policy has something to do */
    /* Set by the caller after begin when the JSON is ext/json's own output (valid JSON and
     * valid UTF-8 by construction): containers the walk does not enter are then only
     * bracket-matched, not validated (their nesting depth still is). Never for input that
     * comes from a caller as a string. */
    bool trusted;
    st_policy_verdict verdict; /* why a hook stopped the scan */
    uint8_t todo;              /* what the current member's value_end does */
    bool todo_sets_pending;    /* (a removal with no kept member before it) */
    size_t todo_start;         /* where that edit starts */
    st_policy_frame *fr;
    size_t nfr, capfr;
    st_policy_edit *ed;
    size_t ned, caped;
    char *heap_scratch;
    size_t heap_scratch_cap;
    st_policy_frame fr_inline[ST_POLICY_FRAMES_INLINE];
    st_policy_edit ed_inline[ST_POLICY_EDITS_INLINE];
    char scratch[ST_POLICY_SCRATCH_INLINE];
} st_policy_walk;

void st_policy_walk_begin(st_policy_walk *w, const st_policy *pol, const char *json, size_t len);
/* The validating scan of the event (st_json_scan_object_keys: keys, values, info, err as
 * there) with the walk inside it; a policy with nothing to do (no scrub fields, no ignore
 * entries, send_default_pii on) only scans. 0 valid, -1 invalid (*err), 1 a rule stopped
 * the scan (ignored, or out of memory). */
int st_policy_walk_scan(st_policy_walk *w, const char *const *keys, size_t nkeys, st_span *values,
                        st_json_object_info *info, const char **err);
/* After the scan (rc: its return value). KEEP: *out is the rewritten event (malloc'd, the
 * caller frees) or NULL when nothing changed; IGNORED; ERROR: out of memory, or the scan
 * failed (rc -1: the JSON is invalid). */
st_policy_verdict st_policy_walk_finish(st_policy_walk *w, int rc, char **out, size_t *out_len);
/* Where input offset off (not inside an edited span) is in the rewritten event. */
size_t st_policy_walk_map(const st_policy_walk *w, size_t off);
/* Free what the walk allocated (safe after begin, whatever happened). */
void st_policy_walk_end(st_policy_walk *w);

#endif
