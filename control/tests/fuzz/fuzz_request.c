/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness of the control protocol's request parser: any bytes a client may send
 * as one line. Checks the parser's promises: a request it accepts names a non-empty
 * command without NUL and has an object (or no) "arguments"; a refusal has a class and a
 * description; the error reply formatted for it is one line.
 */
#include <cvmm/control.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request r;
	struct json_object *id = NULL;
	struct ctl_error e = {0};
	char *line;

	if (ctl_request_parse((const char *)data, size, &r, &id, &e) == 0) {
		if (!r.execute || !*r.execute ||
		    (r.arguments && !json_object_is_type(r.arguments, json_type_object)))
			abort();
		line = ctl_format_return(r.arguments, r.id);
		ctl_request_release(&r);
	} else {
		if (!e.class || !e.desc[0] || r.root)
			abort();
		line = ctl_format_error(e.class, e.desc, id);
		json_object_put(id);
	}
	if (line) {
		char *nl = strchr(line, '\n');
		if (!nl || nl[1] != '\0')
			abort();
		free(line);
	}
	return 0;
}
