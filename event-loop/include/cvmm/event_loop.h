/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm event loop: one thread waits on many descriptors (epoll) and calls what each
 * registered for it. A device's ioeventfd, a console, a signalfd, a timerfd, a control
 * socket and its clients each plug in with a descriptor, the events they want, a callback
 * and a context, without the loop knowing what they are (rust-vmm's event-manager is the
 * model).
 *
 *   struct evl *loop;
 *   evl_create(&loop);
 *   evl_add(loop, sigfd, EVL_IN, on_signal, vm);
 *   evl_add(loop, queue_eventfd, EVL_IN, on_queue_notify, queue);
 *   int code = evl_run(loop);                // until a callback calls evl_stop()
 *
 * Callbacks run on the loop's thread, one at a time; one may add, change or remove any
 * registration, its own included, and a registration removed during a round is not
 * called again in that round. Level-triggered: a callback that leaves data unread is
 * called again in the next round, after the other ready descriptors (each round serves
 * every descriptor that was ready, in the kernel's order, so none starves the others).
 *
 * Thread safety: a loop belongs to one thread. Other threads reach it through a
 * descriptor it watches (an eventfd they write), never by calling these functions.
 */
#ifndef CVMM_EVENT_LOOP_H
#define CVMM_EVENT_LOOP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Events (the epoll bits of the same meaning). EVL_HUP and EVL_ERR are always reported. */
#define EVL_IN 0x001u  /* readable */
#define EVL_OUT 0x004u /* writable */
#define EVL_ERR 0x008u
#define EVL_HUP 0x010u

struct evl;

/* What a registration calls: fd and the events that are ready (EVL_* bits). */
typedef void (*evl_callback)(void *ctx, int fd, uint32_t events);

/* evl_create: an empty loop. Returns 0 and *out; -ENOMEM, or the errno of epoll_create1. */
int evl_create(struct evl **out);

/* evl_destroy: frees the loop (NULL accepted); closes none of the registered
 * descriptors. */
void evl_destroy(struct evl *loop);

/* evl_fd: the loop's epoll descriptor (for a seccomp rule, or to nest the loop in
 * another one); -1 for NULL. */
int evl_fd(const struct evl *loop);

/*
 * evl_add: watches fd for events (EVL_IN and/or EVL_OUT) and calls cb(ctx, fd, ready)
 * when some are ready. One registration per descriptor.
 * Returns 0; -EINVAL (NULL loop or cb, fd < 0, no event asked), -EEXIST (fd already
 * registered), -ENOMEM, or epoll_ctl's errno (-EPERM for a regular file, which is always
 * ready and cannot be watched).
 */
int evl_add(struct evl *loop, int fd, uint32_t events, evl_callback cb, void *ctx);

/* evl_modify: changes the events fd is watched for (0: none but HUP and ERR). Returns
 * 0; -ENOENT (not registered), -EINVAL, or epoll_ctl's errno. */
int evl_modify(struct evl *loop, int fd, uint32_t events);

/* evl_remove: stops watching fd (the descriptor stays open). Returns 0; -ENOENT (not
 * registered), -EINVAL. */
int evl_remove(struct evl *loop, int fd);

/* evl_watches: whether fd is registered (0 or 1; 0 for NULL). */
int evl_watches(const struct evl *loop, int fd);

/*
 * evl_run_once: waits at most timeout_ms (-1: no limit, 0: not at all) for ready
 * descriptors and calls their callbacks. Returns the number of callbacks called (0 on
 * time-out or when interrupted by a signal); -EINVAL; epoll_wait's errno otherwise.
 */
int evl_run_once(struct evl *loop, int timeout_ms);

/*
 * evl_run: runs rounds until a callback calls evl_stop(), and returns the code it gave
 * (the rest of that round's callbacks are not called). A negative errno when waiting
 * failed (EINTR is not a failure).
 */
int evl_run(struct evl *loop);

/* evl_stop: makes evl_run() return code once the current callback returns. From a
 * callback (or between rounds) on the loop's thread. */
void evl_stop(struct evl *loop, int code);

#ifdef __cplusplus
}
#endif

#endif /* CVMM_EVENT_LOOP_H */
