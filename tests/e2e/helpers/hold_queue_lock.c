/* e2e helper of tests/e2e/queue_lock_kill.php, built by that test (not part of the
 * extension): a process that dies inside the queue lock. It attaches the named queue with
 * the extension's own core code, takes the queue lock, starts writing a record past the
 * tail as st_queue_push does (never published: the tail does not move), says "locked" and
 * waits for its SIGKILL. */
#include "queue.h"
#include "queue_private.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <queue.name>\n", argv[0]);
        return 2;
    }
    st_queue_options o = {.name = argv[1], .path = "", .memory = 64u << 20, .max_records = 50000};
    st_queue *q = NULL;
    char err[256];
    if (st_queue_open(&o, &q, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    st_queue_lock(q);
    st_queue_header *h = q->hdr;
    uint64_t off = h->tail % h->data_size;
    uint64_t room = h->data_size - off, free_bytes = h->data_size - (h->tail - h->head);
    size_t n = (size_t)(room < free_bytes ? room : free_bytes);
    n = n > 256 ? 256 : n;
    memset(q->data + off, 0xAB, n); /* half a record: what a writer killed mid-copy leaves */
    printf("locked %zu\n", n);
    fflush(stdout);
    for (;;)
        pause();
}
