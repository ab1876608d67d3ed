#!/bin/bash
# Takes the vmlinux ELF out of an x86 bzImage with the host's decompressors: the setup
# header (Documentation/x86/boot.rst) gives the compressed payload's offset and length
# (payload_offset, payload_length, protocol 2.08 and later), its first bytes say how it
# is compressed. Fails unless the result is an x86_64 ELF executable.
#   extract-vmlinux.sh BZIMAGE OUTPUT
set -euo pipefail
in=${1:?usage: extract-vmlinux.sh BZIMAGE OUTPUT}
out=${2:?usage: extract-vmlinux.sh BZIMAGE OUTPUT}
die() { echo "extract-vmlinux.sh: $*" >&2; exit 1; }

# le N OFFSET: the little-endian unsigned N-byte field at OFFSET of the bzImage.
le() { od -An -t u"$1" -j "$2" -N "$1" --endian=little "$in" | tr -d ' '; }

[ "$(od -An -c -j 0x202 -N 4 "$in" | tr -d ' ')" = HdrS ] || die "$in is not a bzImage"
version=$(le 2 0x206)
[ "$version" -ge $((0x208)) ] || die "boot protocol $(printf %#x "$version") has no payload fields"
setup_sects=$(le 1 0x1f1)
[ "$setup_sects" -ne 0 ] || setup_sects=4
payload_offset=$(le 4 0x248)
payload_length=$(le 4 0x24c)
start=$(((setup_sects + 1) * 512 + payload_offset))
size=$(stat -L -c %s "$in")
[ "$payload_length" -gt 4 ] && [ $((start + payload_length)) -le "$size" ] ||
	die "payload ($start + $payload_length) is not inside the $size-byte file"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dd if="$in" of="$tmp/payload" bs=64K iflag=skip_bytes,count_bytes skip=$start \
	count="$payload_length" status=none
magic=$(od -An -t x1 -N 6 "$tmp/payload" | tr -d ' ')
# Every format but gzip (whose trailer holds the size) has the decompressed size appended
# as 4 more bytes by the kernel's build (size_append): the decompressors reject them.
head -c $((payload_length - 4)) "$tmp/payload" >"$tmp/stripped"
case $magic in
1f8b*) kind=gzip; gzip -dc <"$tmp/payload" >"$tmp/vmlinux" 2>/dev/null || [ -s "$tmp/vmlinux" ] ;;
fd377a585a00) kind=xz; xz -dc --single-stream <"$tmp/stripped" >"$tmp/vmlinux" ;;
28b52ffd*) kind=zstd; zstd -dcq <"$tmp/stripped" >"$tmp/vmlinux" ;;
02214c18*) kind=lz4; lz4 -dcq <"$tmp/stripped" >"$tmp/vmlinux" ;;
425a68*) kind=bzip2; bzip2 -dc <"$tmp/stripped" >"$tmp/vmlinux" ;;
5d0000*) kind=lzma; xz -dc --format=lzma <"$tmp/stripped" >"$tmp/vmlinux" ;;
*) die "unknown payload compression (first bytes $magic)" ;;
esac
# The decompressed size the kernel's build appended, when it did.
if [ $kind != gzip ]; then
	want=$(od -An -t u4 -j $((payload_length - 4)) -N 4 --endian=little "$tmp/payload" | tr -d ' ')
	got=$(stat -c %s "$tmp/vmlinux")
	[ "$got" = "$want" ] || die "$kind payload gave $got bytes, the image says $want"
fi
readelf -h "$tmp/vmlinux" >"$tmp/header" 2>/dev/null || die "the $kind payload is not ELF"
grep -q 'Machine:.*X86-64' "$tmp/header" || die "the $kind payload is not an x86_64 ELF"
grep -q 'Type:.*EXEC' "$tmp/header" || die "the $kind payload is not an ELF executable"
mv "$tmp/vmlinux" "$out"
echo "extract-vmlinux.sh: $out: $kind payload, $(stat -c %s "$out") bytes"
