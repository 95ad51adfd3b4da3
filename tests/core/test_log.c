/* JSON-line logging (src/core/log.c): shape, escaping, file mode, collapsing, threads,
 * fork. Every test logs into its own file in a temporary directory. */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "log.h"

static char dir[256];
static char path[512];
static char *content; /* the whole file, read back */

static void use_file(const char *name, st_log_level level)
{
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    st_log_configure(level, path);
}

/* Configure away (to /dev/null) so everything pending is written, then read the file. */
static size_t read_back(void)
{
    st_log_flush();
    st_log_configure(ST_LOG_WARNING, "/dev/null");
    free(content);
    content = calloc(1, 1);
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *buf = malloc(size + 1);
    while (buf && got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf)
        return 0;
    buf[got] = '\0';
    free(content);
    content = buf;
    return got;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Every line is {...} and ends in a newline. */
static bool lines_are_objects(const char *s)
{
    while (*s) {
        const char *nl = strchr(s, '\n');
        if (!nl || *s != '{' || nl[-1] != '}')
            return false;
        s = nl + 1;
    }
    return true;
}

TEST(line_shape)
{
    use_file("shape.log", ST_LOG_INFO);
    st_log(ST_LOG_ERROR, "upstream failed", "status", "503", "endpoint", "https://h/api/1/", NULL);
    read_back();
    CHECK(count_lines(content) == 1);
    /* {"time":"YYYY-MM-DDTHH:MM:SS.mmmZ","level":"error","message":…,"pid":N,…} */
    CHECK(strncmp(content, "{\"time\":\"", 9) == 0);
    const char *t = content + 9;
    CHECK(strlen(t) > 25 && t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' &&
          t[16] == ':' && t[19] == '.' && t[23] == 'Z' && t[24] == '"');
    char expect[256];
    snprintf(expect, sizeof(expect),
             "\",\"level\":\"error\",\"message\":\"upstream failed\",\"pid\":%ld,"
             "\"status\":\"503\",\"endpoint\":\"https://h/api/1/\"}\n",
             (long)getpid());
    CHECK_STR(t + 24, expect);
}

TEST(file_is_created_0600)
{
    mode_t old = umask(0);
    use_file("mode.log", ST_LOG_WARNING);
    umask(old);
    st_log(ST_LOG_WARNING, "hello", NULL);
    struct stat st;
    CHECK(stat(path, &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    read_back();
    CHECK(strstr(content, "\"message\":\"hello\",\"pid\":") != NULL);
}

TEST(appends_to_existing_file)
{
    snprintf(path, sizeof(path), "%s/append.log", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(write(fd, "old\n", 4) == 4);
    close(fd);
    st_log_configure(ST_LOG_WARNING, path);
    st_log(ST_LOG_ERROR, "new", NULL);
    read_back();
    CHECK(strncmp(content, "old\n{\"time\":", 12) == 0);
    CHECK(count_lines(content) == 2);
}

TEST(escaping)
{
    use_file("escape.log", ST_LOG_DEBUG);
    st_log(ST_LOG_INFO, "say \"hi\"\n", "k\"ey", "a\\b\tc\x01\x1f\x7f", "utf8",
           "caf\xc3\xa9 \xe2\x82\xac", "bad",
           "x\xff"
           "y\xc3"
           "z\xed\xa0\x80"
           "w\xc0\xaf",
           "nil", NULL, NULL);
    read_back();
    CHECK(count_lines(content) == 1);
    CHECK(strstr(content, "\"message\":\"say \\\"hi\\\"\\n\"") != NULL);
    CHECK(strstr(content, "\"k\\\"ey\":\"a\\\\b\\tc\\u0001\\u001f\\u007f\"") != NULL);
    CHECK(strstr(content, "\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac\"") != NULL);
    /* Each invalid byte becomes U+FFFD: ff; lone c3; surrogate ed a0 80 (3); overlong c0 af (2). */
    CHECK(strstr(content,
                 "\"bad\":\"x\xef\xbf\xbdy\xef\xbf\xbdz\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                 "w\xef\xbf\xbd\xef\xbf\xbd\"") != NULL);
    CHECK(strstr(content, "\"nil\":null}") != NULL);
    for (const unsigned char *p = (const unsigned char *)content; *p; p++)
        CHECK(*p >= 0x20 || *p == '\n');
}

TEST(long_values_are_cut_but_lines_stay_json)
{
    static char big[20000];
    memset(big, 'v', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    use_file("long.log", ST_LOG_DEBUG);
    st_log(ST_LOG_ERROR, big, "a", big, "b", "small", NULL);
    read_back();
    CHECK(count_lines(content) == 1);
    CHECK(lines_are_objects(content));
    CHECK(strstr(content, "...\"") != NULL);
    CHECK(strlen(content) < 9000);
}

TEST(levels_filter)
{
    use_file("levels.log", ST_LOG_WARNING);
    CHECK(!st_log_enabled(ST_LOG_INFO));
    CHECK(st_log_enabled(ST_LOG_WARNING));
    CHECK(st_log_enabled(ST_LOG_ERROR));
    CHECK(!st_log_enabled(ST_LOG_OFF));
    st_log(ST_LOG_DEBUG, "d", NULL);
    st_log(ST_LOG_INFO, "i", NULL);
    st_log(ST_LOG_WARNING, "w", NULL);
    st_log(ST_LOG_ERROR, "e", NULL);
    read_back();
    CHECK(count_lines(content) == 2);
    CHECK(strstr(content, "\"level\":\"warning\",\"message\":\"w\"") != NULL);
    CHECK(strstr(content, "\"level\":\"error\",\"message\":\"e\"") != NULL);
    CHECK(strstr(content, "\"message\":\"i\"") == NULL);

    use_file("off.log", ST_LOG_OFF);
    CHECK(!st_log_enabled(ST_LOG_ERROR));
    st_log(ST_LOG_ERROR, "e", NULL);
    read_back();
    CHECK(content[0] == '\0');
    CHECK_STR(st_log_level_name(ST_LOG_DEBUG), "debug");
    CHECK_STR(st_log_level_name(ST_LOG_WARNING), "warning");
    CHECK_STR(st_log_level_name(ST_LOG_OFF), "off");
}

TEST(thousand_repeats_collapse)
{
    use_file("collapse.log", ST_LOG_WARNING);
    for (int i = 0; i < 1000; i++) {
        char n[16];
        snprintf(n, sizeof(n), "%d", i);
        st_log(ST_LOG_ERROR, "send failed", "attempt", n, NULL);
    }
    read_back();
    int lines = count_lines(content);
    CHECK(lines <= 2);
    CHECK(lines_are_objects(content));
    /* The summary carries the fields of the last repeat. A slow machine may cross the
     * 1 s window once, so count: lines + repeated = 1000. */
    CHECK(strstr(content, "\"attempt\":\"0\"}") != NULL);
    const char *r = strstr(content, "\"repeated\":");
    CHECK(r != NULL);
    if (r) {
        long rep = strtol(r + 11, NULL, 10);
        CHECK(rep + 1 == 1000);
        CHECK(strstr(content, "\"attempt\":\"999\",\"repeated\":999}\n") != NULL);
    }
}

TEST(different_message_writes_the_summary_first)
{
    use_file("summary.log", ST_LOG_WARNING);
    st_log(ST_LOG_ERROR, "A", NULL);
    st_log(ST_LOG_ERROR, "A", NULL);
    st_log(ST_LOG_ERROR, "A", NULL);
    st_log(ST_LOG_WARNING, "A", NULL); /* other level: a different message */
    st_log(ST_LOG_ERROR, "B", NULL);
    read_back();
    CHECK(count_lines(content) == 4);
    const char *l1 = strstr(content, "\"level\":\"error\",\"message\":\"A\"");
    const char *l2 = strstr(content, "\"repeated\":2}");
    const char *l3 = strstr(content, "\"level\":\"warning\",\"message\":\"A\"");
    const char *l4 = strstr(content, "\"message\":\"B\"");
    CHECK(l1 && l2 && l3 && l4);
    CHECK(l1 < l2 && l2 < l3 && l3 < l4);
}

TEST(repeat_after_the_window_is_written)
{
    use_file("window.log", ST_LOG_WARNING);
    st_log(ST_LOG_ERROR, "slow", NULL);
    st_log(ST_LOG_ERROR, "slow", NULL);
    usleep(1100 * 1000);
    st_log(ST_LOG_ERROR, "slow", NULL);
    read_back();
    /* first, summary of 1, the late one */
    CHECK(count_lines(content) == 3);
    CHECK(strstr(content, "\"repeated\":1}") != NULL);
}

TEST(flush_without_pending_writes_nothing)
{
    use_file("flush.log", ST_LOG_WARNING);
    st_log(ST_LOG_ERROR, "once", NULL);
    st_log_flush();
    st_log_flush();
    read_back();
    CHECK(count_lines(content) == 1);
}

TEST(symlink_is_refused)
{
    char target[512];
    snprintf(target, sizeof(target), "%s/target.log", dir);
    snprintf(path, sizeof(path), "%s/link.log", dir);
    CHECK(symlink(target, path) == 0);
    /* Falls back to stderr; send that to a file so the test output stays clean. */
    char errfile[512];
    snprintf(errfile, sizeof(errfile), "%s/stderr.txt", dir);
    int saved = dup(2);
    int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    st_log_configure(ST_LOG_WARNING, path);
    st_log(ST_LOG_ERROR, "after symlink", NULL);
    st_log_configure(ST_LOG_WARNING, "/dev/null");
    dup2(saved, 2);
    close(saved);
    struct stat st;
    CHECK(lstat(target, &st) != 0); /* nothing created through the link */
    snprintf(path, sizeof(path), "%s", errfile);
    read_back();
    CHECK(strstr(content, "\"message\":\"cannot open log file, logging to stderr\"") != NULL);
    CHECK(strstr(content, "\"message\":\"after symlink\"") != NULL);
}

typedef struct worker_arg {
    int id;
} worker_arg;

static void *worker(void *p)
{
    worker_arg *a = p;
    char msg[32], n[16];
    snprintf(msg, sizeof(msg), "thread %d", a->id);
    for (int i = 0; i < 500; i++) {
        snprintf(n, sizeof(n), "%d", i);
        st_log(ST_LOG_ERROR, msg, "i", n, NULL);
    }
    return NULL;
}

TEST(threads_write_whole_lines)
{
    use_file("threads.log", ST_LOG_WARNING);
    pthread_t th[4];
    worker_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i].id = i;
        pthread_create(&th[i], NULL, worker, &args[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    read_back();
    CHECK(lines_are_objects(content));
    /* Every call is accounted for, written or counted. */
    long total = 0;
    for (const char *l = content; *l;) {
        const char *nl = strchr(l, '\n');
        const char *r = strstr(l, "\"repeated\":");
        total += (r && r < nl) ? strtol(r + 11, NULL, 10) : 1;
        l = nl + 1;
    }
    CHECK(total == 2000);
}

static atomic_int stop_spinner; /* TSan: a plain flag between threads is a race */

static void *spinner(void *p)
{
    (void)p;
    int i = 0;
    while (!atomic_load(&stop_spinner)) {
        char msg[32];
        snprintf(msg, sizeof(msg), "spin %d", i++ % 2); /* alternate: always writes */
        st_log(ST_LOG_ERROR, msg, NULL);
    }
    return NULL;
}

TEST(fork_while_another_thread_logs)
{
    use_file("fork.log", ST_LOG_WARNING);
    pthread_t th;
    atomic_store(&stop_spinner, 0);
    pthread_create(&th, NULL, spinner, NULL);
    int ok = 0;
    for (int i = 0; i < 30; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            alarm(5); /* a deadlock kills the child instead of hanging the suite */
            st_log(ST_LOG_ERROR, "child before configure", NULL);
            st_log_configure(ST_LOG_WARNING, path);
            st_log(ST_LOG_ERROR, "child after configure", NULL);
            _exit(0);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    atomic_store(&stop_spinner, 1);
    pthread_join(th, NULL);
    CHECK(ok == 30);
    read_back();
    CHECK(lines_are_objects(content));
    CHECK(strstr(content, "\"message\":\"child after configure\"") != NULL);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/st_test_log.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(line_shape);
    RUN(file_is_created_0600);
    RUN(appends_to_existing_file);
    RUN(escaping);
    RUN(long_values_are_cut_but_lines_stay_json);
    RUN(levels_filter);
    RUN(thousand_repeats_collapse);
    RUN(different_message_writes_the_summary_first);
    RUN(repeat_after_the_window_is_written);
    RUN(flush_without_pending_writes_nothing);
    RUN(symlink_is_refused);
    RUN(threads_write_whole_lines);
    RUN(fork_while_another_thread_logs);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    free(content);
    CHECK_DONE();
}
