/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmm-ref's control socket (--api-socket PATH): the control library's server (cvmm/control.h)
 * on the main thread's event loop, with vmm-ref's commands and events (docs/API.md):
 *
 *   query-status   state (running, paused, suspended, stopping), each vCPU's state, uptime,
 *                  suspend cycles and time spent suspended
 *   query-metrics  counters: exits by kind and CPU time per vCPU, suspends and refusals,
 *                  per-device requests, bytes and errors, console bytes and drops, the
 *                  socket's own clients and refusals
 *   pause, resume  every vCPU (vcpu_set_pause()/vcpu_set_resume()); idempotent
 *   stop           the clean end SIGTERM gives (disks flushed), exit status 0
 *   powerdown      presses the guest's power key (arm64: gpio-keys on the PL061; x86_64:
 *                  the ACPI power button)
 *   wake           presses the wake-up key of a suspended guest (arm64)
 *
 *   events: SUSPEND, WAKEUP, PAUSE, RESUME, POWERDOWN, SHUTDOWN, RESET, GUEST_CRASH, STOP,
 *           DEVICE_NEEDS_RESET
 *
 * The machine (machine.c) owns the API object and emits events through vmm_api_event(),
 * from any thread.
 */
#ifndef VMM_API_H
#define VMM_API_H

#include "machine.h"

#include <json-c/json.h>

struct evl;
struct vmm_api;

/*
 * Creates the control socket at env->cfg->api_socket on loop and registers the commands.
 * The path is left behind at the end (the sandbox allows no unlink; the supervisor of
 * --reboot removes it, and a later vmm-ref replaces a dead socket). Returns 0 and *out,
 * or a negative errno with one line in err.
 */
int vmm_api_create(struct vmm_machine_env *env, struct evl *loop, struct vmm_api **out, char *err,
                   size_t err_size);

/* Sends event name with data (taken; NULL for {}) to every client. Any thread; api NULL:
   data is freed, nothing sent. */
void vmm_api_event(struct vmm_api *api, const char *name, struct json_object *data);

/* At the end: sends what is queued within timeout_ms (the loop's other sources removed). */
void vmm_api_drain(struct vmm_api *api, int timeout_ms);

/* The listening socket and the event eventfd, for the sandbox's descriptor kinds. */
void vmm_api_fds(const struct vmm_api *api, int *listen_fd, int *event_fd);

/* Closes the clients and the socket (NULL accepted); the path stays. */
void vmm_api_destroy(struct vmm_api *api);

#endif
