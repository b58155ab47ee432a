#!/usr/bin/env bash
# Installs what the test suite needs on a Debian/Ubuntu machine, and only what is missing:
# Debian's Rust with the std sources (builds kernels offline), lld, QEMU, firmware, and npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  rustc-web cargo-web rust-web-src   # rustc/cargo with library/ sources and vendored std deps
  lld                                # linked as rust-lld
  qemu-system-x86                    # x86_64 targets
  qemu-system-arm                    # aarch64 and Cortex-M targets (qemu-system-aarch64, qemu-system-arm)
  qemu-system-misc                   # RISC-V targets (qemu-system-riscv64/32)
  ovmf                               # UEFI firmware for x86_64-unknown-uefi
  opensbi                            # RISC-V firmware (QEMU's bundled OpenSBI on Ubuntu)
  qemu-efi-aarch64                   # UEFI firmware for aarch64-unknown-uefi
  busybox-static cpio                # the stand-in server guest's initramfs (test/standins/linux-httpd)
)
# Outside Debian 12 the -web packages do not exist: use the plain ones.
if ! grep -q '^VERSION_ID="12"' /etc/os-release 2>/dev/null || ! grep -q '^ID=debian' /etc/os-release 2>/dev/null; then
  packages=("${packages[@]/rustc-web/rustc}"); packages=("${packages[@]/cargo-web/cargo}"); packages=("${packages[@]/rust-web-src/rust-src}")
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
