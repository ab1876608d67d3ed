/* SPDX-License-Identifier: Apache-2.0 */
#include "lz4_legacy.h"

#include <cvmm/linux_loader.h>

#include <stdlib.h>

#include <string.h>

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* One LZ4 block: sequences of literals then a back-reference. */
static long block(const uint8_t *ip, const uint8_t *iend, uint8_t *out, size_t pos, size_t size)
{
	size_t start = pos;

	while (ip < iend) {
		unsigned token = *ip++;
		size_t lit = token >> 4;
		if (lit == 15) {
			unsigned b;
			do {
				if (ip >= iend)
					return -1;
				b = *ip++;
				lit += b;
			} while (b == 255);
		}
		if (lit > (size_t)(iend - ip) || lit > size - pos)
			return -1;
		memcpy(out + pos, ip, lit);
		ip += lit;
		pos += lit;
		if (ip == iend)
			break; /* the last sequence has literals only */
		if (iend - ip < 2)
			return -1;
		size_t offset = (size_t)ip[0] | (size_t)ip[1] << 8;
		ip += 2;
		size_t mlen = token & 15;
		if (mlen == 15) {
			unsigned b;
			do {
				if (ip >= iend)
					return -1;
				b = *ip++;
				mlen += b;
			} while (b == 255);
		}
		mlen += 4;
		if (offset == 0 || offset > pos || mlen > size - pos)
			return -1;
		for (size_t i = 0; i < mlen; i++, pos++)
			out[pos] = out[pos - offset]; /* may overlap: byte by byte */
	}
	return (long)(pos - start);
}

long lz4_legacy_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_size)
{
	size_t i = 0, pos = 0;

	if (in_len < 4 || le32(in) != LZ4_LEGACY_MAGIC)
		return -1;
	i = 4;
	while (in_len - i >= 4) {
		uint32_t csize = le32(in + i);
		if (csize == LZ4_LEGACY_MAGIC) {
			i += 4;
			continue;
		}
		if (csize > in_len - i - 4)
			break; /* not a block: the size Linux appends after the stream */
		long n = block(in + i + 4, in + i + 4 + csize, out, pos, out_size);
		if (n < 0)
			return -1;
		pos += (size_t)n;
		i += 4 + csize;
	}
	return (long)pos;
}

uint8_t *lz4_vmlinux_from_bzimage(const uint8_t *img, size_t len, size_t *out_len)
{
	struct ll_bzimage_info info;

	if (ll_bzimage_parse(img, len, &info) < 0 || info.version < 0x0208)
		return NULL;
	uint32_t off = ll_le32(img + 0x248), plen = ll_le32(img + 0x24c);
	if ((uint64_t)off + plen > info.kernel_size || plen < 8)
		return NULL;
	const uint8_t *payload = img + info.kernel_offset + off;
	if (ll_le32(payload) != LZ4_LEGACY_MAGIC)
		return NULL;
	size_t size = ll_le32(payload + plen - 4);
	uint8_t *out = malloc(size ? size : 1);
	if (!out)
		return NULL;
	if (lz4_legacy_decode(payload, plen, out, size) != (long)size) {
		free(out);
		return NULL;
	}
	*out_len = size;
	return out;
}
