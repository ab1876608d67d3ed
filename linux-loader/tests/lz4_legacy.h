/* SPDX-License-Identifier: Apache-2.0 */
/* A small decoder of the LZ4 "legacy" frames Linux compresses bzImage payloads with. */
#ifndef LL_TEST_LZ4_LEGACY_H
#define LL_TEST_LZ4_LEGACY_H

#include <stddef.h>
#include <stdint.h>

#define LZ4_LEGACY_MAGIC 0x184c2102u

/*
 * Decodes the legacy-frame stream in (in_len bytes, trailing bytes that are no whole block
 * ignored) into out (out_size bytes). Returns the decoded length, or -1 on malformed input
 * or when out is too small.
 */
long lz4_legacy_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_size);

/*
 * The vmlinux ELF inside a bzImage (img, len) whose payload is LZ4 (Linux appends the
 * decompressed size to it). Returns a malloc'd copy and its length in *out_len, or NULL
 * when the image is no bzImage, its payload is not LZ4, or it does not decode.
 */
uint8_t *lz4_vmlinux_from_bzimage(const uint8_t *img, size_t len, size_t *out_len);

#endif
