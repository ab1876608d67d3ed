/* SPDX-License-Identifier: Apache-2.0 */
/* The control socket's server: accepts clients on a cvmm event loop, answers their
   requests line by line, and broadcasts events (control.h has the contract). */
#define _GNU_SOURCE
#include <cvmm/control.h>
#include <cvmm/event_loop.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Bytes read from one client per loop round: a client sending without pause cannot keep
   the loop from the others. */
#define READ_BUDGET (64u * 1024u)
/* Connections accepted per loop round. */
#define ACCEPT_BUDGET 16

struct command {
	char *name;
	ctl_command_fn fn;
	void *ctx;
};

struct client {
	struct ctl_server *s;
	int fd;
	char *in; /* the request line so far: max_request bytes */
	size_t in_len;
	bool skipping; /* the line was over max_request: drop up to its newline */
	char *out;     /* unsent bytes at out + out_off .. out + out_len */
	size_t out_off, out_len, out_cap;
	bool watching_out;
	struct client *next;
};

struct ctl_server {
	struct evl *loop;
	int listen_fd, event_fd;
	char *path;
	char *version;
	unsigned int max_clients;
	size_t max_request, max_pending;
	bool leave_path;
	uid_t uid; /* the server's, read once: a seccomp filter need not allow geteuid */
	struct command *cmds;
	size_t ncmds;
	struct client *clients;
	struct ctl_server_stats stats;

	pthread_mutex_t lock; /* guards the event queue and events_dropped */
	char *queue[CTL_EVENT_QUEUE_MAX];
	size_t q_head, q_len;
};

static void client_close(struct client *c)
{
	struct ctl_server *s = c->s;

	for (struct client **p = &s->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	s->stats.clients--;
	evl_remove(s->loop, c->fd);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

/* Sends what is pending; 0, or -1 when the client is gone (closed here). */
static int client_flush(struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			client_close(c);
			return -1;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	bool want = c->out_len > 0;
	if (want != c->watching_out) {
		evl_modify(c->s->loop, c->fd, want ? EVL_IN | EVL_OUT : EVL_IN);
		c->watching_out = want;
	}
	return 0;
}

/* Queues line (taken) for c and sends what the socket takes now. 0, or -1 when the client
   is gone: it disconnected, or its unread bytes would pass max_pending. */
static int client_send(struct client *c, char *line)
{
	size_t n;

	if (!line)
		return 0; /* out of memory: the line is lost, the client stays */
	n = strlen(line);
	if (c->out_len - c->out_off + n > c->s->max_pending) {
		free(line);
		c->s->stats.dropped_slow++;
		client_close(c);
		return -1;
	}
	if (c->out_off > 0 && c->out_len + n > c->out_cap) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + n)
			cap *= 2;
		char *p = realloc(c->out, cap);
		if (!p) {
			free(line);
			return 0;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, line, n);
	c->out_len += n;
	free(line);
	return client_flush(c);
}

static const struct command *find_command(const struct ctl_server *s, const char *name)
{
	for (size_t i = 0; i < s->ncmds; i++)
		if (strcmp(s->cmds[i].name, name) == 0)
			return &s->cmds[i];
	return NULL;
}

/* Answers one request line; -1 when the client is gone. */
static int handle_line(struct client *c, const char *line, size_t len)
{
	struct ctl_server *s = c->s;
	struct ctl_request req;
	struct ctl_error err = {0};
	struct json_object *id = NULL, *result = NULL;
	const struct command *cmd;
	char *reply;

	s->stats.requests++;
	if (ctl_request_parse(line, len, &req, &id, &err) < 0) {
		s->stats.bad_requests++;
		reply = ctl_format_error(err.class, err.desc, id);
		json_object_put(id);
		return client_send(c, reply);
	}
	cmd = find_command(s, req.execute);
	if (!cmd) {
		reply = ctl_format_error(CTL_ERR_COMMAND_NOT_FOUND, "no such command", req.id);
	} else if (cmd->fn(cmd->ctx, req.arguments, &result, &err) < 0) {
		json_object_put(result);
		reply =
		    ctl_format_error(err.class ? err.class : CTL_ERR_INTERNAL, err.desc, req.id);
	} else {
		reply = ctl_format_return(result, req.id);
		json_object_put(result);
	}
	ctl_request_release(&req);
	return client_send(c, reply);
}

/* Takes in n bytes from the peer; -1 when the client is gone. */
static int client_input(struct client *c, const char *buf, size_t n)
{
	struct ctl_server *s = c->s;

	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t part = nl ? (size_t)(nl - buf) : n;

		if (c->skipping) {
			if (nl)
				c->skipping = false;
		} else if (c->in_len + part > s->max_request) {
			s->stats.requests++;
			s->stats.bad_requests++;
			c->in_len = 0;
			c->skipping = !nl;
			char desc[96];
			snprintf(desc, sizeof(desc), "a request is at most %zu bytes",
			         s->max_request);
			if (client_send(c, ctl_format_error(CTL_ERR_TOO_LARGE, desc, NULL)) < 0)
				return -1;
		} else {
			memcpy(c->in + c->in_len, buf, part);
			c->in_len += part;
			if (nl) {
				size_t len = c->in_len;
				c->in_len = 0;
				/* A blank line (keep-alive) gets no reply. */
				bool blank = true;
				for (size_t i = 0; i < len && blank; i++)
					blank =
					    c->in[i] == ' ' || c->in[i] == '\t' || c->in[i] == '\r';
				if (!blank && handle_line(c, c->in, len) < 0)
					return -1;
			}
		}
		if (!nl)
			break;
		n -= part + 1;
		buf = nl + 1;
	}
	return 0;
}

static void on_client(void *ctx, int fd, uint32_t events)
{
	struct client *c = ctx;
	char buf[4096];
	size_t budget = READ_BUDGET;

	(void)fd;
	if ((events & EVL_OUT) && client_flush(c) < 0)
		return;
	if (!(events & (EVL_IN | EVL_HUP | EVL_ERR)))
		return;
	while (budget > 0) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			client_close(c);
			return;
		}
		if (client_input(c, buf, (size_t)n) < 0)
			return;
		budget -= (size_t)n < budget ? (size_t)n : budget;
	}
}

static void refuse(int fd, const char *class, const char *desc)
{
	char *line = ctl_format_error(class, desc, NULL);
	if (line) {
		ssize_t r = send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)r;
		free(line);
	}
	close(fd);
}

static void on_listen(void *ctx, int fd, uint32_t events)
{
	struct ctl_server *s = ctx;

	(void)events;
	for (int i = 0; i < ACCEPT_BUDGET; i++) {
		struct ucred cred;
		socklen_t cl = sizeof(cred);
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0)
			return; /* EAGAIN, or a peer gone before accept: nothing to do */
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 ||
		    cred.uid != s->uid) {
			s->stats.refused_uid++;
			close(cfd);
			continue;
		}
		if (s->stats.clients >= s->max_clients) {
			s->stats.refused_full++;
			refuse(cfd, CTL_ERR_TOO_MANY_CLIENTS,
			       "the server has all the clients it takes");
			continue;
		}
		struct client *c = calloc(1, sizeof(*c));
		if (c)
			c->in = malloc(s->max_request ? s->max_request : 1);
		if (!c || !c->in || evl_add(s->loop, cfd, EVL_IN, on_client, c) < 0) {
			if (c)
				free(c->in);
			free(c);
			close(cfd);
			continue;
		}
		c->s = s;
		c->fd = cfd;
		c->next = s->clients;
		s->clients = c;
		s->stats.clients++;
		s->stats.accepted++;
		client_send(c, ctl_format_greeting(s->version));
	}
}

static void on_events(void *ctx, int fd, uint32_t events)
{
	struct ctl_server *s = ctx;
	uint64_t v;
	char *lines[CTL_EVENT_QUEUE_MAX];
	size_t n = 0;

	(void)events;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&s->lock);
	while (s->q_len > 0) {
		lines[n++] = s->queue[s->q_head];
		s->q_head = (s->q_head + 1) % CTL_EVENT_QUEUE_MAX;
		s->q_len--;
	}
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < n; i++) {
		struct client *c = s->clients, *next;
		for (; c; c = next) {
			next = c->next;
			char *copy = strdup(lines[i]);
			client_send(c, copy);
		}
		s->stats.events++;
		free(lines[i]);
	}
}

int ctl_server_emit(struct ctl_server *s, const char *name, struct json_object *data)
{
	struct timespec ts;
	char *line;
	uint64_t one = 1;
	int ret = 0;

	if (!s || !name) {
		json_object_put(data);
		return -EINVAL;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	line = ctl_format_event(name, data, ts.tv_sec, ts.tv_nsec / 1000);
	json_object_put(data);
	pthread_mutex_lock(&s->lock);
	if (!line) {
		s->stats.events_dropped++;
		ret = -ENOMEM;
	} else if (s->q_len == CTL_EVENT_QUEUE_MAX) {
		s->stats.events_dropped++;
		free(line);
		ret = -ENOSPC;
	} else {
		s->queue[(s->q_head + s->q_len) % CTL_EVENT_QUEUE_MAX] = line;
		s->q_len++;
	}
	pthread_mutex_unlock(&s->lock);
	if (ret == 0) {
		ssize_t w = write(s->event_fd, &one, sizeof(one));
		(void)w; /* a full counter still wakes the loop */
	}
	return ret;
}

int ctl_server_add_command(struct ctl_server *s, const char *name, ctl_command_fn fn, void *ctx)
{
	struct command *cmds;

	if (!s || !name || !*name || !fn)
		return -EINVAL;
	if (find_command(s, name))
		return -EEXIST;
	cmds = realloc(s->cmds, (s->ncmds + 1) * sizeof(*cmds));
	if (!cmds)
		return -ENOMEM;
	s->cmds = cmds;
	cmds[s->ncmds].name = strdup(name);
	if (!cmds[s->ncmds].name)
		return -ENOMEM;
	cmds[s->ncmds].fn = fn;
	cmds[s->ncmds].ctx = ctx;
	s->ncmds++;
	return 0;
}

void ctl_server_get_stats(const struct ctl_server *s, struct ctl_server_stats *out)
{
	*out = s->stats;
	pthread_mutex_lock((pthread_mutex_t *)&s->lock);
	out->events_dropped = s->stats.events_dropped;
	pthread_mutex_unlock((pthread_mutex_t *)&s->lock);
}

/* Whether path is a socket nobody listens on (a server ended without removing it). */
static bool dead_socket(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	bool dead = false;
	int fd;

	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		dead = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 &&
		       errno == ECONNREFUSED;
		close(fd);
	}
	return dead;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!dead_socket(path, &sa))
			return -EEXIST;
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The node is made with the umask's mode: 0600 from the start, no window. */
	old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		ret = -errno;
		if (ret != -EADDRINUSE)
			unlink(path);
		close(fd);
		return ret == -EADDRINUSE ? -EEXIST : ret;
	}
	return fd;
}

static bool output_waiting(const struct ctl_server *s)
{
	for (const struct client *c = s->clients; c; c = c->next)
		if (c->out_len > c->out_off)
			return true;
	return false;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ctl_server_drain(struct ctl_server *s, int timeout_ms)
{
	int64_t end;

	if (!s)
		return;
	end = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	on_events(s, s->event_fd, EVL_IN);
	while (output_waiting(s)) {
		int64_t left = end - mono_ms();
		if (left <= 0 || evl_run_once(s->loop, (int)(left < 50 ? left : 50)) < 0)
			break;
	}
}

void ctl_server_fds(const struct ctl_server *s, int *listen_fd, int *event_fd)
{
	*listen_fd = s ? s->listen_fd : -1;
	*event_fd = s ? s->event_fd : -1;
}

int ctl_server_create(struct evl *loop, const struct ctl_server_config *cfg,
                      struct ctl_server **out)
{
	struct ctl_server *s;
	int ret;

	if (!loop || !cfg || !cfg->path || !out)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->listen_fd = s->event_fd = -1;
	s->max_clients = cfg->max_clients ? cfg->max_clients : CTL_MAX_CLIENTS_DEFAULT;
	s->max_request = cfg->max_request ? cfg->max_request : CTL_MAX_REQUEST_DEFAULT;
	s->max_pending = cfg->max_pending ? cfg->max_pending : CTL_MAX_PENDING_DEFAULT;
	s->leave_path = cfg->leave_path;
	s->uid = geteuid();
	pthread_mutex_init(&s->lock, NULL);
	s->path = strdup(cfg->path);
	s->version = strdup(cfg->version ? cfg->version : "");
	if (!s->path || !s->version) {
		ret = -ENOMEM;
		goto fail;
	}
	/* json-c seeds its string hash on the first object key it hashes, with getrandom()
	   (or /dev/urandom): done here, at set-up, so that ctl_server_emit() on any thread
	   later (under a seccomp filter that allows neither, say) makes no such call. */
	char *probe = ctl_format_greeting(s->version);
	if (!probe) {
		ret = -ENOMEM;
		goto fail;
	}
	free(probe);
	s->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->event_fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = listen_on(cfg->path);
	if (ret < 0)
		goto fail;
	s->listen_fd = ret;
	ret = evl_add(loop, s->listen_fd, EVL_IN, on_listen, s);
	if (ret == 0) {
		ret = evl_add(loop, s->event_fd, EVL_IN, on_events, s);
		if (ret < 0)
			evl_remove(loop, s->listen_fd);
	}
	if (ret < 0) {
		unlink(s->path);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->event_fd >= 0)
		close(s->event_fd);
	free(s->path);
	free(s->version);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return ret;
}

void ctl_server_destroy(struct ctl_server *s)
{
	if (!s)
		return;
	while (s->clients)
		client_close(s->clients);
	evl_remove(s->loop, s->listen_fd);
	evl_remove(s->loop, s->event_fd);
	close(s->listen_fd);
	close(s->event_fd);
	if (!s->leave_path)
		unlink(s->path);
	while (s->q_len > 0) {
		free(s->queue[s->q_head]);
		s->q_head = (s->q_head + 1) % CTL_EVENT_QUEUE_MAX;
		s->q_len--;
	}
	for (size_t i = 0; i < s->ncmds; i++)
		free(s->cmds[i].name);
	free(s->cmds);
	free(s->path);
	free(s->version);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
