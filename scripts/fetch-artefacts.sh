#!/bin/bash
# Fetches, from Debian's archive only, what cvmm's aarch64 build and its emulated
# KVM hosts need, and unpacks it under $CVMM_CACHE:
#   sysroot-arm64/   libfdt, libseccomp, Criterion, json-c (and their runtime libraries) for arm64
#   kernel-arm64/    Debian's arm64 kernel: Image and lib/modules
#   kernel-x86_64/   Debian's cloud amd64 kernel: bzImage and lib/modules
#   kernel-arm64-6.12/, kernel-x86_64-6.12/   the same from Debian 12's 6.12 kernels, the
#                    emulated hosts' second kernel (run-host.sh --host-kernel 6.12)
#   busybox-arm64, busybox-x86_64   static busybox binaries
# Each step leaves a stamp, so a second run costs only the checks.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"

debs=$CVMM_CACHE/debs
mkdir -p "$debs"

# Downloads the named packages into $debs (apt-get download needs a writable cwd).
download() {
	(cd "$debs" && apt-get -o APT::Sandbox::User=root download -q "$@" >/dev/null) ||
		die "apt-get download $* failed (is Debian's archive reachable and 'apt-get update' done?)"
}

# Resolves a metapackage (linux-image-arm64:arm64) to the versioned package it depends on.
resolve_kernel() {
	apt-cache depends "$1" | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

# The newest of Debian 12's 6.12 kernels of a flavour (arm64, cloud-amd64), as its unsigned
# package (linux-image-6.12.N+deb12-FLAVOUR-unsigned): the 6.12 metapackages
# (linux-image-6.12-arm64) follow the signed builds, which lag behind the unsigned ones.
resolve_612() { # flavour [:arch]
	apt-cache pkgnames linux-image-6.12. |
		grep -E "^linux-image-6\.12\.[0-9]+\+deb12-$1-unsigned\$" | sort -V | tail -n1 |
		sed "s/\$/${2:-}/"
}

unpack_into() { # dir deb...
	local dir=$1; shift
	mkdir -p "$dir"
	for d in "$@"; do dpkg-deb -x "$d" "$dir"; done
}

fetch_sysroot() {
	local stamp=$CVMM_CACHE/sysroot-arm64/.done
	local roots=(libfdt-dev:arm64 libseccomp-dev:arm64 libcriterion-dev:arm64
		libboxfort-dev:arm64 libfdt1:arm64 libseccomp2:arm64 libcriterion3:arm64
		libjson-c-dev:arm64 libjson-c5:arm64)
	# The stamp holds the package list: a sysroot made from another list is made again.
	[ -e "$stamp" ] && [ "$(cat "$stamp")" = "${roots[*]}" ] && return 0
	log "preparing the arm64 sysroot in $CVMM_CACHE/sysroot-arm64"
	local pkgs
	mapfile -t pkgs < <(apt-cache depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances --no-pre-depends \
		libcriterion3:arm64 libfdt1:arm64 libseccomp2:arm64 libjson-c5:arm64 |
		grep -E '^[a-z0-9].*:arm64$' | sort -u)
	[ ${#pkgs[@]} -gt 3 ] || die "cannot resolve arm64 packages: run 'dpkg --add-architecture arm64 && apt-get update'"
	local all=("${roots[@]}" "${pkgs[@]}")
	rm -rf "$CVMM_CACHE/sysroot-arm64" "$debs/arm64"
	mkdir -p "$debs/arm64"
	(cd "$debs/arm64" && apt-get -o APT::Sandbox::User=root download -q "${all[@]}" >/dev/null) || die "apt-get download of the arm64 sysroot failed"
	unpack_into "$CVMM_CACHE/sysroot-arm64" "$debs"/arm64/*.deb
	# Debian's .so symlinks are absolute; inside a sysroot they must point within it.
	local l
	while IFS= read -r l; do
		local t; t=$(readlink "$l")
		case $t in /*) ln -sf "$CVMM_CACHE/sysroot-arm64$t" "$l" ;; esac
	done < <(find "$CVMM_CACHE/sysroot-arm64" -type l)
	echo "${roots[*]}" >"$stamp"
}

fetch_kernel() { # name (kernel-NAME) metapackage-or-unsigned-package
	local arch=$1 meta=$2 dir=$CVMM_CACHE/kernel-$1
	[ -e "$dir/.done" ] && return 0
	local pkg=$meta
	case $meta in *-unsigned | *-unsigned:*) ;; *) pkg=$(resolve_kernel "$meta") ;; esac
	[ -n "$pkg" ] || die "cannot resolve $meta to a kernel package"
	log "fetching $pkg"
	rm -rf "$dir" "$debs/$arch-kernel"; mkdir -p "$debs/$arch-kernel"
	(cd "$debs/$arch-kernel" && apt-get -o APT::Sandbox::User=root download -q "$pkg" >/dev/null) || die "apt-get download $pkg failed"
	unpack_into "$dir/root" "$debs/$arch-kernel"/*.deb
	local img; img=$(cd "$dir" && ls root/boot/vmlinuz-* | head -n1)
	# Relative, so that a copied or moved cache still works.
	ln -sf "$img" "$dir/kernel"
	basename "$(ls -d "$dir"/root/lib/modules/*)" >"$dir/release"
	rm -rf "$debs/$arch-kernel"
	touch "$dir/.done"
}

fetch_busybox() { # arch package
	local arch=$1 pkg=$2 out=$CVMM_CACHE/busybox-$1
	[ -x "$out" ] && return 0
	log "fetching $pkg"
	local tmp; tmp=$(mktemp -d)
	(cd "$tmp" && apt-get -o APT::Sandbox::User=root download -q "$pkg" >/dev/null) || die "apt-get download $pkg failed"
	dpkg-deb -x "$tmp"/*.deb "$tmp/x"
	install -m 0755 "$tmp/x/bin/busybox" "$out"
	rm -rf "$tmp"
}

fetch_sysroot
fetch_kernel arm64 linux-image-arm64:arm64
fetch_kernel x86_64 linux-image-cloud-amd64
[ -e "$CVMM_CACHE/kernel-arm64-6.12/.done" ] || fetch_kernel arm64-6.12 "$(resolve_612 arm64 :arm64)"
[ -e "$CVMM_CACHE/kernel-x86_64-6.12/.done" ] || fetch_kernel x86_64-6.12 "$(resolve_612 cloud-amd64)"
fetch_busybox arm64 busybox-static:arm64
fetch_busybox x86_64 busybox-static:amd64
log "artefacts ready in $CVMM_CACHE"
