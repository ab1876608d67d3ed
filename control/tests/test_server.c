/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control server and client on real Unix sockets: a thread runs the event loop with
 * the server (and a few test commands); the test thread is the client, through the client
 * library or raw sockets where it must misbehave.
 */
#define _GNU_SOURCE
#include <cvmm/control.h>
#include <cvmm/control_client.h>
#include <cvmm/event_loop.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static struct {
	char dir[64], path[128];
	struct evl *loop;
	struct ctl_server *server;
	pthread_t thread;
	int stop_fd;
	bool running;
} T;

static void on_stop(void *ctx, int fd, uint32_t events)
{
	(void)ctx, (void)events;
	uint64_t v;
	cr_assert_eq(read(fd, &v, sizeof(v)), (ssize_t)sizeof(v));
	evl_stop(T.loop, 0);
}

/* echo: returns its arguments. */
static int cmd_echo(void *ctx, struct json_object *args, struct json_object **result,
                    struct ctl_error *err)
{
	(void)ctx, (void)err;
	*result = args ? json_object_get(args) : NULL;
	return 0;
}

static int cmd_fail(void *ctx, struct json_object *args, struct json_object **result,
                    struct ctl_error *err)
{
	(void)ctx, (void)args, (void)result;
	return ctl_fail(err, CTL_ERR_WRONG_STATE, "not now (%d)", 42);
}

/* stats: the server's counters, read on the loop's thread. */
static int cmd_stats(void *ctx, struct json_object *args, struct json_object **result,
                     struct ctl_error *err)
{
	struct ctl_server_stats st;
	(void)ctx, (void)args, (void)err;
	ctl_server_get_stats(T.server, &st);
	*result = json_object_new_object();
	json_object_object_add(*result, "clients", json_object_new_int((int)st.clients));
	json_object_object_add(*result, "refused_uid",
	                       json_object_new_int64((int64_t)st.refused_uid));
	json_object_object_add(*result, "refused_full",
	                       json_object_new_int64((int64_t)st.refused_full));
	json_object_object_add(*result, "dropped_slow",
	                       json_object_new_int64((int64_t)st.dropped_slow));
	json_object_object_add(*result, "bad_requests",
	                       json_object_new_int64((int64_t)st.bad_requests));
	return 0;
}

/* emit: emits {"n": i} as event TICK count times (arguments: count). */
static int cmd_emit(void *ctx, struct json_object *args, struct json_object **result,
                    struct ctl_error *err)
{
	struct json_object *v;
	int count = 1;
	(void)ctx, (void)result, (void)err;
	if (args && json_object_object_get_ex(args, "count", &v))
		count = json_object_get_int(v);
	for (int i = 0; i < count; i++) {
		struct json_object *d = json_object_new_object();
		json_object_object_add(d, "n", json_object_new_int(i));
		ctl_server_emit(T.server, "TICK", d);
	}
	return 0;
}

static void *loop_thread(void *arg)
{
	(void)arg;
	evl_run(T.loop);
	return NULL;
}

static void start(size_t max_request, size_t max_pending)
{
	const struct ctl_server_config cfg = {.path = T.path,
	                                      .version = "9.8.7",
	                                      .max_request = max_request,
	                                      .max_pending = max_pending};
	strcpy(T.dir, "/tmp/cvmm-control-XXXXXX");
	cr_assert_not_null(mkdtemp(T.dir));
	snprintf(T.path, sizeof(T.path), "%s/api.sock", T.dir);
	cr_assert_eq(evl_create(&T.loop), 0);
	cr_assert_eq(ctl_server_create(T.loop, &cfg, &T.server), 0);
	cr_assert_eq(ctl_server_add_command(T.server, "echo", cmd_echo, NULL), 0);
	cr_assert_eq(ctl_server_add_command(T.server, "fail", cmd_fail, NULL), 0);
	cr_assert_eq(ctl_server_add_command(T.server, "stats", cmd_stats, NULL), 0);
	cr_assert_eq(ctl_server_add_command(T.server, "emit", cmd_emit, NULL), 0);
	cr_assert_eq(ctl_server_add_command(T.server, "echo", cmd_echo, NULL), -EEXIST);
	T.stop_fd = eventfd(0, EFD_CLOEXEC);
	cr_assert_eq(evl_add(T.loop, T.stop_fd, EVL_IN, on_stop, NULL), 0);
	cr_assert_eq(pthread_create(&T.thread, NULL, loop_thread, NULL), 0);
	T.running = true;
}

static void start_default(void)
{
	start(0, 0);
}

static void stop(void)
{
	uint64_t one = 1;
	if (!T.running)
		return;
	cr_assert_eq(write(T.stop_fd, &one, sizeof(one)), (ssize_t)sizeof(one));
	pthread_join(T.thread, NULL);
	ctl_server_destroy(T.server);
	evl_remove(T.loop, T.stop_fd);
	close(T.stop_fd);
	evl_destroy(T.loop);
	struct stat st;
	cr_expect_neq(lstat(T.path, &st), 0, "the socket's path is removed");
	rmdir(T.dir);
	T.running = false;
}

/* Each test starts the server itself (start(), start_default()); the suite stops it. */
TestSuite(server, .fini = stop);

static struct ctl_client *connect_ok(void)
{
	struct ctl_client *c;
	cr_assert_eq(ctl_client_connect(T.path, 5000, &c), 0);
	return c;
}

/* The "return" object of command (args taken), which must succeed. */
static struct json_object *run_ok(struct ctl_client *c, const char *command,
                                  struct json_object *args)
{
	struct json_object *reply, *ret;
	cr_assert_eq(ctl_client_execute(c, command, args, 5000, &reply), 0);
	cr_assert(json_object_object_get_ex(reply, "return", &ret), "%s: %s", command,
	          json_object_to_json_string(reply));
	json_object_get(ret);
	json_object_put(reply);
	return ret;
}

static int64_t stat_of(struct ctl_client *c, const char *key)
{
	struct json_object *st = run_ok(c, "stats", NULL), *v;
	cr_assert(json_object_object_get_ex(st, key, &v));
	int64_t n = json_object_get_int64(v);
	json_object_put(st);
	return n;
}

/* A raw connection that has read the greeting. */
static int raw_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	strcpy(sa.sun_path, T.path);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Reads one line from fd into buf (NUL-terminated, newline dropped), within 5 s. */
static void raw_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	while (n + 1 < size) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		cr_assert_eq(poll(&p, 1, 5000), 1, "a line within 5 s");
		ssize_t r = read(fd, buf + n, 1);
		cr_assert_eq(r, 1, "the line ends before the connection");
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
}

static void raw_send(int fd, const char *s)
{
	size_t n = strlen(s), off = 0;
	while (off < n) {
		ssize_t w = send(fd, s + off, n - off, MSG_NOSIGNAL);
		cr_assert_gt(w, 0);
		off += (size_t)w;
	}
}

Test(server, greeting_mode_and_path)
{
	start_default();
	struct ctl_client *c = connect_ok();
	struct json_object *g = ctl_client_greeting(c), *cv, *v;
	struct stat st;

	cr_assert(json_object_object_get_ex(g, "cvmm", &cv));
	cr_assert(json_object_object_get_ex(cv, "version", &v));
	cr_expect_str_eq(json_object_get_string(v), "9.8.7");
	cr_assert(json_object_object_get_ex(cv, "api", &v));
	cr_expect_eq(json_object_get_int(v), CTL_API_VERSION);
	cr_assert_eq(lstat(T.path, &st), 0);
	cr_expect(S_ISSOCK(st.st_mode));
	cr_expect_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
	ctl_client_close(c);

	/* A second server on the same path is refused, and the first one's socket stays. */
	struct evl *l2;
	struct ctl_server *s2;
	const struct ctl_server_config cfg = {.path = T.path};
	cr_assert_eq(evl_create(&l2), 0);
	cr_expect_eq(ctl_server_create(l2, &cfg, &s2), -EEXIST);
	evl_destroy(l2);
	c = connect_ok();
	ctl_client_close(c);
}

Test(server, commands_replies_and_errors)
{
	start_default();
	struct ctl_client *c = connect_ok();
	struct json_object *args = json_object_new_object(), *ret, *v, *reply, *e;

	json_object_object_add(args, "word", json_object_new_string("hello"));
	ret = run_ok(c, "echo", args);
	cr_assert(json_object_object_get_ex(ret, "word", &v));
	cr_expect_str_eq(json_object_get_string(v), "hello");
	json_object_put(ret);
	ret = run_ok(c, "echo", NULL);
	cr_expect_eq(json_object_object_length(ret), 0, "no arguments: {}");
	json_object_put(ret);

	cr_assert_eq(ctl_client_execute(c, "fail", NULL, 5000, &reply), 0);
	cr_assert(json_object_object_get_ex(reply, "error", &e));
	cr_assert(json_object_object_get_ex(e, "class", &v));
	cr_expect_str_eq(json_object_get_string(v), CTL_ERR_WRONG_STATE);
	cr_assert(json_object_object_get_ex(e, "desc", &v));
	cr_expect_str_eq(json_object_get_string(v), "not now (42)");
	json_object_put(reply);

	cr_assert_eq(ctl_client_execute(c, "no-such-thing", NULL, 5000, &reply), 0);
	cr_assert(json_object_object_get_ex(reply, "error", &e));
	cr_assert(json_object_object_get_ex(e, "class", &v));
	cr_expect_str_eq(json_object_get_string(v), CTL_ERR_COMMAND_NOT_FOUND);
	json_object_put(reply);
	ctl_client_close(c);
}

/* Several requests in one write, a request split across writes, garbage between them:
   one reply each, in order, and the connection stays usable. */
Test(server, pipelined_and_garbage)
{
	start_default();
	int fd = raw_connect();
	char line[512];

	raw_line(fd, line, sizeof(line));
	cr_expect(strstr(line, "\"cvmm\"") != NULL, "%s", line);
	raw_send(fd, "{\"execute\":\"echo\",\"arguments\":{\"n\":1},\"id\":1}\n"
	             "this is not json\n"
	             "\n"
	             "[1,2]\n"
	             "{\"execute\":\"echo\",\"id\":\"x\",\"bogus\":true}\n"
	             "{\"execute\":\"echo\",\"arguments\":{\"n\":2},");
	raw_send(fd, "\"id\":2}\n");
	raw_line(fd, line, sizeof(line));
	cr_expect_str_eq(line, "{\"return\":{\"n\":1},\"id\":1}");
	raw_line(fd, line, sizeof(line));
	cr_expect(strstr(line, "\"class\":\"JSONError\"") != NULL, "%s", line);
	raw_line(fd, line, sizeof(line));
	cr_expect(strstr(line, "\"class\":\"InvalidRequest\"") != NULL, "%s", line);
	raw_line(fd, line, sizeof(line));
	cr_expect(strstr(line, "\"class\":\"InvalidRequest\"") != NULL, "%s", line);
	cr_expect(strstr(line, "\"id\":\"x\"") != NULL, "the id comes back: %s", line);
	raw_line(fd, line, sizeof(line));
	cr_expect_str_eq(line, "{\"return\":{\"n\":2},\"id\":2}");
	close(fd);
}

Test(server, oversized_request_is_refused_and_skipped)
{
	start(1024, 0);
	int fd = raw_connect();
	char line[512], big[3000];

	raw_line(fd, line, sizeof(line));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	raw_send(fd, big);
	raw_send(fd, big);
	raw_send(fd, "\n{\"execute\":\"echo\",\"id\":5}\n");
	raw_line(fd, line, sizeof(line));
	cr_expect(strstr(line, "\"class\":\"TooLarge\"") != NULL, "%s", line);
	cr_expect(strstr(line, "1024") != NULL, "%s", line);
	raw_line(fd, line, sizeof(line));
	cr_expect_str_eq(line, "{\"return\":{},\"id\":5}", "the connection goes on");
	close(fd);
}

Test(server, clients_are_bounded)
{
	start_default();
	struct ctl_client *c[CTL_MAX_CLIENTS_DEFAULT], *extra;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS_DEFAULT; i++)
		c[i] = connect_ok();
	cr_expect_eq(ctl_client_connect(T.path, 5000, &extra), -EPROTO,
	             "one more gets TooManyClients");
	cr_expect_eq(stat_of(c[0], "refused_full"), 1);
	ctl_client_close(c[CTL_MAX_CLIENTS_DEFAULT - 1]);
	/* Once the server has seen the close, a new client is taken. */
	for (int tries = 0; stat_of(c[0], "clients") != CTL_MAX_CLIENTS_DEFAULT - 1; tries++) {
		cr_assert_lt(tries, 500);
		usleep(10000);
	}
	c[CTL_MAX_CLIENTS_DEFAULT - 1] = connect_ok();
	for (unsigned i = 0; i < CTL_MAX_CLIENTS_DEFAULT; i++)
		ctl_client_close(c[i]);
}

Test(server, events_reach_every_client_in_order)
{
	start_default();
	struct ctl_client *a = connect_ok(), *b = connect_ok();
	struct json_object *args = json_object_new_object(), *ev, *v, *d, *ts;

	json_object_object_add(args, "count", json_object_new_int(3));
	json_object_put(run_ok(a, "emit", args));
	for (int who = 0; who < 2; who++) {
		for (int i = 0; i < 3; i++) {
			cr_assert_eq(ctl_client_next_event(who ? b : a, 5000, &ev), 0);
			cr_assert(json_object_object_get_ex(ev, "event", &v));
			cr_expect_str_eq(json_object_get_string(v), "TICK");
			cr_assert(json_object_object_get_ex(ev, "data", &d));
			cr_assert(json_object_object_get_ex(d, "n", &v));
			cr_expect_eq(json_object_get_int(v), i, "in order");
			cr_assert(json_object_object_get_ex(ev, "timestamp", &ts));
			cr_assert(json_object_object_get_ex(ts, "seconds", &v));
			cr_expect_gt(json_object_get_int64(v), 1600000000);
			json_object_put(ev);
		}
	}
	cr_expect_eq(ctl_client_next_event(b, 100, &ev), -ETIMEDOUT);
	ctl_client_close(a);
	ctl_client_close(b);
}

static void *emit_from_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++)
		cr_assert_eq(ctl_server_emit(T.server, "FROM_THREAD", NULL), 0);
	return NULL;
}

Test(server, events_from_other_threads)
{
	start_default();
	struct ctl_client *c = connect_ok();
	pthread_t th;
	struct json_object *ev;

	cr_assert_eq(pthread_create(&th, NULL, emit_from_thread, NULL), 0);
	pthread_join(th, NULL);
	for (int i = 0; i < 100; i++) {
		cr_assert_eq(ctl_client_next_event(c, 5000, &ev), 0);
		json_object_put(ev);
	}
	ctl_client_close(c);
}

/* A client that never reads is dropped once max_pending bytes wait for it; the others
   keep being served. The events go in batches that the reading client takes whole
   before the next: it is never behind by more than a batch (far below the socket's
   buffer), so only the client that never reads can be dropped, however slowly the
   reading one is scheduled. */
Test(server, client_that_never_reads_is_dropped)
{
	start(0, 64 * 1024);
	int lazy = raw_connect();
	int rcv = 4096;
	cr_assert_eq(setsockopt(lazy, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)), 0);
	struct ctl_client *c = connect_ok();
	struct json_object *ev;
	const unsigned batch = 64;
	unsigned sent = 0;

	/* Until the lazy client's kernel buffer and max_pending are full: about 1,000
	   events of this size; the bound is far above that. */
	while (stat_of(c, "dropped_slow") == 0 && sent < 16 * CTL_EVENT_QUEUE_MAX) {
		struct json_object *args = json_object_new_object();
		json_object_object_add(args, "count", json_object_new_int((int)batch));
		json_object_put(run_ok(c, "emit", args));
		for (unsigned i = 0; i < batch; i++) {
			cr_assert_eq(ctl_client_next_event(c, 5000, &ev), 0, "event %u", sent + i);
			json_object_put(ev);
		}
		sent += batch;
	}
	cr_log_info("the lazy client was dropped after %u events", sent);
	cr_expect_eq(stat_of(c, "dropped_slow"), 1);
	cr_expect_eq(stat_of(c, "clients"), 1);
	close(lazy);
	ctl_client_close(c);
}

/* A peer of another uid is closed before the greeting, whatever the socket's mode lets
   it do; with the mode the server gives it, it cannot even connect. */
Test(server, other_uid_is_refused)
{
	start_default();
	if (geteuid() != 0)
		cr_skip_test("needs root, to connect as a second uid");
	/* The folder open to all: only the socket's own mode stands in the way. */
	cr_assert_eq(chmod(T.dir, 0755), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct ctl_client *c;
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(10);
		if (ctl_client_connect(T.path, 5000, &c) != -EACCES)
			_exit(11);
		_exit(0);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "mode 0600 keeps uid 65534 out (%d)",
	          WEXITSTATUS(st));

	cr_assert_eq(chmod(T.path, 0666), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct ctl_client *c;
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(10);
		int r = ctl_client_connect(T.path, 5000, &c);
		_exit(r == -ECONNRESET ? 0 : 12);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	          "SO_PEERCRED closes uid 65534 before the greeting (%d)", WEXITSTATUS(st));
	struct ctl_client *c = connect_ok();
	cr_expect_eq(stat_of(c, "refused_uid"), 1);
	ctl_client_close(c);
}

/* A server that leaves its path (leave_path, as a sandboxed VMM must) leaves a dead
   socket; the next server on the path replaces it. A live one is never replaced, and
   neither is anything else. */
Test(server, dead_socket_is_replaced_live_one_is_not)
{
	char dir[] = "/tmp/cvmm-control-XXXXXX", path[128], file[128];
	struct evl *loop;
	struct ctl_server *a, *b;
	struct stat st;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/api.sock", dir);
	snprintf(file, sizeof(file), "%s/plain", dir);
	struct ctl_server_config cfg = {.path = path, .leave_path = true};
	cr_assert_eq(evl_create(&loop), 0);
	cr_assert_eq(ctl_server_create(loop, &cfg, &a), 0);
	cr_expect_eq(ctl_server_create(loop, &cfg, &b), -EEXIST, "a live socket stays");
	ctl_server_destroy(a);
	cr_assert_eq(lstat(path, &st), 0, "leave_path: the socket stays");
	cfg.leave_path = false;
	cr_assert_eq(ctl_server_create(loop, &cfg, &b), 0, "the dead socket is replaced");
	ctl_server_destroy(b);
	cr_expect_neq(lstat(path, &st), 0);

	FILE *f = fopen(file, "w");
	cr_assert_not_null(f);
	fclose(f);
	cfg.path = file;
	cr_expect_eq(ctl_server_create(loop, &cfg, &b), -EEXIST, "a file is not replaced");
	cr_expect_eq(lstat(file, &st), 0);
	unlink(file);
	evl_destroy(loop);
	rmdir(dir);
}
