import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument, isMap, isSeq, Scalar, YAMLMap, type Document } from 'yaml';
import { ActionError } from '../../model/errors.js';
// Names, aliases and `kernel:` as kraft reads them.
import { canonicalPlatform, findOneKraftfile, mapTargetName, KRAFTFILE_NAMES as KRAFT_NAMES } from './kraftfile-names.js';

/**
 * Reading and checking a Unikraft app's Kraftfile (the schema KraftKit accepts, see
 * unikraft/kraftkit unikraft/target/transform.go): `targets` is a list whose items are either a
 * string `plat/arch` (the target is then named after the app's `name`) or a map with
 * `platform`/`plat` (which may itself be `plat/arch`), `architecture`/`arch` and an optional `name`
 * (or `kernel`, which kraft reads as the name). Platform aliases (`kvm`) are read as kraft
 * rewrites them (unikraft/kraftfile-names.ts).
 */

/** File names kraft looks for (kraftkit's order); more than one in a folder is an error. */
export const KRAFTFILE_NAMES: readonly string[] = KRAFT_NAMES;

/** The kconfig option without which newer Unikraft prints nothing of the app's stdout/stderr. */
export const TTY_STDIO = 'CONFIG_LIBPOSIX_TTY_STDIO';

export const PLAT = 'qemu';
export const ARCH = 'x86_64';

export interface KraftTarget {
  name: string;
  plat: string;
  arch: string;
  /** How it is written in the Kraftfile, for messages. */
  written: string;
}

export interface Kraftfile {
  path: string;
  /** The app's `name`, if any. */
  name?: string;
  targets: KraftTarget[];
  /** Does unikraft.kconfig (or the chosen target's kconfig) set CONFIG_LIBPOSIX_TTY_STDIO=y? */
  ttyStdio: boolean;
  /** The Unikraft version the Kraftfile asks for (`unikraft: stable` or `unikraft: {version: ...}`), if written. */
  unikraftVersion?: string;
}

const WANT_LINES = `targets:\n  - ${PLAT}/${ARCH}`;

export function findKraftfile(dir: string): string | undefined {
  return findOneKraftfile(dir);
}

/** Does a kconfig section (a map `KEY: value` or a list of `KEY=value`) set `key` to y? */
function kconfigSets(section: unknown, key: string): boolean {
  if (section && typeof section === 'object' && !Array.isArray(section)) {
    const v = (section as Record<string, unknown>)[key];
    return v === true || v === 'y' || v === 'Y';
  }
  if (Array.isArray(section)) {
    return section.some((item) => typeof item === 'string' && new RegExp(`^\\s*${key}\\s*=\\s*[yY]\\s*$`).test(item));
  }
  return false;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

export function parseKraftfile(file: string): Kraftfile {
  const rel = path.basename(file);
  let doc: Document;
  try {
    doc = parseDocument(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ActionError(`Could not read ${file}: ${(e as Error).message}`);
  }
  if (doc.errors.length) {
    throw new ActionError(`${rel} is not valid YAML: ${doc.errors[0].message.split('\n')[0]}. Fix it (kraft would reject it too).`);
  }
  const root = doc.toJS() as Record<string, unknown> | null;
  if (!root || typeof root !== 'object' || Array.isArray(root) || !isMap(doc.contents)) {
    throw new ActionError(`${rel} is not a YAML map of settings (spec, name, unikraft, libraries, targets). Add at least:\n${WANT_LINES}`);
  }
  const appName = str(root.name);
  const rawTargets = root.targets;
  const targets: KraftTarget[] = [];
  if (rawTargets !== undefined && rawTargets !== null) {
    const node = doc.get('targets', true);
    if (!isSeq(node) || !Array.isArray(rawTargets)) {
      throw new ActionError(`${rel}: targets must be a list (kraft fails with "no targets selected to build" otherwise). Write:\n${WANT_LINES}`);
    }
    for (const t of rawTargets) {
      if (typeof t === 'string') {
        const [plat, arch] = t.split('/', 2);
        targets.push({ name: appName ?? '', plat: canonicalPlatform(plat ?? ''), arch: arch?.trim() ?? '', written: t });
      } else if (t && typeof t === 'object' && !Array.isArray(t)) {
        const m = t as Record<string, unknown>;
        let plat = str(m.platform) ?? str(m.plat) ?? '';
        let arch = str(m.architecture) ?? str(m.arch) ?? '';
        if (plat.includes('/')) [plat, arch] = [plat.split('/', 2)[0], plat.split('/', 2)[1]];
        targets.push({ name: mapTargetName(m, appName, file) ?? '', plat: canonicalPlatform(plat), arch, written: JSON.stringify(m) });
      } else {
        throw new ActionError(`${rel}: a target must be a string like ${PLAT}/${ARCH} or a map with platform and architecture, not ${JSON.stringify(t)}.`);
      }
    }
  }
  const unikraft = root.unikraft;
  const ukKconfig = unikraft && typeof unikraft === 'object' ? (unikraft as Record<string, unknown>).kconfig : undefined;
  const targetKconfig = Array.isArray(rawTargets)
    ? rawTargets.some((t) => t && typeof t === 'object' && kconfigSets((t as Record<string, unknown>).kconfig, TTY_STDIO))
    : false;
  const unikraftVersion =
    typeof unikraft === 'string' || typeof unikraft === 'number'
      ? String(unikraft)
      : unikraft && typeof unikraft === 'object'
        ? str((unikraft as Record<string, unknown>).version)
        : undefined;
  return { path: file, name: appName, targets, ttyStdio: kconfigSets(ukKconfig, TTY_STDIO) || targetKconfig, unikraftVersion };
}

/**
 * Picks the qemu/x86_64 target to build: the one named `wanted` if given, else the only one (or
 * the first of several with the same name). Throws with the lines to add when there is none.
 */
export function chooseTarget(kf: Kraftfile, wanted: string | undefined, input: string): KraftTarget {
  const rel = path.basename(kf.path);
  if (kf.targets.length === 0) {
    // kraft: "no targets to build" for an empty list (a filter matching nothing says "no targets selected to build").
    throw new ActionError(
      `${rel} names no targets, so kraft build (run by kraftld) would fail with "no targets to build". Add these lines to ${kf.path}:\n${WANT_LINES}`,
    );
  }
  const ours = kf.targets.filter((t) => t.plat === PLAT && t.arch === ARCH);
  if (ours.length === 0) {
    const have = kf.targets.map((t) => t.written).join(', ');
    throw new ActionError(
      `${rel} has no ${PLAT}/${ARCH} target (it has: ${have}); Rust on Unikraft builds and boots only ${PLAT}/${ARCH} here. Add it to the targets list in ${kf.path}:\n${WANT_LINES}`,
    );
  }
  if (wanted) {
    const hit = ours.find((t) => t.name === wanted);
    if (!hit) {
      throw new ActionError(
        `Input '${input}': ${rel} has no ${PLAT}/${ARCH} target named '${wanted}' (${PLAT}/${ARCH} targets: ${ours.map((t) => t.name || '(unnamed)').join(', ')}). Use one of those names, or leave ${input} empty.`,
      );
    }
    return hit;
  }
  const names = [...new Set(ours.map((t) => t.name))];
  if (names.length > 1) {
    throw new ActionError(`${rel} has several ${PLAT}/${ARCH} targets (${names.join(', ')}); choose one with the ${input} input.`);
  }
  if (!ours[0].name) {
    throw new ActionError(
      `${rel} has a ${PLAT}/${ARCH} target but neither it nor the app has a name, and kraftld needs one (KRAFTKIT_TARGET). Add a top-level 'name: <app>' to ${kf.path}, or give the ${input} input.`,
    );
  }
  return ours[0];
}

/**
 * The Kraftfile's text with unikraft.kconfig.CONFIG_LIBPOSIX_TTY_STDIO set to 'y', keeping
 * everything else (comments included). `unikraft: stable` (a plain version) becomes
 * `unikraft: {version: stable, kconfig: {...}}` (the map form the Kraftfile schema allows; catalog's
 * native/helloworld-rs itself writes plain `unikraft: stable` with no kconfig).
 */
export function withTtyStdio(text: string): string {
  const doc = parseDocument(text);
  // 'y' quoted, as upstream writes it: unquoted, a YAML 1.1 reader would take it for a boolean.
  const yes = () => Object.assign(new Scalar('y'), { type: Scalar.QUOTE_SINGLE });
  const kconfig = () => {
    const m = new YAMLMap();
    m.set(TTY_STDIO, yes());
    return m;
  };
  const uk = doc.get('unikraft', true);
  if (uk === undefined || uk === null) {
    const m = new YAMLMap();
    m.set('kconfig', kconfig());
    doc.set('unikraft', m);
  } else if (isMap(uk)) {
    const kc = uk.get('kconfig', true);
    if (isSeq(kc)) kc.add(`${TTY_STDIO}=y`);
    else if (isMap(kc)) kc.set(TTY_STDIO, yes());
    else uk.set('kconfig', kconfig());
  } else {
    const m = new YAMLMap();
    m.set('version', doc.get('unikraft'));
    m.set('kconfig', kconfig());
    doc.set('unikraft', m);
  }
  return doc.toString();
}
