/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm-ctl: a command-line client of a cvmm control socket.
 *
 *   cvmm-ctl SOCKET COMMAND [KEY=VALUE...]   runs COMMAND, prints the reply (one JSON
 *                                            line); exit 0 for "return", 1 for "error"
 *   cvmm-ctl SOCKET events [COUNT]           prints events as they come (COUNT of them,
 *                                            or until the server closes the connection)
 *
 * A VALUE that is JSON (a number, true, false, null, a quoted string, an object or an
 * array) is sent as such; anything else as a string. Options: --timeout SECONDS (default
 * 30; 0 waits without limit). Exit status 2: bad usage or no connection.
 */
#include <cvmm/control_client.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: cvmm-ctl [--timeout SECONDS] SOCKET COMMAND [KEY=VALUE...]\n"
	                "       cvmm-ctl [--timeout SECONDS] SOCKET events [COUNT]\n");
	return 2;
}

static void print(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
}

/* VALUE as JSON when it is one complete JSON value, else as a string. */
static struct json_object *value_of(const char *v)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = NULL;

	if (tok) {
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
		o = json_tokener_parse_ex(tok, v, (int)strlen(v));
		if (json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != strlen(v)) {
			json_object_put(o);
			o = NULL;
		}
		json_tokener_free(tok);
	}
	/* json-c takes "" as an incomplete value: that and any non-JSON text are strings. */
	return o ? o : json_object_new_string(v);
}

int main(int argc, char **argv)
{
	struct ctl_client *c;
	struct json_object *reply, *args = NULL;
	int timeout_ms = 30000, i = 1, ret;
	char *end;

	if (i + 1 < argc && strcmp(argv[i], "--timeout") == 0) {
		long t = strtol(argv[i + 1], &end, 10);
		if (*argv[i + 1] == '\0' || *end || t < 0 || t > 86400)
			return usage();
		timeout_ms = t ? (int)t * 1000 : -1;
		i += 2;
	}
	if (argc - i < 2)
		return usage();
	const char *path = argv[i], *command = argv[i + 1];
	ret = ctl_client_connect(path, timeout_ms, &c);
	if (ret < 0) {
		fprintf(stderr, "cvmm-ctl: cannot connect to %s: %s\n", path,
		        ret == -EPROTO ? "not a cvmm control socket, or it refused this client"
		                       : strerror(-ret));
		return 2;
	}

	if (strcmp(command, "events") == 0) {
		long count = -1;
		if (argc - i > 3) {
			ctl_client_close(c);
			return usage();
		}
		if (argc - i == 3) {
			count = strtol(argv[i + 2], &end, 10);
			if (*argv[i + 2] == '\0' || *end || count < 1) {
				ctl_client_close(c);
				return usage();
			}
		}
		for (long n = 0; count < 0 || n < count; n++) {
			struct json_object *ev;
			ret = ctl_client_next_event(c, timeout_ms, &ev);
			if (ret < 0)
				break;
			print(ev);
			json_object_put(ev);
		}
		ctl_client_close(c);
		if (ret < 0 && !(count < 0 && ret == -ECONNRESET)) {
			fprintf(stderr, "cvmm-ctl: events: %s\n", strerror(-ret));
			return 1;
		}
		return 0;
	}

	for (int k = i + 2; k < argc; k++) {
		const char *eq = strchr(argv[k], '=');
		if (!eq || eq == argv[k]) {
			fprintf(stderr, "cvmm-ctl: argument '%s' is not KEY=VALUE\n", argv[k]);
			json_object_put(args);
			ctl_client_close(c);
			return 2;
		}
		if (!args)
			args = json_object_new_object();
		char *key = strndup(argv[k], (size_t)(eq - argv[k]));
		if (!args || !key) {
			free(key);
			fprintf(stderr, "cvmm-ctl: out of memory\n");
			return 2;
		}
		json_object_object_add(args, key, value_of(eq + 1));
		free(key);
	}
	ret = ctl_client_execute(c, command, args, timeout_ms, &reply);
	ctl_client_close(c);
	if (ret < 0) {
		fprintf(stderr, "cvmm-ctl: %s: %s\n", command,
		        ret == -ECONNRESET ? "the server closed the connection" : strerror(-ret));
		return 2;
	}
	print(reply);
	ret = json_object_object_get_ex(reply, "error", NULL) ? 1 : 0;
	json_object_put(reply);
	return ret;
}
