import { type Forward } from '../model/conversation.js';
/**
 * The guest's network card, as a target family chooses it: a QEMU `-device` on a bus the guest's
 * driver knows, or the board's own on-board controller.
 */
export type Nic =
  /** A `-device` model with its properties (the `netdev=` link is added here). */
  | { kind: 'device'; device: string; props?: readonly string[] }
  /** The board's built-in controller, reached with `-nic user,...` (QEMU attaches it to the first on-board NIC). */
  | { kind: 'onboard'; model?: string };

/**
 * The common cards families choose from (a family with a card of its own declares it in its folder).
 *
 * - `virtioPci`: virtio-net on PCI, for x86 PCs (`pc`, `q35`) and Unikraft. KraftKit adds one
 *   `virtio-net-pci` device on a `user` netdev with `hostfwd=tcp::HOST-:GUEST` for every published
 *   port, on x86_64 and arm64 alike
 *   (https://github.com/unikraft/kraftkit/blob/main/machine/qemu/v1alpha1.go, `machine.Spec.Ports`).
 * - `virtioMmio`: virtio-net on the virtio-mmio transports of the `virt` boards (aarch64, riscv) and
 *   `microvm`: `virtio-net-device`, as Hermit's `--devices virtio-net-mmio`.
 * - `onboard`: boards with a built-in Ethernet controller (mps2-an385/an505: lan9118; lm3s6965evb:
 *   stellaris_enet), which take `-nic user,...`.
 */
export const NICS = {
  virtioPci: { kind: 'device', device: 'virtio-net-pci' },
  virtioMmio: { kind: 'device', device: 'virtio-net-device' },
  onboard: { kind: 'onboard' },
} as const satisfies Record<string, Nic>;

/**
 * QEMU's user networking: the guest gets 10.0.2.15 from the built-in DHCP server (gateway 10.0.2.2),
 * and a forward without a guest address goes to that first DHCP address
 * (https://www.qemu.org/docs/master/system/invocation.html, `-netdev user`, `hostfwd`). A guest
 * that configures itself statically must use this address.
 */
export const GUEST_ADDRESS = '10.0.2.15';
export const GATEWAY_ADDRESS = '10.0.2.2';

/** The netdev's id, named by the device. */
const NETDEV_ID = 'net0';

/**
 * The QEMU arguments that give the guest a network card on QEMU's user networking with the given
 * TCP forwards, listening on the runner's 127.0.0.1 only (nothing outside the runner reaches the
 * guest). No forwards, no arguments: the target's default stays (`-nic none` where a target has it;
 * when it has, the explicit `-netdev`/`-device` pair still applies: checked with QEMU 7.2's
 * `info network`).
 */
export function networkArgs(forwards: readonly Forward[], nic: Nic): string[] {
  if (forwards.length === 0) return [];
  const hostfwd = forwards.map((f) => `hostfwd=tcp:127.0.0.1:${f.host}-:${f.guest}`).join(',');
  if (nic.kind === 'onboard') return ['-nic', `user,${hostfwd}${nic.model ? `,model=${nic.model}` : ''}`];
  const props = nic.props?.length ? `,${nic.props.join(',')}` : '';
  return ['-netdev', `user,id=${NETDEV_ID},${hostfwd}`, '-device', `${nic.device},netdev=${NETDEV_ID}${props}`];
}
