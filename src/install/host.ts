/**
 * Where the action runs: Linux on x64 or arm64 (GitHub's ubuntu-* and ubuntu-*-arm runners,
 * self-hosted Linux, containers). It installs QEMU and firmware with apt-get, boots with KVM, and
 * its guests' firmware paths are those of Debian and Ubuntu; none of that exists on macOS or
 * Windows, so those are refused at once, before anything is installed.
 */
export type HostCheck = { ok: true } | { ok: false; message: string };

const RUNNERS = 'Run the job on a Linux runner: runs-on: ubuntu-latest (x64) or ubuntu-24.04-arm (arm64), or a self-hosted Linux x64/arm64 runner.';

export function checkHost(platform: NodeJS.Platform | string, arch: string): HostCheck {
  if (platform !== 'linux') {
    const name = platform === 'darwin' ? 'macOS' : platform === 'win32' ? 'Windows' : platform;
    return {
      ok: false,
      message: `This action runs on Linux only (it installs QEMU with apt-get and boots with KVM), but this runner is ${name} (${arch}). ${RUNNERS}`,
    };
  }
  if (arch !== 'x64' && arch !== 'arm64') {
    return { ok: false, message: `This action runs on x64 and arm64 Linux, but this runner is ${arch}. ${RUNNERS}` };
  }
  return { ok: true };
}
