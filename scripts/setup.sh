#!/usr/bin/env bash
# Installs what the test suite needs on a Debian/Ubuntu machine, and only what is missing or too old:
# Debian's Rust with the std sources (builds kernels offline), lld, QEMU, firmware, and npm packages.
# Like the action (src/install/apt.ts): the package lists are refreshed first when they are older than
# a day or miss a package, and a Rust whose std source has no library/vendor (Debian 12's rust-web 1.85
# from bookworm main) is upgraded, since building std offline needs the vendored crates.
#   SETUP_APT_OPTIONS="-o Dir::State::Lists=DIR -o Dir::Cache=DIR"  apt against other lists (tests)
#   SETUP_SIMULATE=1       decide and print, install nothing (apt-get --simulate)
#   SETUP_RUST_SRC=DIR     the std source to check (default /usr/lib/rustlib/src/rust/library)
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
  linux-image-amd64                  # the stand-in server guest's kernel (/boot/vmlinuz-*, /lib/modules)
  xz-utils zstd file                 # build.sh: unpacking the kernel and its modules, finding a static busybox
  gcc libc6-dev                      # the seL4 kernel stand-in built for x86_64 (test/e2e/sel4-kernel-build)
  gcc-aarch64-linux-gnu              # ... and for aarch64 (its cross compiler)
  libc6-dev-arm64-cross              # ... which CMake's compiler check links with (only Recommended by gcc-12-aarch64-linux-gnu)
  cmake ninja-build                  # ... configured and built as seL4's kernel is
  git                                # ... cloned from a tagged repository
  procps                             # pgrep: tests check that no QEMU is left running
  time                               # /usr/bin/time -f %M: memory use of a test's command
  binutils                           # objcopy: the bench's by-hand Hermit boots (scripts/bench-images.ts)
  grub-common                        # grub-mkrescue: multiboot2 kernels in a GRUB ISO (test/e2e/x86_64-formats)
  grub-pc-bin grub-efi-amd64-bin     # ... its BIOS and UEFI GRUB images
  xorriso mtools                     # grub-mkrescue writes the ISO with xorriso, its EFI image with mtools; Limine ISOs are written with xorriso
  make                               # Limine's host tool is built with make -C limine-binary (the stand-in release's, test/e2e/x86_64-formats)
  shellcheck                         # npm run lint:workflows checks the workflows' run: scripts with it
)
# The list above is held against what test/ and scripts/ run and read by test/unit/action/setup-packages.test.ts.
rust=(rustc-web cargo-web rust-web-src)
# Outside Debian 12 the -web packages do not exist: use the plain ones.
if ! grep -q '^VERSION_ID="12"' /etc/os-release 2>/dev/null || ! grep -q '^ID=debian' /etc/os-release 2>/dev/null; then
  packages=("${packages[@]/rustc-web/rustc}"); packages=("${packages[@]/cargo-web/cargo}"); packages=("${packages[@]/rust-web-src/rust-src}")
  rust=(rustc cargo rust-src)
  # Ubuntu's kernel package (GitHub's runners have one installed already).
  packages=("${packages[@]/linux-image-amd64/linux-image-generic}")
fi
src_pkg=${rust[2]}
rust_src=${SETUP_RUST_SRC:-/usr/lib/rustlib/src/rust/library}
# shellcheck disable=SC2206
apt_opts=(-o DPkg::Lock::Timeout=300 ${SETUP_APT_OPTIONS:-})
lists_dir=$(apt-config "${apt_opts[@]}" shell d Dir::State::Lists/d | sed -n "s/^d='\(.*\)'$/\1/p")
lists_dir=${lists_dir:-/var/lib/apt/lists}
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
apt_get() { $sudo env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" "$@"; }

vendored() { compgen -G "$rust_src/vendor/*/.cargo-checksum.json" >/dev/null; }
version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "not installed"; }
candidate() { apt-cache "${apt_opts[@]}" policy "$1" 2>/dev/null | sed -n 's/^  Candidate: //p'; }

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
upgrade=()
if [ -d "$rust_src/core" ] && ! vendored; then
  echo "setup: $src_pkg $(version "$src_pkg") has no $rust_src/vendor (the crates std's Cargo.lock needs to build offline): upgrading ${rust[*]}"
  upgrade=("${rust[@]}")
fi

if [ ${#missing[@]} -gt 0 ] || [ ${#upgrade[@]} -gt 0 ]; then
  why=""
  if [ ${#upgrade[@]} -gt 0 ]; then why="a newer $src_pkg is needed"
  elif [ -z "$(find "$lists_dir" -maxdepth 1 \( -name '*_InRelease' -o -name '*_Release' -o -name '*_Packages*' -o -name partial \) -newermt '-1 day' 2>/dev/null)" ]; then why="they are older than a day"
  else
    for p in "${missing[@]}"; do c=$(candidate "$p"); if [ -z "$c" ] || [ "$c" = "(none)" ]; then why="they offer no $p"; break; fi; done
  fi
  if [ -n "$why" ]; then
    echo "setup: package lists: refreshing with apt-get update ($why)"
    apt_get -q update || echo "setup: apt-get update failed; installing from the lists as they are"
  else
    echo "setup: package lists: not refreshed (less than a day old, and they offer every package)"
  fi
  if [ ${#upgrade[@]} -gt 0 ] && [ "$(candidate "$src_pkg")" = "$(version "$src_pkg")" ]; then
    no_newer=1
  else
    no_newer=""
  fi
  if [ -n "$no_newer" ]; then
    echo "setup: error: $src_pkg $(version "$src_pkg") has no $rust_src/vendor (the vendored crates std's own Cargo.lock needs), and the package archive offers nothing newer. Fix: make a $src_pkg that ships library/vendor installable (on Debian 12, enable the bookworm-security suite, which has rust-web-src 1.96), then run this again." >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]} ${upgrade[*]}"
  sim=(); [ -n "${SETUP_SIMULATE:-}" ] && sim=(--simulate)
  apt_get install -y -q --no-install-recommends "${sim[@]}" "${missing[@]}" "${upgrade[@]}"
  if [ -z "${SETUP_SIMULATE:-}" ] && ! vendored; then
    echo "setup: error: $src_pkg $(version "$src_pkg") still has no $rust_src/vendor (the vendored crates std's own Cargo.lock needs) after the upgrade. Fix: make a $src_pkg that ships library/vendor installable (on Debian 12, enable the bookworm-security suite, which has rust-web-src 1.96), then run this again." >&2
    exit 1
  fi
fi

# A node_modules that is a link (a git worktree sharing another checkout's) is that checkout's to install.
if [ -L node_modules ]; then
  echo "setup: node_modules is a link to $(readlink node_modules): npm ci left to that checkout"
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
