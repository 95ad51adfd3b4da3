/* libFuzzer harness of src/core/event_build.c + jsonw.c (issue #9): the input is cut into
 * strings (type, value, file, class, function names, the message and a member's key text)
 * and frame/exception counts; whatever they hold (invalid UTF-8, quotes, control bytes),
 * the event must be one valid JSON object within ST_EVENT_MAX_BYTES. */
#include "event_build.h"
#include "jsonscan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The next piece of the input: a length byte, then that many bytes (clamped). */
static st_ev_str piece(const uint8_t **p, size_t *n)
{
    st_ev_str s = {"", 0};
    if (*n == 0)
        return s;
    size_t len = **p;
    (*p)++;
    (*n)--;
    if (len > *n)
        len = *n;
    s.p = (const char *)*p;
    s.n = len;
    *p += len;
    *n -= len;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    size_t nex = 1 + data[0] % 20;         /* past ST_EVENT_MAX_EXCEPTIONS too */
    size_t nframes = (size_t)data[1] * 50; /* up to 12,750 frames per exception */
    bool message = data[2] & 1;
    const uint8_t *p = data + 3;
    size_t n = size - 3;
    st_ev_str type = piece(&p, &n), value = piece(&p, &n), file = piece(&p, &n);
    st_ev_str cls = piece(&p, &n), fn = piece(&p, &n), msg = piece(&p, &n);
    st_ev_frame *frames = calloc(nframes ? nframes : 1, sizeof *frames);
    st_ev_exception *ex = calloc(nex, sizeof *ex);
    if (!frames || !ex) {
        free(frames);
        free(ex);
        return 0;
    }
    for (size_t i = 0; i < nframes; i++)
        frames[i] =
            (st_ev_frame){i % 3 ? file : (st_ev_str){NULL, 0}, i % 2 ? cls : (st_ev_str){NULL, 0},
                          i % 5 ? fn : (st_ev_str){NULL, 0}, (long)i};
    for (size_t i = 0; i < nex; i++)
        ex[i] = (st_ev_exception){type, value, frames, nframes, nframes, i, (uintptr_t)i};
    st_ev_member m = {"extra", "{\"k\":1}", 7};
    st_ev_input in = {0};
    in.level = "error";
    if (message)
        in.message = msg;
    in.exceptions = ex;
    in.nexceptions = nex;
    in.members = &m;
    in.nmembers = 1;
    in.in_app_exclude = "/vendor/, ,x";
    st_jw w;
    st_jw_init(&w, NULL, 0);
    if (st_event_build(&in, &w) == 0) {
        const char *err = NULL;
        if (w.len > ST_EVENT_MAX_BYTES ||
            st_json_scan_object(w.buf, w.len, 64, NULL, 0, NULL, NULL, &err) != 0)
            abort();
    }
    st_jw_free(&w);
    free(frames);
    free(ex);
    return 0;
}
