// What QEMU says about the guest's run state, in words. Pure: no I/O.

/**
 * KVM's internal-error suberrors (KVM_INTERNAL_ERROR_* in Linux's include/uapi/linux/kvm.h,
 * https://github.com/torvalds/linux/blob/master/include/uapi/linux/kvm.h).
 */
const KVM_SUBERRORS: Record<string, string> = {
  '1': 'emulation failure',
  '2': 'simultaneous exceptions',
  '3': 'exception during event delivery',
  '4': 'unexpected exit reason',
};

/**
 * QEMU's own stderr messages after which it stops the guest (run state internal-error) instead of
 * exiting: accel/kvm/kvm-all.c (kvm_handle_internal_error, "kvm run failed"),
 * target/i386/kvm/kvm.c ("entry failed", "unknown exit reason"), target/arm/kvm.c (a data abort
 * KVM cannot emulate). https://gitlab.com/qemu-project/qemu/-/blob/v7.2.0/accel/kvm/kvm-all.c
 */
const STOPPING: { re: RegExp; say: (m: RegExpExecArray) => string }[] = [
  { re: /KVM internal error\. Suberror: (\d+)/, say: (m) => `KVM internal error (${KVM_SUBERRORS[m[1]] ?? `suberror ${m[1]}`}` },
  { re: /kvm run failed ([^\n]*)/, say: (m) => `KVM run failed (${m[1].trim()}` },
  { re: /KVM: entry failed, hardware error (0x[0-9a-fA-F]+)/, say: (m) => `KVM entry failed (hardware error ${m[1]}` },
  { re: /KVM: unknown exit reason (\d+)/, say: (m) => `KVM internal error (unknown exit reason ${m[1]}` },
  { re: /KVM unable to emulate faulting instruction/, say: () => 'KVM internal error (a data abort KVM cannot emulate' },
];

/**
 * The KVM failure QEMU reported on stderr, in a few words with where the CPU was, e.g.
 * "KVM internal error (emulation failure at RIP=0x100c7e)"; undefined when there is none.
 */
export function kvmFailure(stderr: string): string | undefined {
  for (const { re, say } of STOPPING) {
    const m = re.exec(stderr);
    if (!m) continue;
    // QEMU dumps the registers after the message (cpu_dump_state): x86 "RIP=", Arm " PC=".
    const after = stderr.slice(m.index);
    const pc = /^RIP=([0-9a-fA-F]+)/m.exec(after) ?? /\bPC=([0-9a-fA-F]+)/.exec(after);
    const where = pc ? ` at ${pc[0].startsWith('RIP') ? 'RIP' : 'PC'}=0x${pc[1].replace(/^0+(?=.)/, '')}` : '';
    return `${say(m)}${where})`;
  }
  return undefined;
}

/** Why the guest is not running, in words, and what to do about it. */
export function describeStop(state: string, stderr: string, detail?: string): { what: string; fix: string } {
  const kvm = kvmFailure(stderr);
  const seen = detail ? `, ${detail}` : '';
  switch (state) {
    case 'internal-error':
      return {
        what: `${kvm ?? 'QEMU reported an internal error'} (run state internal-error${seen})`,
        fix: kvm
          ? 'KVM could not run this guest where TCG can (common under nested KVM, as on hosted CI runners). Use accel: tcg.'
          : "Use accel: tcg, and see QEMU's own messages above.",
      };
    case 'guest-panicked':
      return { what: `the guest reported a panic to QEMU (run state guest-panicked${seen})`, fix: "The panic is the guest's own: see the serial log." };
    case 'io-error':
      return {
        what: `a disk read or write failed and QEMU paused the guest (run state io-error${seen})`,
        fix: 'Check the disk image: that it exists, is writable and has room.',
      };
    case 'shutdown':
      return {
        what: `the guest powered off or reset, and QEMU paused it instead of exiting (run state shutdown${seen})`,
        fix: 'Report success by exiting with a status (e.g. isa-debug-exit), and remove -action shutdown=pause from qemu-args if it is there.',
      };
    case 'watchdog':
      return {
        what: `a watchdog fired and QEMU paused the guest (run state watchdog${seen})`,
        fix: 'The guest stopped feeding its watchdog: see the serial log.',
      };
    case 'suspended':
      return { what: `the guest suspended itself to RAM (run state suspended${seen}); nothing wakes it`, fix: 'Exit with a status instead of suspending.' };
    case 'reset':
      return {
        what: `the guest reset the machine (${detail ?? 'RESET'}); it would start again from the beginning`,
        fix: 'A reset is a crash or a reboot, never success; on x86 a triple fault resets.',
      };
    case 'paused':
    case 'debug':
      return {
        what: `QEMU paused the guest (run state ${state}${seen})`,
        fix: 'Remove what pauses it: -S, a gdb stub (-s/-gdb) that waits, a monitor command.',
      };
    default:
      return { what: `QEMU's run state became ${state}${seen}`, fix: kvm ? 'Use accel: tcg.' : "See QEMU's own messages above." };
  }
}
