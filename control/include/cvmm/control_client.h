/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm control client: the client side of a cvmm control socket (control.h has the
 * protocol, docs/API.md vmm-ref's commands), for orchestrators and tests written in C.
 * Blocking calls with time limits; JSON as json-c objects.
 *
 *   struct ctl_client *c;
 *   ctl_client_connect("/run/vm.sock", 5000, &c);
 *   struct json_object *reply;
 *   ctl_client_execute(c, "query-status", NULL, 5000, &reply);   // {"return": {...}}
 *   json_object_put(reply);
 *   struct json_object *ev;
 *   ctl_client_next_event(c, -1, &ev);                          // {"event": ...}
 *   ctl_client_close(c);
 *
 * One client object belongs to one thread at a time.
 */
#ifndef CVMM_CONTROL_CLIENT_H
#define CVMM_CONTROL_CLIENT_H

#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ctl_client;

/*
 * ctl_client_connect: connects to the socket at path and reads the server's greeting
 * (waiting at most timeout_ms; -1 without limit). Returns 0 and *out; -ETIMEDOUT,
 * -EPROTO (the first line is not a cvmm greeting, e.g. a TooManyClients error), the
 * errno of socket or connect (-ENOENT, -ECONNREFUSED, ...), -ENAMETOOLONG, -ENOMEM.
 */
int ctl_client_connect(const char *path, int timeout_ms, struct ctl_client **out);

/* ctl_client_greeting: the greeting object ({"cvmm": {...}}), owned by the client. */
struct json_object *ctl_client_greeting(const struct ctl_client *c);

/*
 * ctl_client_execute: sends {"execute": command, "arguments": args, "id": N} (args: an
 * object the call takes, or NULL) and waits at most timeout_ms for the reply with that
 * id; events that arrive meanwhile are kept for ctl_client_next_event(). Returns 0 and
 * *reply, the whole reply object ({"return": ...} or {"error": ...}; the caller puts it);
 * -ETIMEDOUT, -ECONNRESET (the server closed the connection), -EPROTO (a line that is not
 * JSON), -ENOMEM, or a send errno.
 */
int ctl_client_execute(struct ctl_client *c, const char *command, struct json_object *args,
                       int timeout_ms, struct json_object **reply);

/*
 * ctl_client_next_event: the next event ({"event": ...}; the caller puts it), waiting at
 * most timeout_ms (-1 without limit, 0 not at all). Returns 0; -ETIMEDOUT, -ECONNRESET,
 * -EPROTO, -ENOMEM.
 */
int ctl_client_next_event(struct ctl_client *c, int timeout_ms, struct json_object **event);

/* ctl_client_fd: the socket, to poll for readability (an event may be waiting). */
int ctl_client_fd(const struct ctl_client *c);

/* ctl_client_close: closes the connection and frees the client (NULL accepted). */
void ctl_client_close(struct ctl_client *c);

#ifdef __cplusplus
}
#endif

#endif /* CVMM_CONTROL_CLIENT_H */
