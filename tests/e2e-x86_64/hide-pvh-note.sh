#!/bin/bash
# Copies an x86_64 vmlinux ELF with its PVH entry note (a "Xen" note of type
# XEN_ELFNOTE_PHYS32_ENTRY, 18) turned into a note type nobody reads (0x7fff), so that a
# loader sees an ELF without the note. Fails when there is no such note.
#   hide-pvh-note.sh VMLINUX OUTPUT
set -euo pipefail
in=${1:?usage: hide-pvh-note.sh VMLINUX OUTPUT}
out=${2:?usage: hide-pvh-note.sh VMLINUX OUTPUT}
die() { echo "hide-pvh-note.sh: $*" >&2; exit 1; }

# u32 OFFSET: the little-endian 32-bit word at OFFSET of the input.
u32() { od -An -t u4 -j "$1" -N 4 --endian=little "$in" | tr -d ' '; }

found=""
# Each PT_NOTE segment's file offset and size, from the program headers.
while read -r off size; do
	pos=$((off)) end=$((off + size))
	while [ $((pos + 12)) -le $end ]; do
		namesz=$(u32 $pos) descsz=$(u32 $((pos + 4))) type=$(u32 $((pos + 8)))
		name=$(od -An -c -j $((pos + 12)) -N 4 "$in" | tr -d ' ')
		if [ "$type" = 18 ] && [ "$namesz" = 4 ] && [ "$name" = 'Xen\0' ]; then
			found=$((pos + 8))
			break 2
		fi
		pos=$((pos + 12 + (namesz + 3) / 4 * 4 + (descsz + 3) / 4 * 4))
	done
done < <(readelf -lW "$in" | awk '$1 == "NOTE" { print $2, $5 }')
[ -n "$found" ] || die "$in has no PVH entry note"
cp "$in" "$out.tmp"
printf '\377\177\000\000' | dd of="$out.tmp" bs=1 seek="$found" conv=notrunc status=none
mv "$out.tmp" "$out"
echo "hide-pvh-note.sh: $out: the PVH note's type at file offset $found is now 0x7fff"
