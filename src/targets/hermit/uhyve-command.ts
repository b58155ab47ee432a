/**
 * Uhyve's command line, held against Uhyve v0.9.1 (the newest release; it still runs 0.13 kernels).
 *
 * `uhyve [OPTIONS] <KERNEL> [KERNEL_ARGS]...` (src/bin/uhyve.rs, GuestArgs: the positional `kernel`
 * then `kernel_args: Vec<String>`: https://github.com/hermit-os/uhyve/blob/v0.9.1/src/bin/uhyve.rs).
 * Uhyve splits KERNEL_ARGS at the first `--` into the kernel's and the app's arguments
 * (src/vm.rs, write_fdt: https://github.com/hermit-os/uhyve/blob/v0.9.1/src/vm.rs), the same
 * `<kernel args> -- <app args>` form as hermit-args. But clap takes the first `--` on the command
 * line for itself (the end of options), so `uhyve app -- one` would hand `one` to the kernel: the
 * arguments are therefore always written after a `--` of their own, which also keeps words starting
 * with `-` (kernel options) from being read as Uhyve options.
 */
export const UHYVE_VERSION = '0.9.1';

/** The command line: program, image, then `--` and the hermit-args words when there are any. */
export function uhyveCommand(program: string, image: string, hermitArgs: readonly string[]): string[] {
  return hermitArgs.length ? [program, image, '--', ...hermitArgs] : [program, image];
}

/** How the action installs Uhyve when it is not on PATH: the pinned release, as Uhyve's README installs it. */
export function uhyveInstallArgs(): string[] {
  return ['install', '--locked', 'uhyve', '--version', UHYVE_VERSION];
}
