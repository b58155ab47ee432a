#!/usr/bin/env bash
# Builds the "stand-in for a unikernel server": an initramfs for the distribution's own Linux kernel
# (/boot/vmlinuz-*) whose init, from busybox-static, brings eth0 up on QEMU's user network
# (10.0.2.15/24, gateway 10.0.2.2), serves a known page with busybox httpd on port 80, runs a
# line-reversing TCP service on port 7, and says so on the serial console. No internet needed:
# everything comes from the packages linux-image-amd64, busybox-static and cpio.
#
# Usage: build.sh OUT_DIR   (writes OUT_DIR/initramfs.cpio.gz, prints the kernel's path; a root-only
# kernel image is copied to OUT_DIR/vmlinuz with sudo)
set -euo pipefail

out=${1:?usage: build.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)

kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$kernel" ] || { echo "build.sh: no /boot/vmlinuz-*: install linux-image-amd64" >&2; exit 1; }
version=${kernel#/boot/vmlinuz-}
mkdir -p "$out"
if [ ! -r "$kernel" ]; then
  # Ubuntu (GitHub's runners) keeps the kernel image root-only; their sudo needs no password.
  sudo -n cat "$kernel" > "$out/vmlinuz" 2>/dev/null || { rm -f "$out/vmlinuz"; echo "build.sh: $kernel is not readable: run 'sudo chmod a+r $kernel'" >&2; exit 1; }
  kernel=$out/vmlinuz
fi
moddir=/lib/modules/$version
[ -f "$moddir/modules.dep" ] || { echo "build.sh: no $moddir/modules.dep: install the modules of $version" >&2; exit 1; }
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || busybox=/bin/busybox
[ -x "$busybox" ] || { echo "build.sh: no busybox: install busybox-static" >&2; exit 1; }
command -v cpio >/dev/null || { echo "build.sh: no cpio: install cpio" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,www,modules}
cp "$busybox" "$root/bin/busybox"

# The virtio-net driver and what it needs, in load order (dependencies first), from modules.dep.
order=()
add() {
  local m=$1 d
  for d in "${order[@]}"; do [ "$d" = "$m" ] && return 0; done
  for d in $(grep "^$m:" "$moddir/modules.dep" | cut -d: -f2); do add "$d"; done
  order+=("$m")
}
for m in virtio_pci virtio_net; do
  path=$(grep -o "^[^:]*/$m\.ko[^:]*" "$moddir/modules.dep" || true)
  # Built into the kernel (no module): nothing to load.
  [ -n "$path" ] && add "$path"
done
n=0
for m in "${order[@]}"; do
  n=$((n + 1))
  case $m in
    *.ko) cp "$moddir/$m" "$root/modules/$(printf %02d $n).ko" ;;
    *.ko.xz) xz -dc "$moddir/$m" > "$root/modules/$(printf %02d $n).ko" ;;
    *.ko.zst) zstd -qdc "$moddir/$m" > "$root/modules/$(printf %02d $n).ko" ;;
    *) echo "build.sh: cannot load $m" >&2; exit 1 ;;
  esac
done

cp "$here/index.html" "$root/www/index.html"
cp "$here/init" "$root/init"
cp "$here/reverse" "$root/bin/reverse"
chmod +x "$root/init" "$root/bin/reverse"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initramfs.cpio.gz"

# The kernel as an ELF (OUT_DIR/vmlinux), for booting it through the action as x86_64-unknown-none:
# that target hands an ELF to QEMU's -kernel, which enters it at its PVH note (Debian's kernel has
# CONFIG_PVH=y), while a bzImage would be booted as a raw disk. The bzImage holds the ELF as one
# compressed stream after its setup code: found by its magic, as the kernel's
# scripts/extract-vmlinux does (https://github.com/torvalds/linux/blob/master/scripts/extract-vmlinux).
# Debian compresses with xz; Ubuntu (GitHub's runners) with zstd; gzip is the kernel's default.
# A decompressor complains about the bytes after the stream: its output is checked instead.
for kind in '\xfd7zXZ\x00:xz -dc --single-stream' '\x28\xb5\x2f\xfd:zstd -qdc' '\x1f\x8b\x08\x00:gzip -dc'; do
  magic=${kind%%:*} cmd=${kind#*:}
  command -v "${cmd%% *}" >/dev/null || continue
  for at in $(LC_ALL=C grep -obUaP "$magic" "$kernel" | cut -d: -f1 | head -n 4 || true); do
    tail -c +$((at + 1)) "$kernel" | $cmd > "$out/vmlinux" 2>/dev/null || true
    head -c 4 "$out/vmlinux" 2>/dev/null | grep -q ELF && break 2
  done
done
head -c 4 "$out/vmlinux" 2>/dev/null | grep -q ELF || { rm -f "$out/vmlinux"; echo "build.sh: could not extract an ELF vmlinux from $kernel (compressed with neither xz, zstd nor gzip?)" >&2; exit 1; }
echo "$kernel"
