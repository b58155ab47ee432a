/**
 * Does the app enable the kernel features its boot path needs?
 *
 * Up to hermit 0.13.x the hermit crate builds the kernel with a list of default features and the
 * kernel boots through the loader and through Uhyve alike. From the release after 0.13.2 on, the
 * crate has no default features (`default = []`) and the kernel contains its loader entry only
 * with the new `loader` feature and Uhyve's only with `uhyve`
 * (https://github.com/hermit-os/hermit-rs/blob/main/hermit/Cargo.toml; the build script passes
 * --no-default-features and forwards the crate's features to the kernel build,
 * https://github.com/hermit-os/hermit-rs/blob/main/hermit/build.rs; the kernel's features:
 * https://github.com/hermit-os/kernel/blob/main/Cargo.toml). Such an app builds fine and then
 * cannot boot. Whether the hermit crate in use has those features, and which are on, is read from
 * `cargo metadata` (the package's `features` table, and the resolved node's `features`).
 */

export interface MetaPackage {
  name: string;
  id: string;
  version: string;
  features?: Record<string, string[]>;
}
export interface CargoMetadata {
  packages: MetaPackage[];
  resolve?: { nodes: { id: string; features?: string[] }[] } | null;
}

export type HermitBoot = 'loader' | 'uhyve';

export interface FeatureCheck {
  /** The hermit package's version. */
  version: string;
  /** Features the boot needs that the crate has but that are not enabled. */
  missing: string[];
  /** What to do, when something is missing. */
  fix?: string;
}

/**
 * Checks the hermit package of the resolved graph. Undefined when there is none, or when the
 * metadata has no resolve graph (cargo metadata --no-deps): then nothing can be told.
 */
export function checkHermitFeatures(meta: CargoMetadata, boot: HermitBoot): FeatureCheck | undefined {
  const nodes = meta.resolve?.nodes;
  if (!nodes) return undefined;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const pkg = meta.packages.find((p) => p.name === 'hermit' && byId.has(p.id));
  if (!pkg) return undefined;
  const enabled = new Set(byId.get(pkg.id)!.features ?? []);
  // A feature the crate does not define (hermit 0.13.x) is not needed: that kernel boots both ways.
  const needed = boot === 'uhyve' ? ['uhyve'] : ['loader'];
  const missing = needed.filter((f) => pkg.features && f in pkg.features && !enabled.has(f));
  if (missing.length === 0) return { version: pkg.version, missing };
  const how = boot === 'uhyve' ? 'to boot with Uhyve' : "to boot through Hermit's loader in QEMU";
  const list = missing.map((f) => `"${f}"`).join(', ');
  return {
    version: pkg.version,
    missing,
    fix:
      `The hermit crate ${pkg.version} has no default features: its kernel needs the ${missing.join(' and ')} feature${missing.length > 1 ? 's' : ''} ${how}, and the app does not enable ${missing.length > 1 ? 'them' : 'it'}, so the kernel would build but not boot. ` +
      `Add ${list} to the hermit dependency's features in Cargo.toml, e.g. hermit = { ..., features = [${list}] } (or pass --features hermit/${missing[0]} in cargo-args).`,
  };
}

/**
 * The feature selection flags of the action's cargo-args, to give `cargo metadata` the same
 * selection as the build (`--features a,b`, `--features=a`, `-F a`, `--all-features`,
 * `--no-default-features`).
 */
export function featureArgs(cargoArgs: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < cargoArgs.length; i++) {
    const a = cargoArgs[i];
    if (a === '--all-features' || a === '--no-default-features') out.push(a);
    else if ((a === '--features' || a === '-F') && i + 1 < cargoArgs.length) out.push('--features', cargoArgs[++i]);
    else if (a.startsWith('--features=')) out.push('--features', a.slice('--features='.length));
    else if (a.startsWith('-F') && a.length > 2) out.push('--features', a.slice(2));
  }
  return out;
}
