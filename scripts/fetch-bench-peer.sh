#!/bin/bash
# Fetches the benchmarks' peer VMM: Debian's arm64 QEMU (qemu-system-arm:arm64) and the
# libraries it loads, plus Debian's arm64 strace, for the emulated arm64 host.
#
# The libraries are found by walking each ELF's NEEDED list: the packages fetched so far
# are unpacked, every NEEDED soname of the binaries (transitively) is looked up among
# them, and while one is missing the library dependencies (Depends/Pre-Depends on lib*
# packages) of the packages fetched so far are fetched too. The result is trimmed to the
# binaries, the libraries they need and ld-linux-aarch64.so.1:
#
#   $CVMM_CACHE/qemu-arm64/root/usr/bin/{qemu-system-aarch64,strace}
#   $CVMM_CACHE/qemu-arm64/root/lib/ld-linux-aarch64.so.1
#   $CVMM_CACHE/qemu-arm64/root/lib/aarch64-linux-gnu/*.so*
#   $CVMM_CACHE/qemu-arm64/root.tar   (the same tree, unpacked at / in the emulated host)
#   $CVMM_CACHE/qemu-arm64/versions   (package versions used)
#
# Idempotent: does nothing when $CVMM_CACHE/qemu-arm64/.done exists.
#   fetch-bench-peer.sh [--force]
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

dest=$CVMM_CACHE/qemu-arm64
[ "${1:-}" = --force ] && rm -rf "$dest"
[ -e "$dest/.done" ] && exit 0
command -v apt-get >/dev/null || die "fetch-bench-peer.sh needs apt-get (Debian)"
dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
apt-cache show qemu-system-arm:arm64 >/dev/null 2>&1 || apt-get update -qq

work=$dest.tmp
rm -rf "$work"
mkdir -p "$work/debs" "$work/unpack"
triple=aarch64-linux-gnu
bins=(usr/bin/qemu-system-aarch64 usr/bin/strace)

declare -A fetched=() expanded=()
fetch() { # package names (arm64)
	local p todo=()
	for p in "$@"; do [ -n "${fetched[$p]:-}" ] || { fetched[$p]=1; todo+=("$p:arm64"); }; done
	[ ${#todo[@]} -gt 0 ] || return 0
	log "fetching ${todo[*]}"
	(cd "$work/debs" && apt-get download -qq -o APT::Sandbox::User=root "${todo[@]}") || die "apt-get download failed"
	local d
	for d in "$work"/debs/*.deb; do
		[ -e "$d.unpacked" ] && continue
		dpkg-deb -x "$d" "$work/unpack"
		touch "$d.unpacked"
	done
}
# The library packages a package depends on (first choice of each alternative).
lib_deps() {
	apt-cache show --no-all-versions "$1:arm64" |
		sed -n 's/^\(Pre-\)\?Depends: //p' | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//; s/ //g' |
		grep -E '^(lib|zlib)' || true
}
find_so() { # soname: path in the unpacked tree
	local d
	for d in lib/$triple usr/lib/$triple lib usr/lib; do
		[ -e "$work/unpack/$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
declare -A keep=()
missing=()
# Walks NEEDED from the binaries; fills keep (relative paths) and missing (sonames).
walk() {
	keep=() missing=()
	local queue=("${bins[@]}") f so p
	while [ ${#queue[@]} -gt 0 ]; do
		f=${queue[0]}; queue=("${queue[@]:1}")
		[ -n "${keep[$f]:-}" ] && continue
		keep[$f]=1
		for so in $(readelf -dW "$work/unpack/$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			if p=$(find_so "$so"); then queue+=("$p"); else missing+=("$so"); fi
		done
	done
}

fetch qemu-system-arm strace
for round in 1 2 3 4 5 6 7 8; do
	walk
	[ ${#missing[@]} -eq 0 ] && break
	log "round $round: not yet found: $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')"
	new=()
	for p in "${!fetched[@]}"; do
		[ -n "${expanded[$p]:-}" ] && continue
		expanded[$p]=1
		new+=($(lib_deps "$p"))
	done
	[ ${#new[@]} -gt 0 ] || die "no package provides: ${missing[*]}"
	fetch $(printf '%s\n' "${new[@]}" | sort -u)
done
[ ${#missing[@]} -eq 0 ] || die "libraries still missing: ${missing[*]}"
ld=$(find_so ld-linux-aarch64.so.1) || die "no ld-linux-aarch64.so.1 (libc6:arm64)"

root=$work/root
mkdir -p "$root/usr/bin" "$root/lib/$triple"
for f in "${!keep[@]}"; do
	case $f in
	usr/bin/*) cp -L "$work/unpack/$f" "$root/$f" ;;
	*) cp -L "$work/unpack/$f" "$root/lib/$triple/$(basename "$f")" ;;
	esac
done
cp -L "$work/unpack/$ld" "$root/lib/ld-linux-aarch64.so.1"
(cd "$work/debs" && for d in *.deb; do dpkg-deb -f "$d" Package Version | paste -sd' '; done) \
	>"$work/versions"
(cd "$root" && tar -cf "$work/root.tar" .)
rm -rf "$dest"
mkdir -p "$dest"
mv "$root" "$work/root.tar" "$work/versions" "$dest/"
rm -rf "$work"
touch "$dest/.done"
log "bench peer in $dest: $(ls "$dest/root/lib/$triple" | wc -l) libraries, $(du -sh "$dest/root" | cut -f1), $(wc -l <"$dest/versions") packages"
