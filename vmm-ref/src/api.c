/* SPDX-License-Identifier: Apache-2.0 */
/* vmm-ref's control socket: its commands on the control library's server (api.h). */
#include "api.h"

#include <cvmm/control.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vmm_api {
	struct vmm_machine_env *env;
	struct ctl_server *server;
};

static int64_t ms(uint64_t ns)
{
	return (int64_t)(ns / 1000000u);
}

static int cmd_query_status(void *ctx, struct json_object *args, struct json_object **result,
                            struct ctl_error *err)
{
	struct vmm_api *api = ctx;
	struct vmm_machine_status st;
	struct json_object *r, *vcpus;

	(void)args;
	vmm_machine_status(api->env, &st);
	r = json_object_new_object();
	vcpus = json_object_new_array();
	if (!r || !vcpus) {
		json_object_put(r);
		json_object_put(vcpus);
		return ctl_fail(err, CTL_ERR_INTERNAL, "out of memory");
	}
	json_object_object_add(r, "status", json_object_new_string(vmm_run_state_name(st.state)));
	for (size_t i = 0; i < vcpu_set_count(api->env->vcpus); i++) {
		struct vcpu *v = vcpu_set_find(api->env->vcpus, (uint32_t)i);
		struct json_object *o = json_object_new_object();
		if (!o)
			continue;
		json_object_object_add(o, "id", json_object_new_int((int)i));
		json_object_object_add(o, "state",
		                       json_object_new_string(vcpu_state_name(vcpu_get_state(v))));
		json_object_array_add(vcpus, o);
	}
	json_object_object_add(r, "vcpus", vcpus);
	json_object_object_add(r, "uptime_ms", json_object_new_int64(ms(st.uptime_ns)));
	json_object_object_add(r, "suspend_cycles", json_object_new_int64(st.wakeups));
	json_object_object_add(r, "suspends", json_object_new_int64(st.suspends));
	json_object_object_add(r, "suspended_ms", json_object_new_int64(ms(st.suspended_ns)));
	*result = r;
	return 0;
}

/* Adds key: an unsigned counter (as an int64; the counters stay far below 2^63). */
static void add_u(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

static struct json_object *vcpu_metrics(struct vcpu *v, uint32_t id)
{
	struct json_object *o = json_object_new_object(), *exits = json_object_new_object();
	struct vcpu_stats st;
	int64_t cpu = vcpu_cpu_time_ns(v);

	if (!o || !exits) {
		json_object_put(o);
		json_object_put(exits);
		return NULL;
	}
	vcpu_get_stats(v, &st);
	add_u(o, "id", id);
	add_u(o, "runs", st.runs);
	add_u(exits, "mmio", st.exits_mmio);
	add_u(exits, "pio", st.exits_pio);
	add_u(exits, "interrupted", st.interruptions);
	add_u(exits, "suspend", st.suspends + st.suspend_denied);
	add_u(exits, "wakeup", st.wakeups);
	json_object_object_add(o, "exits", exits);
	add_u(o, "pauses", st.pauses);
	add_u(o, "cpu_ms", cpu > 0 ? (uint64_t)cpu / 1000000u : 0);
	return o;
}

static int cmd_query_metrics(void *ctx, struct json_object *args, struct json_object **result,
                             struct ctl_error *err)
{
	struct vmm_api *api = ctx;
	struct vmm_machine_metrics mt;
	struct ctl_server_stats cs;
	struct json_object *r = json_object_new_object(), *vcpus = json_object_new_array(),
			   *suspend = json_object_new_object(), *devices = json_object_new_array(),
			   *console = json_object_new_object(), *api_o = json_object_new_object();

	(void)args;
	if (!r || !vcpus || !suspend || !devices || !console || !api_o) {
		json_object_put(r);
		json_object_put(vcpus);
		json_object_put(suspend);
		json_object_put(devices);
		json_object_put(console);
		json_object_put(api_o);
		return ctl_fail(err, CTL_ERR_INTERNAL, "out of memory");
	}
	vmm_machine_metrics(api->env, &mt);
	add_u(r, "uptime_ms", mt.status.uptime_ns / 1000000u);
	for (size_t i = 0; i < vcpu_set_count(api->env->vcpus); i++) {
		struct json_object *o =
		    vcpu_metrics(vcpu_set_find(api->env->vcpus, (uint32_t)i), (uint32_t)i);
		if (o)
			json_object_array_add(vcpus, o);
	}
	json_object_object_add(r, "vcpus", vcpus);
	add_u(suspend, "honoured", mt.status.suspends);
	add_u(suspend, "cycles", mt.status.wakeups);
	add_u(suspend, "suspended_ms", mt.status.suspended_ns / 1000000u);
	add_u(suspend, "denied", mt.suspends_denied);
	add_u(suspend, "invalid_address", mt.suspends_bad_entry);
	add_u(suspend, "refused_other", mt.suspends_refused_other);
	json_object_object_add(r, "suspend", suspend);
	for (uint32_t i = 0; i < mt.ndevices; i++) {
		const struct vmm_device_metrics *d = &mt.devices[i];
		struct json_object *o = json_object_new_object();
		if (!o)
			continue;
		add_u(o, "slot", d->index);
		json_object_object_add(o, "kind", json_object_new_string(d->kind));
		add_u(o, "needs_reset", d->needs_reset);
		if (strcmp(d->kind, "blk") == 0) {
			add_u(o, "reads", d->blk.reads);
			add_u(o, "writes", d->blk.writes);
			add_u(o, "flushes", d->blk.flushes);
			add_u(o, "other_requests", d->blk.others);
			add_u(o, "bytes_read", d->blk.bytes_read);
			add_u(o, "bytes_written", d->blk.bytes_written);
			add_u(o, "errors", d->blk.errors);
			add_u(o, "unsupported", d->blk.unsupported);
		}
		if (strcmp(d->kind, "net") == 0) {
			add_u(o, "rx_frames", d->net.rx_frames);
			add_u(o, "rx_bytes", d->net.rx_bytes);
			add_u(o, "rx_dropped", d->net.rx_dropped);
			add_u(o, "tx_frames", d->net.tx_frames);
			add_u(o, "tx_bytes", d->net.tx_bytes);
			add_u(o, "tx_dropped", d->net.tx_dropped);
			add_u(o, "backend_errors", d->net.backend_errors);
		}
		json_object_array_add(devices, o);
	}
	json_object_object_add(r, "devices", devices);
	add_u(console, "bytes", mt.console_bytes);
	add_u(console, "dropped", mt.console_dropped);
	json_object_object_add(r, "console", console);
	ctl_server_get_stats(api->server, &cs);
	add_u(api_o, "clients", cs.clients);
	add_u(api_o, "accepted", cs.accepted);
	add_u(api_o, "refused_uid", cs.refused_uid);
	add_u(api_o, "refused_full", cs.refused_full);
	add_u(api_o, "dropped_slow", cs.dropped_slow);
	add_u(api_o, "requests", cs.requests);
	add_u(api_o, "bad_requests", cs.bad_requests);
	add_u(api_o, "events", cs.events);
	add_u(api_o, "events_dropped", cs.events_dropped);
	json_object_object_add(r, "api", api_o);
	*result = r;
	return 0;
}

static int cmd_pause(void *ctx, struct json_object *args, struct json_object **result,
                     struct ctl_error *err)
{
	struct vmm_api *api = ctx;
	int r;

	(void)args, (void)result;
	r = vmm_machine_pause(api->env);
	if (r == -ESHUTDOWN)
		return ctl_fail(err, CTL_ERR_WRONG_STATE, "the VM is stopping");
	if (r < 0)
		return ctl_fail(err, CTL_ERR_INTERNAL, "cannot pause: %s", strerror(-r));
	if (r > 0)
		vmm_api_event(api, "PAUSE", NULL);
	return 0;
}

static int cmd_resume(void *ctx, struct json_object *args, struct json_object **result,
                      struct ctl_error *err)
{
	struct vmm_api *api = ctx;
	int r;

	(void)args, (void)result;
	r = vmm_machine_resume(api->env);
	if (r == -ESHUTDOWN)
		return ctl_fail(err, CTL_ERR_WRONG_STATE, "the VM is stopping");
	if (r < 0)
		return ctl_fail(err, CTL_ERR_INTERNAL, "cannot resume: %s", strerror(-r));
	if (r > 0)
		vmm_api_event(api, "RESUME", NULL);
	return 0;
}

static int press(struct vmm_api *api, enum vmm_key key, const char *what, struct ctl_error *err)
{
	int r = vmm_machine_press_key(api->env, key);

	if (r == -ENOTSUP)
		return ctl_fail(err, CTL_ERR_NOT_SUPPORTED, "this machine has no %s key", what);
	if (r == -EBUSY)
		return ctl_fail(err, CTL_ERR_WRONG_STATE, "a key press is under way");
	if (r == -EAGAIN)
		return ctl_fail(err, CTL_ERR_WRONG_STATE, "the guest is not suspended");
	if (r < 0)
		return ctl_fail(err, CTL_ERR_INTERNAL, "cannot press the %s key: %s", what,
		                strerror(-r));
	return 0;
}

static int cmd_powerdown(void *ctx, struct json_object *args, struct json_object **result,
                         struct ctl_error *err)
{
	struct vmm_api *api = ctx;
	struct vmm_machine_status st;

	(void)args, (void)result;
	vmm_machine_status(api->env, &st);
	if (st.state == VMM_STATE_STOPPING)
		return ctl_fail(err, CTL_ERR_WRONG_STATE, "the VM is stopping");
	if (press(api, VMM_KEY_POWER, "power", err) < 0)
		return -1;
	vmm_machine_log(api->env, VMM_LOG_INFO, "control socket: power key pressed");
	vmm_api_event(api, "POWERDOWN", NULL);
	return 0;
}

static int cmd_wake(void *ctx, struct json_object *args, struct json_object **result,
                    struct ctl_error *err)
{
	struct vmm_api *api = ctx;
	struct vmm_machine_status st;

	(void)args, (void)result;
	vmm_machine_status(api->env, &st);
	if (st.state != VMM_STATE_SUSPENDED)
		return ctl_fail(err, CTL_ERR_WRONG_STATE, "the guest is %s, not suspended",
		                vmm_run_state_name(st.state));
	if (press(api, VMM_KEY_WAKEUP, "wake-up", err) < 0)
		return -1;
	vmm_machine_log(api->env, VMM_LOG_INFO, "control socket: wake-up key pressed");
	return 0;
}

static int cmd_snapshot(void *ctx, struct json_object *args, struct json_object **result,
                        struct ctl_error *err)
{
	struct vmm_api *api = ctx;
	const char *dir = api->env->cfg->snapshot_dir;
	struct json_object *d = NULL;

	(void)result;
	if (args && json_object_object_get_ex(args, "dir", &d)) {
		if (!json_object_is_type(d, json_type_string))
			return ctl_fail(err, CTL_ERR_INVALID_ARGUMENT, "dir: not a string");
		/* Set-up is over: the sandbox opens no file, so the folder is the one whose
		   files were opened at start. */
		if (!dir || strcmp(json_object_get_string(d), dir) != 0)
			return ctl_fail(
			    err, CTL_ERR_INVALID_ARGUMENT,
			    "vmm-ref writes snapshots only to the folder named at start "
			    "(--snapshot-dir)%s%s",
			    dir ? ": " : "", dir ? dir : "");
	}
	int r = vmm_machine_snapshot(api->env);
	if (r == -ENOTSUP)
		return ctl_fail(err, CTL_ERR_NOT_SUPPORTED,
		                "no snapshot folder: start vmm-ref with --snapshot-dir DIR");
	if (r == -EAGAIN)
		return ctl_fail(err, CTL_ERR_WRONG_STATE, "the guest is not suspended");
	if (r == -ESHUTDOWN)
		return ctl_fail(err, CTL_ERR_WRONG_STATE, "the VM is stopping");
	if (r < 0)
		return ctl_fail(err, CTL_ERR_INTERNAL, "cannot snapshot: %s", strerror(-r));
	return 0;
}

static int cmd_stop(void *ctx, struct json_object *args, struct json_object **result,
                    struct ctl_error *err)
{
	struct vmm_api *api = ctx;

	(void)args, (void)result, (void)err;
	vmm_machine_log(api->env, VMM_LOG_WARN, "control socket: stopping the VM");
	vmm_machine_stop(api->env, "command");
	return 0;
}

int vmm_api_create(struct vmm_machine_env *env, struct evl *loop, struct vmm_api **out, char *err,
                   size_t err_size)
{
	static const struct {
		const char *name;
		ctl_command_fn fn;
	} commands[] = {
	    {"query-status", cmd_query_status},
	    {"query-metrics", cmd_query_metrics},
	    {"pause", cmd_pause},
	    {"resume", cmd_resume},
	    {"stop", cmd_stop},
	    {"powerdown", cmd_powerdown},
	    {"wake", cmd_wake},
	    {"snapshot", cmd_snapshot},
	};
	const struct ctl_server_config cfg = {
	    .path = env->cfg->api_socket,
	    .version = VMM_REF_VERSION,
	    .leave_path = true,
	};
	struct vmm_api *api = calloc(1, sizeof(*api));
	int r;

	if (!api) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	api->env = env;
	r = ctl_server_create(loop, &cfg, &api->server);
	if (r < 0) {
		snprintf(err, err_size, "--api-socket %s: %s", env->cfg->api_socket,
		         r == -EEXIST ? "something is there already (a live socket or a file)"
		                      : strerror(-r));
		free(api);
		return r;
	}
	for (size_t i = 0; r == 0 && i < sizeof(commands) / sizeof(commands[0]); i++)
		r = ctl_server_add_command(api->server, commands[i].name, commands[i].fn, api);
	if (r < 0) {
		snprintf(err, err_size, "control socket: %s", strerror(-r));
		vmm_api_destroy(api);
		return r;
	}
	*out = api;
	return 0;
}

void vmm_api_event(struct vmm_api *api, const char *name, struct json_object *data)
{
	if (!api) {
		json_object_put(data);
		return;
	}
	/* A full queue drops the event and counts it (the server's stats). */
	(void)ctl_server_emit(api->server, name, data);
}

void vmm_api_drain(struct vmm_api *api, int timeout_ms)
{
	if (api)
		ctl_server_drain(api->server, timeout_ms);
}

void vmm_api_fds(const struct vmm_api *api, int *listen_fd, int *event_fd)
{
	ctl_server_fds(api ? api->server : NULL, listen_fd, event_fd);
}

void vmm_api_destroy(struct vmm_api *api)
{
	if (!api)
		return;
	ctl_server_destroy(api->server);
	free(api);
}
