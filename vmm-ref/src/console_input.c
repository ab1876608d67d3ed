/* SPDX-License-Identifier: Apache-2.0 */
/* Console input: see console_input.h. */
#include "console_input.h"

#include <string.h>

void vmm_console_in_init(struct vmm_console_in *c, bool terminal)
{
	memset(c, 0, sizeof(*c));
	c->terminal = terminal;
}

size_t vmm_console_in_room(const struct vmm_console_in *c)
{
	size_t free_bytes = sizeof(c->buf) - c->len;

	return free_bytes < 2 ? 0 : free_bytes - 1;
}

/* Appends one byte if it fits; counts it as refused otherwise. */
static void take(struct vmm_console_in *c, uint8_t b)
{
	if (c->len >= sizeof(c->buf)) {
		c->refused++;
		return;
	}
	c->buf[c->len++] = b;
}

bool vmm_console_in_feed(struct vmm_console_in *c, const uint8_t *raw, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = raw[i];
		if (c->terminal && c->escape) {
			c->escape = false;
			if (b == 'x' || b == 'X')
				return true;
			if (b != VMM_CONSOLE_ESCAPE)
				take(c, VMM_CONSOLE_ESCAPE);
		} else if (c->terminal && b == VMM_CONSOLE_ESCAPE) {
			c->escape = true;
			continue;
		}
		take(c, b);
	}
	return false;
}

const uint8_t *vmm_console_in_pending(const struct vmm_console_in *c, size_t *n)
{
	*n = c->len - c->off;
	return c->buf + c->off;
}

void vmm_console_in_taken(struct vmm_console_in *c, size_t n)
{
	if (n > c->len - c->off)
		n = c->len - c->off;
	c->off += n;
	if (c->off == c->len)
		c->off = c->len = 0;
}
