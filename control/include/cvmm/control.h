/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm control: a VMM's control socket, the server side. Orchestrators connect to a Unix
 * stream socket and speak newline-delimited JSON in the manner of QEMU's QMP
 * (docs/API.md has the protocol and vmm-ref's commands and events):
 *
 *   server -> client, on connect   {"cvmm": {"version": "0.1.0", "api": 1}}
 *   client -> server               {"execute": "pause", "arguments": {...}, "id": 7}
 *   server -> client               {"return": {...}, "id": 7}
 *                              or  {"error": {"class": "...", "desc": "..."}, "id": 7}
 *   server -> every client         {"event": "SUSPEND", "data": {...},
 *                                   "timestamp": {"seconds": N, "microseconds": N}}
 *
 * JSON is json-c's (Debian's libjson-c-dev): handlers receive and return json-c objects.
 *
 * The server plugs into a cvmm event loop (one registration for the listening socket,
 * one per client, one for the event queue) and runs on the loop's thread: commands are
 * called there, one at a time, and reply in request order. Events may be emitted from any
 * thread (ctl_server_emit()).
 *
 * Bounds, so that no client can block or slow the loop or the guest:
 *   - the socket is created mode 0600 and a peer whose uid (SO_PEERCRED) is not the
 *     server's is closed at once;
 *   - at most max_clients at a time: one more gets a TooManyClients error and is closed;
 *   - a request line longer than max_request bytes gets a TooLarge error and is skipped
 *     up to its newline; the connection stays usable;
 *   - a line that is not JSON gets a JSONError, one that is not a request an
 *     InvalidRequest; the connection stays usable;
 *   - sockets are non-blocking; a client whose unread replies and events pass
 *     max_pending bytes is disconnected (it never reads: the server does not wait for it).
 */
#ifndef CVMM_CONTROL_H
#define CVMM_CONTROL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evl;

/* The protocol's version in the greeting ("api"). */
#define CTL_API_VERSION 1

/* Defaults of struct ctl_server_config's bounds. */
#define CTL_MAX_CLIENTS_DEFAULT 8u
#define CTL_MAX_REQUEST_DEFAULT (64u * 1024u)
#define CTL_MAX_PENDING_DEFAULT (1024u * 1024u)
/* Events emitted but not yet sent to the clients; more are dropped, and counted. */
#define CTL_EVENT_QUEUE_MAX 1024u

/* Error classes of the protocol ("class" of an error reply). */
#define CTL_ERR_JSON "JSONError"                  /* the line is not JSON */
#define CTL_ERR_INVALID_REQUEST "InvalidRequest"  /* JSON, but not a request */
#define CTL_ERR_TOO_LARGE "TooLarge"              /* the line is over max_request */
#define CTL_ERR_TOO_MANY_CLIENTS "TooManyClients" /* sent before closing a client */
#define CTL_ERR_COMMAND_NOT_FOUND "CommandNotFound"
#define CTL_ERR_INVALID_ARGUMENT "InvalidArgument" /* for handlers */
#define CTL_ERR_WRONG_STATE "WrongState"           /* for handlers: not now */
#define CTL_ERR_NOT_SUPPORTED "NotSupported"       /* for handlers: not on this VM */
#define CTL_ERR_INTERNAL "InternalError"           /* for handlers: it failed */

/* An error a handler reports: class (one of the CTL_ERR_* or its own) and one line. */
struct ctl_error {
	const char *class;
	char desc[256];
};

/* Fills err (class, printf-style description); returns -1 for `return ctl_fail(...)`. */
int ctl_fail(struct ctl_error *err, const char *class, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * A command. args is the request's "arguments" object, or NULL when it had none (the
 * handler must not keep or free it). On success it returns 0 and may set *result to a new
 * object, which the server sends as "return" and frees ({} when left NULL); on failure it
 * returns a negative value with err filled (ctl_fail()).
 */
typedef int (*ctl_command_fn)(void *ctx, struct json_object *args, struct json_object **result,
                              struct ctl_error *err);

struct ctl_server_config {
	const char *path;         /* the socket's path; nothing may exist there yet */
	const char *version;      /* the greeting's "version" (the VMM's) */
	unsigned int max_clients; /* 0: CTL_MAX_CLIENTS_DEFAULT */
	size_t max_request;       /* 0: CTL_MAX_REQUEST_DEFAULT, the newline excluded */
	size_t max_pending;       /* 0: CTL_MAX_PENDING_DEFAULT */
	/* ctl_server_destroy() leaves the path (for a caller whose seccomp filter allows no
	   unlink, or who removes it itself). */
	bool leave_path;
};

struct ctl_server;

/*
 * ctl_server_create: creates the socket at cfg->path (mode 0600; -EEXIST when something
 * else than a dead socket is there, -ENAMETOOLONG when it does not fit a sockaddr_un) and
 * registers it with loop. It also makes json-c seed its string hash (getrandom()) now, so
 * that no thread does later. Returns 0 and *out, or a negative errno.
 */
int ctl_server_create(struct evl *loop, const struct ctl_server_config *cfg,
                      struct ctl_server **out);

/*
 * ctl_server_add_command: name answers with fn(ctx, ...). Returns 0; -EEXIST (a command of
 * that name exists), -EINVAL, -ENOMEM.
 */
int ctl_server_add_command(struct ctl_server *s, const char *name, ctl_command_fn fn, void *ctx);

/*
 * ctl_server_emit: sends event name with data (an object, owned by the call from now on;
 * NULL for {}) to every connected client, stamped with the time of this call. Thread-safe:
 * queued, and written by the loop's thread. Returns 0; -ENOSPC when the queue is full (the
 * event is dropped and counted), -ENOMEM.
 */
int ctl_server_emit(struct ctl_server *s, const char *name, struct json_object *data);

struct ctl_server_stats {
	uint64_t accepted;       /* clients served */
	uint64_t refused_uid;    /* peers closed for their uid */
	uint64_t refused_full;   /* peers closed for max_clients */
	uint64_t dropped_slow;   /* clients closed for max_pending */
	uint64_t requests;       /* request lines answered */
	uint64_t bad_requests;   /* of which JSONError, InvalidRequest or TooLarge */
	uint64_t events;         /* events sent (once per event, whatever the clients) */
	uint64_t events_dropped; /* events the full queue refused */
	unsigned int clients;    /* connected now */
};

/* ctl_server_get_stats: the counters so far. Loop thread. */
void ctl_server_get_stats(const struct ctl_server *s, struct ctl_server_stats *out);

/*
 * ctl_server_drain: at the end, sends what is queued (events, replies) within timeout_ms:
 * runs the loop (evl_run_once) while some client has bytes waiting and time is left, so
 * call it once the loop's other sources are removed. Loop thread.
 */
void ctl_server_drain(struct ctl_server *s, int timeout_ms);

/* ctl_server_fds: the listening socket and the event queue's eventfd (the latter is
 * written by ctl_server_emit() from any thread), for a seccomp filter's rules. */
void ctl_server_fds(const struct ctl_server *s, int *listen_fd, int *event_fd);

/* ctl_server_destroy: closes every client and the socket, removes the socket's path
 * (unless cfg->leave_path), unregisters from the loop (NULL accepted). Loop thread. */
void ctl_server_destroy(struct ctl_server *s);

/* ---- The protocol's messages as pure functions (the server's own; fuzzed) ---- */

/* A parsed request; members point into root, which ctl_request_release() frees. */
struct ctl_request {
	struct json_object *root;
	const char *execute;           /* the command's name */
	struct json_object *arguments; /* an object, or NULL */
	struct json_object *id;        /* anything, or NULL */
};

/*
 * ctl_request_parse: one request line (len bytes, no newline, not NUL-terminated). Returns
 * 0 and *req; or -1 with err filled: CTL_ERR_JSON (not one JSON value), or
 * CTL_ERR_INVALID_REQUEST (not an object; "execute" missing or not a non-empty string;
 * "arguments" not an object; any other member). On an InvalidRequest with a readable
 * "id", *id_out gets a new reference to it (NULL otherwise), for the error reply.
 * Nesting deeper than 64 levels is a JSONError.
 */
int ctl_request_parse(const char *line, size_t len, struct ctl_request *req,
                      struct json_object **id_out, struct ctl_error *err);

/* ctl_request_release: frees what ctl_request_parse() returned. */
void ctl_request_release(struct ctl_request *req);

/*
 * The lines the server sends, each a new string ending in "\n" (free() it), or NULL when
 * out of memory. id may be NULL (no "id" member). result and data may be NULL ({}); the
 * calls do not take them.
 */
char *ctl_format_greeting(const char *version);
char *ctl_format_return(struct json_object *result, struct json_object *id);
char *ctl_format_error(const char *class, const char *desc, struct json_object *id);
char *ctl_format_event(const char *name, struct json_object *data, int64_t seconds,
                       int64_t microseconds);

#ifdef __cplusplus
}
#endif

#endif /* CVMM_CONTROL_H */
