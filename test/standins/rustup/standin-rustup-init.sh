#!/bin/sh
# STAND-IN for rustup-init (https://static.rust-lang.org/rustup/dist/<triple>/rustup-init), which
# cannot be downloaded on the development machines. test/e2e/no-rustup.test.ts serves this script
# from 127.0.0.1 as `rustup-init`, with its sha256, for the action to download, verify and run.
# Like rustup-init it installs `rustup` and the cargo/rustc/rustdoc proxies into $CARGO_HOME/bin
# (default ~/.cargo) and makes $RUSTUP_HOME (default ~/.rustup). Its `rustup` is a stand-in too:
# `toolchain install NAME` "installs" NAME as Debian's Rust (/usr/bin/rustc, cargo: rustc-web,
# cargo-web), and the proxies run that for an installed RUSTUP_TOOLCHAIN and fail otherwise, as
# rustup's do. Every call is appended to $RUSTUP_HOME/calls for the test to read.
set -eu
cargo_home=${CARGO_HOME:-$HOME/.cargo}
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
mkdir -p "$cargo_home/bin" "$rustup_home/toolchains"
echo "rustup-init $*" >> "$rustup_home/calls"
for want in -y --no-modify-path; do
  case " $* " in *" $want "*) ;; *) echo "error: stand-in rustup-init: expected $want (non-interactive, no shell profile edits)" >&2; exit 1 ;; esac
done

cat > "$cargo_home/bin/rustup" <<'EOF'
#!/bin/sh
# STAND-IN rustup (see test/standins/rustup/standin-rustup-init.sh).
set -eu
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
echo "rustup $*" >> "$rustup_home/calls"
case "${1:-} ${2:-}" in
  "toolchain install")
    mkdir -p "$rustup_home/toolchains/$3"
    echo "info: stand-in: toolchain '$3' is Debian's Rust in /usr" ;;
  "component add")
    echo "error: stand-in: no components to add (Debian's Rust has rust-src; it has no llvm-tools)" >&2; exit 1 ;;
  "target list") ;;
  "target add")
    echo "error: stand-in: no prebuilt std to add" >&2; exit 1 ;;
  "--version ")
    echo "rustup 0.0.0 (stand-in)" ;;
  *)
    echo "error: stand-in rustup does not do '$*'" >&2; exit 1 ;;
esac
EOF
for tool in cargo rustc rustdoc; do
  cat > "$cargo_home/bin/$tool" <<EOF
#!/bin/sh
# STAND-IN rustup proxy for $tool (see test/standins/rustup/standin-rustup-init.sh).
t=\${RUSTUP_TOOLCHAIN:-}
if [ -z "\$t" ] || [ ! -d "\${RUSTUP_HOME:-\$HOME/.rustup}/toolchains/\$t" ]; then
  echo "error: toolchain '\$t' is not installed" >&2
  exit 1
fi
exec /usr/bin/$tool "\$@"
EOF
done
chmod +x "$cargo_home/bin/rustup" "$cargo_home/bin/cargo" "$cargo_home/bin/rustc" "$cargo_home/bin/rustdoc"
echo "info: stand-in: rustup installed in $cargo_home/bin"
