/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event loop over epoll. Each registration is a heap record that epoll returns as
 * its data pointer. A record removed during a round is only marked dead (epoll may have
 * returned it in the same batch) and freed when the round ends.
 */
#include <cvmm/event_loop.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#define BATCH 32

struct reg {
	int fd;
	bool dead;
	evl_callback cb;
	void *ctx;
	struct reg *next; /* live list, then the dead list */
};

struct evl {
	int epfd;
	struct reg *live;
	struct reg *dead; /* removed during this round: freed at its end */
	bool in_round;
	bool stopped;
	int stop_code;
};

_Static_assert(EVL_IN == EPOLLIN && EVL_OUT == EPOLLOUT && EVL_ERR == EPOLLERR &&
                   EVL_HUP == EPOLLHUP,
               "EVL_* are the epoll bits");

int evl_create(struct evl **out)
{
	struct evl *l;

	if (!out)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int err = -errno;
		free(l);
		return err;
	}
	*out = l;
	return 0;
}

static void free_list(struct reg *r)
{
	while (r) {
		struct reg *next = r->next;
		free(r);
		r = next;
	}
}

void evl_destroy(struct evl *l)
{
	if (!l)
		return;
	free_list(l->live);
	free_list(l->dead);
	close(l->epfd);
	free(l);
}

int evl_fd(const struct evl *l)
{
	return l ? l->epfd : -1;
}

static struct reg *find(const struct evl *l, int fd, struct reg ***link)
{
	struct reg **p = (struct reg **)&l->live;

	for (; *p; p = &(*p)->next) {
		if ((*p)->fd == fd) {
			if (link)
				*link = p;
			return *p;
		}
	}
	return NULL;
}

int evl_add(struct evl *l, int fd, uint32_t events, evl_callback cb, void *ctx)
{
	struct epoll_event ev;
	struct reg *r;

	if (!l || !cb || fd < 0 || !(events & (EVL_IN | EVL_OUT)))
		return -EINVAL;
	if (find(l, fd, NULL))
		return -EEXIST;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	*r = (struct reg){.fd = fd, .cb = cb, .ctx = ctx};
	ev = (struct epoll_event){.events = events & (EVL_IN | EVL_OUT), .data.ptr = r};
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;
		free(r);
		return err;
	}
	r->next = l->live;
	l->live = r;
	return 0;
}

int evl_modify(struct evl *l, int fd, uint32_t events)
{
	struct epoll_event ev;
	struct reg *r;

	if (!l || fd < 0)
		return -EINVAL;
	r = find(l, fd, NULL);
	if (!r)
		return -ENOENT;
	ev = (struct epoll_event){.events = events & (EVL_IN | EVL_OUT), .data.ptr = r};
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int evl_remove(struct evl *l, int fd)
{
	struct reg **link, *r;

	if (!l || fd < 0)
		return -EINVAL;
	r = find(l, fd, &link);
	if (!r)
		return -ENOENT;
	/* Whatever the kernel says (the descriptor may be closed already), the record goes:
	   a closed descriptor left the epoll set by itself. */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	*link = r->next;
	if (l->in_round) {
		r->dead = true;
		r->next = l->dead;
		l->dead = r;
	} else {
		free(r);
	}
	return 0;
}

int evl_watches(const struct evl *l, int fd)
{
	return l && fd >= 0 && find(l, fd, NULL) ? 1 : 0;
}

int evl_run_once(struct evl *l, int timeout_ms)
{
	struct epoll_event evs[BATCH];
	int n, called = 0;

	if (!l)
		return -EINVAL;
	n = epoll_wait(l->epfd, evs, BATCH, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	l->in_round = true;
	for (int i = 0; i < n && !l->stopped; i++) {
		struct reg *r = evs[i].data.ptr;
		if (r->dead)
			continue; /* removed by an earlier callback of this round */
		r->cb(r->ctx, r->fd, evs[i].events);
		called++;
	}
	l->in_round = false;
	free_list(l->dead);
	l->dead = NULL;
	return called;
}

int evl_run(struct evl *l)
{
	if (!l)
		return -EINVAL;
	l->stopped = false;
	while (!l->stopped) {
		int r = evl_run_once(l, -1);
		if (r < 0)
			return r;
	}
	return l->stop_code;
}

void evl_stop(struct evl *l, int code)
{
	if (!l)
		return;
	l->stopped = true;
	l->stop_code = code;
}
