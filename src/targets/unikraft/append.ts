/**
 * QEMU's -append for a Unikraft guest, built as `kraft run` builds it (kraftkit machine/qemu/v1alpha1.go:
 * https://github.com/unikraft/kraftkit/blob/staging/machine/qemu/v1alpha1.go): the kernel (library)
 * arguments, then `--` **only when there are kernel arguments**, then the app's arguments.
 *
 * The `--` cannot always be written: it is consumed only by uklibparam (CONFIG_LIBUKLIBPARAM, off
 * by default), and without it, or without kernel arguments before it, a bare `--` reaches the app's
 * `main` as its first argument (unikraft lib/ukboot/early_init.c:
 * https://github.com/unikraft/unikraft/blob/staging/lib/ukboot/early_init.c).
 */
export function unikraftAppend(kernelArgs: string, appArgs: string): string[] {
  const k = kernelArgs.trim();
  const a = appArgs.trim();
  if (!k && !a) return [];
  const words = k ? [k, '--', a] : [a];
  return ['-append', words.filter((w) => w !== '').join(' ')];
}
