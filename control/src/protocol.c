/* SPDX-License-Identifier: Apache-2.0 */
/* The control protocol's messages: parsing a request line, formatting the server's lines. */
#include <cvmm/control.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* json-c's default nesting limit is 32; a request never needs more than a few levels. */
#define REQUEST_MAX_DEPTH 64

int ctl_fail(struct ctl_error *err, const char *class, const char *fmt, ...)
{
	va_list ap;

	err->class = class;
	va_start(ap, fmt);
	vsnprintf(err->desc, sizeof(err->desc), fmt, ap);
	va_end(ap);
	return -1;
}

int ctl_request_parse(const char *line, size_t len, struct ctl_request *req,
                      struct json_object **id_out, struct ctl_error *err)
{
	struct json_tokener *tok;
	struct json_object *root, *v;
	enum json_tokener_error jerr;
	size_t used;

	*req = (struct ctl_request){0};
	*id_out = NULL;
	if (len > INT32_MAX)
		return ctl_fail(err, CTL_ERR_TOO_LARGE, "request too large");
	tok = json_tokener_new_ex(REQUEST_MAX_DEPTH);
	if (!tok)
		return ctl_fail(err, CTL_ERR_INTERNAL, "out of memory");
	/* Strict: no trailing commas, no comments, no single quotes; whole line one value. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		json_object_put(root);
		if (jerr == json_tokener_continue)
			return ctl_fail(err, CTL_ERR_JSON, "the line ends inside a JSON value");
		return ctl_fail(err, CTL_ERR_JSON, "not JSON: %s", json_tokener_error_desc(jerr));
	}
	/* Only white space may follow the value. */
	for (size_t i = used; i < len; i++) {
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
			json_object_put(root);
			return ctl_fail(err, CTL_ERR_JSON, "more than one JSON value on the line");
		}
	}
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return ctl_fail(err, CTL_ERR_INVALID_REQUEST, "a request is a JSON object");
	}
	if (json_object_object_get_ex(root, "id", &v))
		*id_out = json_object_get(v);
	json_object_object_foreach(root, key, val)
	{
		(void)val;
		if (strcmp(key, "execute") != 0 && strcmp(key, "arguments") != 0 &&
		    strcmp(key, "id") != 0) {
			ctl_fail(err, CTL_ERR_INVALID_REQUEST, "unknown member \"%.64s\"", key);
			goto invalid;
		}
	}
	if (!json_object_object_get_ex(root, "execute", &v) ||
	    !json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0) {
		ctl_fail(err, CTL_ERR_INVALID_REQUEST, "\"execute\" must name a command");
		goto invalid;
	}
	if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v)) {
		ctl_fail(err, CTL_ERR_INVALID_REQUEST, "a command name holds no NUL");
		goto invalid;
	}
	req->execute = json_object_get_string(v);
	if (json_object_object_get_ex(root, "arguments", &v)) {
		if (!json_object_is_type(v, json_type_object)) {
			ctl_fail(err, CTL_ERR_INVALID_REQUEST, "\"arguments\" must be an object");
			goto invalid;
		}
		req->arguments = v;
	}
	json_object_object_get_ex(root, "id", &req->id);
	req->root = root;
	json_object_put(*id_out);
	*id_out = NULL;
	return 0;
invalid:
	*req = (struct ctl_request){0};
	json_object_put(root);
	return -1;
}

void ctl_request_release(struct ctl_request *req)
{
	if (!req)
		return;
	json_object_put(req->root);
	*req = (struct ctl_request){0};
}

/* obj as one line (no newline inside: json-c escapes control characters), plus "\n";
   frees obj. */
static char *to_line(struct json_object *obj)
{
	const char *s;
	char *line = NULL;
	size_t n;

	if (!obj)
		return NULL;
	s = json_object_to_json_string_ext(obj,
	                                   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s) {
		n = strlen(s);
		line = malloc(n + 2);
		if (line) {
			memcpy(line, s, n);
			line[n] = '\n';
			line[n + 1] = '\0';
		}
	}
	json_object_put(obj);
	return line;
}

/* Adds key: val to obj, taking val (freed on failure); -1 when out of memory. */
static int add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val)
		return -1;
	if (json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

/* A new reference to o, or a new empty object for NULL. */
static struct json_object *or_empty(struct json_object *o)
{
	return o ? json_object_get(o) : json_object_new_object();
}

char *ctl_format_greeting(const char *version)
{
	struct json_object *top = json_object_new_object(), *c = json_object_new_object();

	if (!top || !c || add(c, "version", json_object_new_string(version ? version : "")) ||
	    add(c, "api", json_object_new_int(CTL_API_VERSION))) {
		json_object_put(c);
		json_object_put(top);
		return NULL;
	}
	if (add(top, "cvmm", c)) {
		json_object_put(top);
		return NULL;
	}
	return to_line(top);
}

char *ctl_format_return(struct json_object *result, struct json_object *id)
{
	struct json_object *top = json_object_new_object();

	if (!top || add(top, "return", or_empty(result)) ||
	    (id && add(top, "id", json_object_get(id)))) {
		json_object_put(top);
		return NULL;
	}
	return to_line(top);
}

char *ctl_format_error(const char *class, const char *desc, struct json_object *id)
{
	struct json_object *top = json_object_new_object(), *e = json_object_new_object();

	if (!top || !e || add(e, "class", json_object_new_string(class)) ||
	    add(e, "desc", json_object_new_string(desc ? desc : ""))) {
		json_object_put(e);
		json_object_put(top);
		return NULL;
	}
	if (add(top, "error", e) || (id && add(top, "id", json_object_get(id)))) {
		json_object_put(top);
		return NULL;
	}
	return to_line(top);
}

char *ctl_format_event(const char *name, struct json_object *data, int64_t seconds,
                       int64_t microseconds)
{
	struct json_object *top = json_object_new_object(), *ts = json_object_new_object();

	if (!top || !ts || add(ts, "seconds", json_object_new_int64(seconds)) ||
	    add(ts, "microseconds", json_object_new_int64(microseconds))) {
		json_object_put(ts);
		json_object_put(top);
		return NULL;
	}
	if (add(top, "event", json_object_new_string(name)) || add(top, "data", or_empty(data))) {
		json_object_put(ts);
		json_object_put(top);
		return NULL;
	}
	if (add(top, "timestamp", ts)) {
		json_object_put(top);
		return NULL;
	}
	return to_line(top);
}
