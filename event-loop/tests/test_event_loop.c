/* SPDX-License-Identifier: Apache-2.0 */
/* The event loop on real descriptors: eventfds, pipes, a regular file and a timerfd. */
#define _GNU_SOURCE
#include <cvmm/event_loop.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct seen {
	struct evl *loop;
	int calls;
	int last_fd;
	uint32_t last_events;
	int remove_fd; /* removed by the callback, if >= 0 */
	int stop_code; /* evl_stop() with it when >= 0 */
	bool drain;    /* read the eventfd */
};

static void on_event(void *ctx, int fd, uint32_t events)
{
	struct seen *s = ctx;
	uint64_t v;

	s->calls++;
	s->last_fd = fd;
	s->last_events = events;
	if (s->drain && read(fd, &v, sizeof(v)) < 0) {
		/* nothing to read: an event on a descriptor that is not an eventfd */
	}
	if (s->remove_fd >= 0)
		cr_assert_eq(evl_remove(s->loop, s->remove_fd), 0);
	if (s->stop_code >= 0)
		evl_stop(s->loop, s->stop_code);
}

static void signal_fd(int fd)
{
	uint64_t one = 1;
	cr_assert_eq(write(fd, &one, sizeof(one)), (ssize_t)sizeof(one));
}

Test(event_loop, calls_what_is_ready_with_its_context)
{
	struct evl *l;
	int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC);
	struct seen sa = {.remove_fd = -1, .stop_code = -1, .drain = true},
		    sb = {.remove_fd = -1, .stop_code = -1, .drain = true};

	cr_assert_eq(evl_create(&l), 0);
	sa.loop = sb.loop = l;
	cr_assert_eq(evl_add(l, a, EVL_IN, on_event, &sa), 0);
	cr_assert_eq(evl_add(l, b, EVL_IN, on_event, &sb), 0);
	cr_expect_eq(evl_watches(l, a), 1);
	cr_expect_eq(evl_run_once(l, 0), 0, "nothing ready");
	signal_fd(b);
	cr_expect_eq(evl_run_once(l, 1000), 1);
	cr_expect_eq(sa.calls, 0);
	cr_expect_eq(sb.calls, 1);
	cr_expect_eq(sb.last_fd, b);
	cr_expect_eq(sb.last_events & EVL_IN, EVL_IN);
	signal_fd(a);
	signal_fd(b);
	cr_expect_eq(evl_run_once(l, 1000), 2);
	cr_expect_eq(sa.calls, 1);
	cr_expect_eq(sb.calls, 2);
	evl_destroy(l);
	close(a);
	close(b);
}

Test(event_loop, level_triggered_and_fair)
{
	/* A callback that leaves its data unread is called again next round, and the other
	   ready descriptor is served in the same rounds. */
	struct evl *l;
	int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC);
	struct seen sa = {.remove_fd = -1, .stop_code = -1, .drain = false},
		    sb = {.remove_fd = -1, .stop_code = -1, .drain = false};

	cr_assert_eq(evl_create(&l), 0);
	cr_assert_eq(evl_add(l, a, EVL_IN, on_event, &sa), 0);
	cr_assert_eq(evl_add(l, b, EVL_IN, on_event, &sb), 0);
	signal_fd(a);
	signal_fd(b);
	for (int i = 0; i < 5; i++)
		cr_expect_eq(evl_run_once(l, 1000), 2);
	cr_expect_eq(sa.calls, 5);
	cr_expect_eq(sb.calls, 5);
	evl_destroy(l);
	close(a);
	close(b);
}

Test(event_loop, a_registration_removed_in_a_round_is_not_called)
{
	struct evl *l;
	int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC);
	struct seen sa = {.remove_fd = -1, .stop_code = -1, .drain = true},
		    sb = {.remove_fd = -1, .stop_code = -1, .drain = true};

	cr_assert_eq(evl_create(&l), 0);
	sa.loop = sb.loop = l;
	/* Whichever runs first removes the other, which was ready in the same round. */
	sa.remove_fd = b;
	sb.remove_fd = a;
	cr_assert_eq(evl_add(l, a, EVL_IN, on_event, &sa), 0);
	cr_assert_eq(evl_add(l, b, EVL_IN, on_event, &sb), 0);
	signal_fd(a);
	signal_fd(b);
	cr_expect_eq(evl_run_once(l, 1000), 1);
	cr_expect_eq(sa.calls + sb.calls, 1);
	cr_expect_eq(evl_watches(l, a) + evl_watches(l, b), 1);
	evl_destroy(l);
	close(a);
	close(b);
}

Test(event_loop, a_callback_removes_itself)
{
	struct evl *l;
	int a = eventfd(0, EFD_CLOEXEC);
	struct seen sa = {.stop_code = -1, .drain = false};

	cr_assert_eq(evl_create(&l), 0);
	sa.loop = l;
	sa.remove_fd = a;
	cr_assert_eq(evl_add(l, a, EVL_IN, on_event, &sa), 0);
	signal_fd(a);
	cr_expect_eq(evl_run_once(l, 1000), 1);
	cr_expect_eq(evl_watches(l, a), 0);
	cr_expect_eq(evl_run_once(l, 0), 0, "the data left unread wakes nobody");
	evl_destroy(l);
	close(a);
}

Test(event_loop, run_until_stopped)
{
	struct evl *l;
	int t = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec its = {.it_value = {.tv_nsec = 20 * 1000000}};
	struct seen st = {.remove_fd = -1, .stop_code = 42, .drain = true};

	cr_assert_eq(evl_create(&l), 0);
	st.loop = l;
	cr_assert_eq(evl_add(l, t, EVL_IN, on_event, &st), 0);
	cr_assert_eq(timerfd_settime(t, 0, &its, NULL), 0);
	cr_expect_eq(evl_run(l), 42);
	cr_expect_eq(st.calls, 1);
	evl_destroy(l);
	close(t);
}

Test(event_loop, writable_and_hang_up)
{
	struct evl *l;
	int p[2];
	struct seen sw = {.remove_fd = -1, .stop_code = -1},
		    sr = {.remove_fd = -1, .stop_code = -1};

	cr_assert_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	cr_assert_eq(evl_create(&l), 0);
	cr_assert_eq(evl_add(l, p[1], EVL_OUT, on_event, &sw), 0);
	cr_expect_eq(evl_run_once(l, 1000), 1);
	cr_expect_eq(sw.last_events & EVL_OUT, EVL_OUT);
	/* Watching for nothing but hang-ups: the writer closing is still reported. */
	cr_assert_eq(evl_modify(l, p[1], 0), 0);
	cr_expect_eq(evl_run_once(l, 0), 0);
	cr_assert_eq(evl_add(l, p[0], EVL_IN, on_event, &sr), 0);
	cr_assert_eq(evl_remove(l, p[1]), 0);
	close(p[1]);
	cr_expect_eq(evl_run_once(l, 1000), 1);
	cr_expect_eq(sr.last_events & EVL_HUP, EVL_HUP);
	evl_destroy(l);
	close(p[0]);
}

Test(event_loop, bad_arguments)
{
	struct evl *l;
	char path[] = "/tmp/cvmm-evl-XXXXXX";
	int file = mkstemp(path), a = eventfd(0, EFD_CLOEXEC);
	struct seen s = {0};

	unlink(path);
	cr_assert_eq(evl_create(&l), 0);
	cr_expect_eq(evl_create(NULL), -EINVAL);
	cr_expect_eq(evl_add(NULL, a, EVL_IN, on_event, &s), -EINVAL);
	cr_expect_eq(evl_add(l, -1, EVL_IN, on_event, &s), -EINVAL);
	cr_expect_eq(evl_add(l, a, EVL_IN, NULL, &s), -EINVAL);
	cr_expect_eq(evl_add(l, a, 0, on_event, &s), -EINVAL);
	cr_expect_eq(evl_add(l, file, EVL_IN, on_event, &s), -EPERM, "a regular file");
	cr_expect_eq(evl_add(l, a, EVL_IN, on_event, &s), 0);
	cr_expect_eq(evl_add(l, a, EVL_IN, on_event, &s), -EEXIST);
	cr_expect_eq(evl_modify(l, file, EVL_IN), -ENOENT);
	cr_expect_eq(evl_remove(l, file), -ENOENT);
	cr_expect_eq(evl_run_once(NULL, 0), -EINVAL);
	cr_expect_eq(evl_fd(NULL), -1);
	cr_expect_geq(evl_fd(l), 0);
	evl_destroy(l);
	evl_destroy(NULL);
	close(file);
	close(a);
}
