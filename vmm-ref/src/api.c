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
	    {"pause", cmd_pause},
	    {"resume", cmd_resume},
	    {"stop", cmd_stop},
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
