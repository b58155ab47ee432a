/**
 * What cargo's own arguments (the cargo-args input) say, read the way cargo reads them: shared by
 * the build (which executable it will produce) and the cache (which folders hold the build).
 */

/** Every value of `--name VALUE` / `--name=VALUE` (and `-s VALUE` for a short form), in order. */
export function cargoFlagValues(args: string[], long: string, short?: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if ((args[i] === long || (short && args[i] === short)) && i + 1 < args.length) out.push(args[++i]);
    else if (args[i].startsWith(`${long}=`)) out.push(args[i].slice(long.length + 1));
  }
  return out;
}

/** The value of `--name VALUE` or `--name=VALUE` (the last one wins, as with cargo). */
export function cargoFlag(args: string[], name: string): string | undefined {
  return cargoFlagValues(args, name).at(-1);
}

/** The folder name of the build profile: `dev` builds into debug/, `--release` into release/, `--profile P` into P/. */
export function profileDir(cargoArgs: string[]): string {
  const profile = cargoFlag(cargoArgs, '--profile') ?? (cargoArgs.includes('--release') || cargoArgs.includes('-r') ? 'release' : 'dev');
  return profile === 'dev' || profile === 'test' ? 'debug' : profile === 'bench' ? 'release' : profile;
}
