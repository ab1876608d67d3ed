/* SPDX-License-Identifier: Apache-2.0 */
/* The control socket's client (control_client.h). */
#define _GNU_SOURCE
#include <cvmm/control_client.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The longest line the client takes from a server (a reply or an event). */
#define LINE_MAX_BYTES (16u * 1024u * 1024u)
/* Events kept while waiting for a reply; older ones are dropped past this. */
#define EVENTS_KEPT 4096u

struct ctl_client {
	int fd;
	struct json_object *greeting;
	char *buf; /* received, not yet taken: buf[0 .. len) */
	size_t len, cap;
	struct json_object **events; /* a FIFO of events received while waiting for a reply */
	size_t ev_head, ev_len;
	int64_t next_id;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (-1: none). */
static int left(int64_t deadline)
{
	if (deadline < 0)
		return -1;
	int64_t l = deadline - now_ms();
	return l < 0 ? 0 : (int)(l > INT32_MAX ? INT32_MAX : l);
}

/* The next line as a JSON object (*obj), waiting until deadline. */
static int read_line(struct ctl_client *c, int64_t deadline, struct json_object **obj)
{
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - c->buf);
			struct json_tokener *tok = json_tokener_new();
			if (!tok)
				return -ENOMEM;
			*obj = json_tokener_parse_ex(tok, c->buf, (int)n);
			enum json_tokener_error e = json_tokener_get_error(tok);
			json_tokener_free(tok);
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			if (!*obj || e != json_tokener_success) {
				json_object_put(*obj);
				*obj = NULL;
				return -EPROTO;
			}
			return 0;
		}
		if (c->len >= LINE_MAX_BYTES)
			return -EPROTO;
		if (c->cap - c->len < 4096) {
			size_t cap = c->cap ? c->cap * 2 : 8192;
			char *p = realloc(c->buf, cap);
			if (!p)
				return -ENOMEM;
			c->buf = p;
			c->cap = cap;
		}
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		int r = poll(&pfd, 1, left(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		c->len += (size_t)n;
	}
}

static int is_event(struct json_object *o)
{
	return json_object_object_get_ex(o, "event", NULL);
}

static void keep_event(struct ctl_client *c, struct json_object *ev)
{
	if (c->ev_len == EVENTS_KEPT) {
		json_object_put(c->events[c->ev_head]);
		c->ev_head = (c->ev_head + 1) % EVENTS_KEPT;
		c->ev_len--;
	}
	c->events[(c->ev_head + c->ev_len) % EVENTS_KEPT] = ev;
	c->ev_len++;
}

int ctl_client_connect(const char *path, int timeout_ms, struct ctl_client **out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ctl_client *c;
	int ret;

	if (!path || !out)
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->events = calloc(EVENTS_KEPT, sizeof(*c->events));
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!c->events || c->fd < 0) {
		ret = c->events ? -errno : -ENOMEM;
		goto fail;
	}
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto fail;
	}
	ret = read_line(c, timeout_ms < 0 ? -1 : now_ms() + timeout_ms, &c->greeting);
	if (ret == 0 && !json_object_object_get_ex(c->greeting, "cvmm", NULL))
		ret = -EPROTO;
	if (ret < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	ctl_client_close(c);
	return ret;
}

struct json_object *ctl_client_greeting(const struct ctl_client *c)
{
	return c ? c->greeting : NULL;
}

int ctl_client_fd(const struct ctl_client *c)
{
	return c ? c->fd : -1;
}

int ctl_client_execute(struct ctl_client *c, const char *command, struct json_object *args,
                       int timeout_ms, struct json_object **reply)
{
	struct json_object *req = json_object_new_object(), *o, *id;
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms, my_id;
	const char *s;
	int ret = -ENOMEM;

	if (!c || !command || !reply) {
		json_object_put(args);
		json_object_put(req);
		return -EINVAL;
	}
	*reply = NULL;
	my_id = ++c->next_id;
	if (!req || json_object_object_add(req, "execute", json_object_new_string(command)) ||
	    (args && json_object_object_add(req, "arguments", args)) ||
	    json_object_object_add(req, "id", json_object_new_int64(my_id))) {
		if (!req || !json_object_object_get_ex(req, "arguments", NULL))
			json_object_put(args);
		json_object_put(req);
		return -ENOMEM;
	}
	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t n = s ? strlen(s) : 0;
	char *line = s ? malloc(n + 1) : NULL;
	if (line) {
		memcpy(line, s, n);
		line[n] = '\n';
		ret = 0;
		for (size_t off = 0; off <= n && ret == 0;) {
			ssize_t w = send(c->fd, line + off, n + 1 - off, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				ret = -errno;
			else
				off += (size_t)w;
		}
		free(line);
	}
	json_object_put(req);
	while (ret == 0) {
		ret = read_line(c, deadline, &o);
		if (ret < 0)
			break;
		if (is_event(o)) {
			keep_event(c, o);
			continue;
		}
		/* A reply without an id answers a line the server could not read: not ours. */
		if (json_object_object_get_ex(o, "id", &id) &&
		    json_object_is_type(id, json_type_int) && json_object_get_int64(id) == my_id) {
			*reply = o;
			return 0;
		}
		json_object_put(o);
	}
	return ret;
}

int ctl_client_next_event(struct ctl_client *c, int timeout_ms, struct json_object **event)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	struct json_object *o;
	int ret;

	if (!c || !event)
		return -EINVAL;
	*event = NULL;
	if (c->ev_len > 0) {
		*event = c->events[c->ev_head];
		c->ev_head = (c->ev_head + 1) % EVENTS_KEPT;
		c->ev_len--;
		return 0;
	}
	for (;;) {
		ret = read_line(c, deadline, &o);
		if (ret < 0)
			return ret;
		if (is_event(o)) {
			*event = o;
			return 0;
		}
		json_object_put(o); /* a stray reply */
	}
}

void ctl_client_close(struct ctl_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	while (c->events && c->ev_len > 0) {
		json_object_put(c->events[c->ev_head]);
		c->ev_head = (c->ev_head + 1) % EVENTS_KEPT;
		c->ev_len--;
	}
	free(c->events);
	json_object_put(c->greeting);
	free(c->buf);
	free(c);
}
