/*
 * bootstrap.c: the C floor. A complete, minimal AWS Lambda custom runtime in C that echoes each event
 * back as its response. It is the physical floor every benchmark reports beside the Python runtimes, and
 * a second, non-Python client of the Runtime API.
 *
 * libc only; one kept-alive TCP connection to $AWS_LAMBDA_RUNTIME_API with TCP_NODELAY (reopened only when
 * the server closes it); the event buffer is the only allocation after start-up, grown as events need.
 *
 * Errors: a missing or bad AWS_LAMBDA_RUNTIME_API, or an unreachable API, is a message on stderr and exit
 * status 1 (there is nobody to report it to); an event buffer that cannot be allocated at start-up is
 * reported to /runtime/init/error; any failure of GET /next exits (the platform restarts the runtime);
 * an event larger than Lambda's payload limit is reported to /runtime/invocation/{id}/error.
 *
 * Build: cc -O2 -Wall -Wextra -o bootstrap bootstrap.c   (or `python build.py --c-floor`)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define API "/2018-06-01/runtime"
/* Lambda's limit on a synchronous request or response payload: 6 MiB + 100 bytes. */
#define MAX_EVENT 6291556L
#define INITIAL_EVENT 65536
#define LINE_MAX_LEN 8192
#define ID_MAX 256

static char api_host[256];
static char api_port[16];
static int sock = -1;
static int reused;            /* the connection already carried a request: a failure may be a stale close */

static char rbuf[65536];      /* bytes received and not yet consumed */
static size_t rpos, rlen;

static char *event;           /* the event buffer: the one allocation that grows */
static size_t event_cap;

struct response {
    int status;
    long content_length;      /* -1 when absent */
    int chunked;
    int close;
    char request_id[ID_MAX];
    char invocation_id[ID_MAX];
    char content_type[256];
};

static void report(const char *fmt, va_list ap)
{
    fputs("bootstrap: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
    exit(1);
}

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
}

/* Split "host:port" or "[v6]:port" into api_host / api_port; 0 on success. */
static int parse_api(const char *api)
{
    const char *colon = strrchr(api, ':');
    const char *host = api;
    size_t host_len;
    if (!colon || !colon[1] || strlen(colon + 1) >= sizeof api_port)
        return -1;
    host_len = (size_t)(colon - api);
    if (host_len >= 2 && api[0] == '[' && colon[-1] == ']') {
        host++;
        host_len -= 2;
    }
    if (host_len == 0 || host_len >= sizeof api_host)
        return -1;
    for (const char *p = colon + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    memcpy(api_host, host, host_len);
    api_host[host_len] = '\0';
    strcpy(api_port, colon + 1);
    return 0;
}

static void disconnect(void)
{
    if (sock >= 0)
        close(sock);
    sock = -1;
    rpos = rlen = 0;
}

/* Open the connection to the Runtime API; 0 on success, else -1 with errno-ish detail printed. */
static int connect_api(void)
{
    struct addrinfo hints, *found, *ai;
    int one = 1, rc;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(api_host, api_port, &hints, &found);
    if (rc != 0) {
        warn("cannot resolve Runtime API host %s: %s", api_host, gai_strerror(rc));
        return -1;
    }
    for (ai = found; ai; ai = ai->ai_next) {
        sock = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (sock < 0)
            continue;
        if (connect(sock, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(sock);
        sock = -1;
    }
    freeaddrinfo(found);
    if (sock < 0) {
        warn("cannot connect to the Runtime API at %s:%s: %s", api_host, api_port, strerror(errno));
        return -1;
    }
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    reused = 0;
    return 0;
}

/* Send every byte of the iovecs; 0 on success. */
static int send_all(struct iovec *iov, int count)
{
    struct msghdr msg;
    while (count > 0) {
        ssize_t sent;
        memset(&msg, 0, sizeof msg);
        msg.msg_iov = iov;
        msg.msg_iovlen = (size_t)count;
        sent = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        while (count > 0 && (size_t)sent >= iov->iov_len) {
            sent -= (ssize_t)iov->iov_len;
            iov++;
            count--;
        }
        if (count > 0) {
            iov->iov_base = (char *)iov->iov_base + sent;
            iov->iov_len -= (size_t)sent;
        }
    }
    return 0;
}

/* Make received bytes available; 1 when some are, 0 at end of stream, -1 on error. */
static int fill(void)
{
    ssize_t got;
    if (rpos < rlen)
        return 1;
    rpos = rlen = 0;
    do
        got = recv(sock, rbuf, sizeof rbuf, 0);
    while (got < 0 && errno == EINTR);
    if (got <= 0)
        return (int)got;
    rlen = (size_t)got;
    return 1;
}

/* Read one CRLF-terminated line (without the CRLF); its length, or -1 on EOF, error or overlong line. */
static long read_line(char *line, size_t cap)
{
    size_t len = 0;
    for (;;) {
        char c;
        if (fill() <= 0)
            return -1;
        c = rbuf[rpos++];
        if (c == '\n')
            break;
        if (len + 1 >= cap)
            return -1;
        line[len++] = c;
    }
    if (len > 0 && line[len - 1] == '\r')
        len--;
    line[len] = '\0';
    return (long)len;
}

static void copy_value(char *dest, size_t cap, const char *value)
{
    size_t len = strlen(value);
    if (len >= cap)
        len = cap - 1;
    memcpy(dest, value, len);
    dest[len] = '\0';
}

/* Read a response's status line and headers into r; 0 on success, 1 if the stream ended first, -1 else. */
static int read_head(struct response *r)
{
    static char line[LINE_MAX_LEN];
    long len = read_line(line, sizeof line);
    memset(r, 0, sizeof *r);
    r->content_length = -1;
    if (len < 0)
        return 1;
    if (strncmp(line, "HTTP/1.", 7) != 0 || len < 12)
        return -1;
    r->status = atoi(line + 9);
    r->close = line[7] == '0';
    while ((len = read_line(line, sizeof line)) > 0) {
        char *value = strchr(line, ':');
        if (!value)
            return -1;
        *value++ = '\0';
        while (*value == ' ' || *value == '\t')
            value++;
        if (!strcasecmp(line, "Content-Length"))
            r->content_length = strtol(value, NULL, 10);
        else if (!strcasecmp(line, "Transfer-Encoding"))
            r->chunked = strcasestr(value, "chunked") != NULL;
        else if (!strcasecmp(line, "Connection"))
            r->close = strcasestr(value, "close") != NULL;
        else if (!strcasecmp(line, "Lambda-Runtime-Aws-Request-Id"))
            copy_value(r->request_id, sizeof r->request_id, value);
        else if (!strcasecmp(line, "Lambda-Runtime-Invocation-Id"))
            copy_value(r->invocation_id, sizeof r->invocation_id, value);
        else if (!strcasecmp(line, "Content-Type"))
            copy_value(r->content_type, sizeof r->content_type, value);
    }
    return len == 0 ? 0 : -1;
}

/* Take `count` body bytes, into the event buffer at `*len` when `keep`, else dropped; 0 on success. */
static int take(size_t count, int keep, size_t *len)
{
    while (count > 0) {
        size_t chunk;
        if (fill() <= 0)
            return -1;
        chunk = rlen - rpos < count ? rlen - rpos : count;
        if (keep)
            memcpy(event + *len, rbuf + rpos, chunk);
        *len += chunk;
        rpos += chunk;
        count -= chunk;
    }
    return 0;
}

/* Grow the event buffer to hold `need` bytes; 0 on success. */
static int reserve(size_t need)
{
    char *grown;
    size_t cap = event_cap;
    if (need <= event_cap)
        return 0;
    while (cap < need)
        cap *= 2;
    grown = realloc(event, cap);
    if (!grown)
        return -1;
    event = grown;
    event_cap = cap;
    return 0;
}

/*
 * Read a response body. With `keep`, store up to MAX_EVENT bytes in the event buffer; a bigger body is
 * read and dropped so the connection stays usable. Sets *len to the body's full size; 0 on success.
 */
static int read_body(const struct response *r, int keep, size_t *len)
{
    static char line[LINE_MAX_LEN];
    *len = 0;
    if (!r->chunked) {
        size_t size = r->content_length > 0 ? (size_t)r->content_length : 0;
        int fits = keep && size <= MAX_EVENT && reserve(size) == 0;
        return take(size, fits, len);
    }
    for (;;) {
        size_t size;
        int fits;
        if (read_line(line, sizeof line) < 0)
            return -1;
        size = strtoul(line, NULL, 16);
        if (size == 0)
            break;
        fits = keep && *len + size <= MAX_EVENT && reserve(*len + size) == 0;
        if (take(size, fits, len) < 0 || read_line(line, sizeof line) != 0)
            return -1;
    }
    for (;;) { /* trailers, up to the blank line */
        long n = read_line(line, sizeof line);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
    }
}

/*
 * Send one request and read the response head into r. A request that fails on a reused connection
 * before any response byte arrived (the server closed it while idle) is retried once on a new one.
 */
static int request(const char *method, const char *path, const char *headers, const char *body,
                   size_t body_len, struct response *r)
{
    static char head[1024];
    for (int attempt = 0; attempt < 2; attempt++) {
        struct iovec iov[2];
        int n, rc;
        if (sock < 0 && connect_api() < 0)
            return -1;
        n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: lambda-native-c-floor/0.1\r\n"
                     "%sContent-Length: %zu\r\n\r\n",
                     method, path, api_host, api_port, headers, body_len);
        if (n < 0 || (size_t)n >= sizeof head)
            return -1;
        iov[0].iov_base = head;
        iov[0].iov_len = (size_t)n;
        iov[1].iov_base = (void *)body;
        iov[1].iov_len = body_len;
        rc = send_all(iov, body_len ? 2 : 1) == 0 ? read_head(r) : 1;
        if (rc == 0) {
            reused = 1;
            return 0;
        }
        if (rc < 0 || !reused) {
            disconnect();
            return -1;
        }
        disconnect(); /* stale keep-alive connection: once more on a fresh one */
    }
    return -1;
}

/* Finish a POST: drop the reply body, keep or close the connection as the server says. */
static void finish_post(const char *what, const struct response *r)
{
    size_t len;
    if (read_body(r, 0, &len) < 0 || r->close)
        disconnect();
    if (r->status >= 500)
        fail("%s answered %d: the platform asks the runtime to exit", what, r->status);
    if (r->status != 202)
        warn("%s answered %d", what, r->status);
}

/* Report an error document to `path`, e.g. /runtime/init/error. */
static void post_error(const char *path, const char *type, const char *message, const char *request_id,
                       const char *invocation_id)
{
    static char body[1024], headers[512];
    struct response r;
    int len = snprintf(body, sizeof body,
                       "{\"errorMessage\":\"%s\",\"errorType\":\"%s\",\"requestId\":\"%s\",\"stackTrace\":[]}",
                       message, type, request_id);
    snprintf(headers, sizeof headers, "Content-Type: application/json\r\nLambda-Runtime-Function-Error-Type: %s\r\n%s%s%s",
             type, *invocation_id ? "Lambda-Runtime-Invocation-Id: " : "", invocation_id,
             *invocation_id ? "\r\n" : "");
    if (len < 0 || (size_t)len >= sizeof body || request(
            "POST", path, headers, body, (size_t)len, &r) < 0)
        fail("cannot report %s to %s", type, path);
    finish_post(path, &r);
}

/* A request id or invocation id goes into a path or a header: only a safe, bounded token is accepted. */
static int safe_token(const char *id)
{
    if (!*id)
        return 0;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '_' || *p == '.'))
            return 0;
    return 1;
}

int main(void)
{
    static char path[512], headers[512], message[256];
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    struct response r;

    setvbuf(stderr, NULL, _IOLBF, 0);
    if (!api || !*api)
        fail("AWS_LAMBDA_RUNTIME_API is not set: this program is a Lambda runtime, started by Lambda");
    if (parse_api(api) < 0)
        fail("AWS_LAMBDA_RUNTIME_API=%s is not HOST:PORT", api);
    if (connect_api() < 0)
        exit(1);
    event_cap = INITIAL_EVENT;
    event = malloc(event_cap);
    if (!event) {
        post_error(API "/init/error", "Runtime.OutOfMemory", "cannot allocate the event buffer", "", "");
        exit(1);
    }

    for (;;) {
        size_t len;
        if (request("GET", API "/invocation/next", "", NULL, 0, &r) < 0)
            fail("GET %s/invocation/next failed", API);
        if (r.status != 200)
            fail("GET %s/invocation/next answered %d", API, r.status);
        if (read_body(&r, 1, &len) < 0)
            fail("GET %s/invocation/next: the event could not be read", API);
        if (r.close)
            disconnect();
        if (!safe_token(r.request_id))
            fail("GET %s/invocation/next gave no usable Lambda-Runtime-Aws-Request-Id", API);
        if (!safe_token(r.invocation_id))
            r.invocation_id[0] = '\0';

        if (len > MAX_EVENT || len > event_cap) {
            snprintf(path, sizeof path, API "/invocation/%s/error", r.request_id);
            snprintf(message, sizeof message, "event of %zu bytes exceeds the %ld bytes this runtime accepts",
                     len, MAX_EVENT);
            post_error(path, "Runtime.EventTooLarge", message, r.request_id, r.invocation_id);
            continue;
        }
        snprintf(path, sizeof path, API "/invocation/%s/response", r.request_id);
        snprintf(headers, sizeof headers, "Content-Type: %s\r\n%s%s%s",
                 *r.content_type ? r.content_type : "application/json",
                 *r.invocation_id ? "Lambda-Runtime-Invocation-Id: " : "", r.invocation_id,
                 *r.invocation_id ? "\r\n" : "");
        if (request("POST", path, headers, event, len, &r) < 0)
            fail("POST %s failed", path);
        finish_post(path, &r);
    }
}
