/* SPDX-License-Identifier: Apache-2.0 */
/* The control protocol's messages: request lines parsed, the server's lines formatted. */
#include <cvmm/control.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *line, struct ctl_request *req, struct json_object **id,
                 struct ctl_error *err)
{
	return ctl_request_parse(line, strlen(line), req, id, err);
}

Test(request, full_request)
{
	struct ctl_request r;
	struct json_object *id, *v;
	struct ctl_error e = {0};

	cr_assert_eq(parse("{\"execute\": \"pause\", \"arguments\": {\"a\": 1}, \"id\": \"x\"} ",
	                   &r, &id, &e),
	             0);
	cr_expect_str_eq(r.execute, "pause");
	cr_assert_not_null(r.arguments);
	cr_assert(json_object_object_get_ex(r.arguments, "a", &v));
	cr_expect_eq(json_object_get_int(v), 1);
	cr_expect_str_eq(json_object_get_string(r.id), "x");
	cr_expect_null(id);
	ctl_request_release(&r);
	cr_expect_null(r.root);

	cr_assert_eq(parse("{\"execute\":\"query-status\"}", &r, &id, &e), 0);
	cr_expect_null(r.arguments);
	cr_expect_null(r.id);
	ctl_request_release(&r);
}

/* Each refusal: its class, and the id kept for the reply when there is one. */
Test(request, refusals)
{
	static const struct {
		const char *line, *class;
		bool has_id;
	} cases[] = {
	    {"", CTL_ERR_JSON, false},
	    {"{", CTL_ERR_JSON, false},
	    {"not json", CTL_ERR_JSON, false},
	    {"{\"execute\": \"a\",}", CTL_ERR_JSON, false}, /* strict: no trailing comma */
	    {"{\"execute\": \"a\"} {\"execute\": \"b\"}", CTL_ERR_JSON, false},
	    {"[1, 2]", CTL_ERR_INVALID_REQUEST, false},
	    {"\"pause\"", CTL_ERR_INVALID_REQUEST, false},
	    {"{\"id\": 3}", CTL_ERR_INVALID_REQUEST, true},
	    {"{\"execute\": 5, \"id\": 3}", CTL_ERR_INVALID_REQUEST, true},
	    {"{\"execute\": \"\", \"id\": 3}", CTL_ERR_INVALID_REQUEST, true},
	    {"{\"execute\": \"a\\u0000b\", \"id\": 3}", CTL_ERR_INVALID_REQUEST, true},
	    {"{\"execute\": \"a\", \"arguments\": [1], \"id\": 3}", CTL_ERR_INVALID_REQUEST, true},
	    {"{\"execute\": \"a\", \"extra\": 1}", CTL_ERR_INVALID_REQUEST, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctl_request r;
		struct json_object *id = NULL;
		struct ctl_error e = {0};
		cr_expect_eq(parse(cases[i].line, &r, &id, &e), -1, "'%s' refused", cases[i].line);
		cr_expect_str_eq(e.class, cases[i].class, "'%s': %s", cases[i].line, e.desc);
		cr_expect_neq(e.desc[0], '\0');
		cr_expect_eq(id != NULL, cases[i].has_id, "'%s': id", cases[i].line);
		cr_expect_null(r.root);
		json_object_put(id);
	}
}

Test(request, nesting_is_bounded)
{
	char line[4096];
	size_t n = 0;
	struct ctl_request r;
	struct json_object *id;
	struct ctl_error e = {0};

	n += (size_t)snprintf(line, sizeof(line), "{\"execute\": \"a\", \"arguments\": {\"x\": ");
	for (int i = 0; i < 100; i++)
		line[n++] = '[';
	for (int i = 0; i < 100; i++)
		line[n++] = ']';
	memcpy(line + n, "}}", 3);
	cr_expect_eq(parse(line, &r, &id, &e), -1);
	cr_expect_str_eq(e.class, CTL_ERR_JSON);
}

Test(request, not_nul_terminated)
{
	const char buf[] = "{\"execute\": \"stop\"}GARBAGE";
	struct ctl_request r;
	struct json_object *id;
	struct ctl_error e = {0};

	cr_assert_eq(ctl_request_parse(buf, strlen("{\"execute\": \"stop\"}"), &r, &id, &e), 0);
	cr_expect_str_eq(r.execute, "stop");
	ctl_request_release(&r);
}

Test(format, lines)
{
	struct json_object *id = json_object_new_int(7), *res = json_object_new_object();
	char *s;

	s = ctl_format_greeting("1.2.3");
	cr_expect_str_eq(s, "{\"cvmm\":{\"version\":\"1.2.3\",\"api\":1}}\n");
	free(s);
	json_object_object_add(res, "status", json_object_new_string("running"));
	s = ctl_format_return(res, id);
	cr_expect_str_eq(s, "{\"return\":{\"status\":\"running\"},\"id\":7}\n");
	free(s);
	s = ctl_format_return(NULL, NULL);
	cr_expect_str_eq(s, "{\"return\":{}}\n");
	free(s);
	/* Control characters are escaped: a reply is always one line. */
	s = ctl_format_error("X", "two\nlines", id);
	cr_expect_str_eq(s, "{\"error\":{\"class\":\"X\",\"desc\":\"two\\nlines\"},\"id\":7}\n");
	free(s);
	s = ctl_format_event("SUSPEND", NULL, 12, 34);
	cr_expect_str_eq(s, "{\"event\":\"SUSPEND\",\"data\":{},"
	                    "\"timestamp\":{\"seconds\":12,\"microseconds\":34}}\n");
	free(s);
	json_object_put(res);
	json_object_put(id);
}
