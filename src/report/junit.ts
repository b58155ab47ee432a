import type { CaseStatus, ExecutableReport, PanicLocation, TestCase } from '../verdict/test-cases.js';

/**
 * JUnit XML, in the shape test-report actions read: dorny/test-reporter (`java-junit`: suite and
 * case names and times, `<failure message>` and its text, `<skipped>`;
 * https://github.com/dorny/test-reporter/blob/main/src/parsers/java-junit/java-junit-parser.ts) and
 * mikepenz/action-junit-report (also a case's `file` and `line` attributes, which place its
 * annotation; https://github.com/mikepenz/action-junit-report/blob/main/src/testParser.ts).
 * One `<testsuite>` per test executable, one `<testcase>` per test case; `classname` is the suite's
 * name, so that neither reader splits a suite into groups.
 */

export interface JUnitCase {
  name: string;
  status: CaseStatus;
  seconds?: number;
  /** One line: the failure's message attribute, or why the case was skipped. */
  message?: string;
  /** The failure's text (the whole panic, the case's output). */
  details?: string;
  /** Failure kind, as the `type` attribute: `panic` or `failure`. */
  type?: string;
  /** Where it failed, relative to the repository (GITHUB_WORKSPACE), for annotations. */
  file?: string;
  line?: number;
  /** What the case printed. */
  output?: string[];
}

export interface JUnitSuite {
  name: string;
  seconds: number;
  /** When the executable started. */
  timestamp?: Date;
  /** The executable's source file, relative to the repository. */
  file?: string;
  properties?: Record<string, string>;
  cases: JUnitCase[];
  /** The executable's serial output (or its last lines). */
  systemOut?: string;
}

// Characters XML 1.0 cannot hold at all (https://www.w3.org/TR/xml/#charsets): C0 controls but tab,
// newline and carriage return; lone surrogates; U+FFFE and U+FFFF. A guest's output can have any.
// eslint-disable-next-line no-control-regex -- XML 1.0 forbids these control characters: they are what it replaces
const INVALID = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text content: the markup characters escaped, characters XML cannot hold replaced by U+FFFD. */
export function xmlText(s: string): string {
  return s.replace(INVALID, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value: also quotes, and line breaks and tabs as references (a parser would turn them into spaces). */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

const secs = (s: number | undefined) => (s === undefined || !Number.isFinite(s) || s < 0 ? 0 : s).toFixed(3);

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

function testcase(c: JUnitCase, classname: string): string {
  const open = `    <testcase${attrs({ name: c.name, classname, time: secs(c.seconds), file: c.file, line: c.file && c.line ? c.line : undefined })}`;
  const body: string[] = [];
  if (c.status === 'failed') {
    const message = (c.message ?? 'failed').split('\n')[0];
    body.push(`      <failure${attrs({ message, type: c.type ?? 'failure' })}>${xmlText(c.details ?? c.message ?? '')}</failure>`);
  } else if (c.status === 'ignored') {
    body.push(`      <skipped${attrs({ message: c.message })}/>`);
  }
  if (c.output && c.output.length > 0) body.push(`      <system-out>${xmlText(c.output.join('\n'))}</system-out>`);
  return body.length === 0 ? `${open}/>` : `${open}>\n${body.join('\n')}\n    </testcase>`;
}

function count(cases: JUnitCase[], s: CaseStatus): number {
  return cases.filter((c) => c.status === s).length;
}

/** The whole JUnit document. */
export function junitXml(suites: JUnitSuite[], name = 'cargo test'): string {
  const all = suites.flatMap((s) => s.cases);
  const total = suites.reduce((t, s) => t + (Number.isFinite(s.seconds) ? s.seconds : 0), 0);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites${attrs({ name, tests: all.length, failures: count(all, 'failed'), errors: 0, skipped: count(all, 'ignored'), time: secs(total) })}>`);
  for (const s of suites) {
    out.push(
      `  <testsuite${attrs({ name: s.name, tests: s.cases.length, failures: count(s.cases, 'failed'), errors: 0, skipped: count(s.cases, 'ignored'), time: secs(s.seconds), timestamp: s.timestamp?.toISOString().replace(/\.\d+Z$/, ''), file: s.file })}>`,
    );
    const props = Object.entries(s.properties ?? {});
    if (props.length > 0) {
      out.push('    <properties>');
      for (const [k, v] of props) out.push(`      <property${attrs({ name: k, value: v })}/>`);
      out.push('    </properties>');
    }
    for (const c of s.cases) out.push(testcase(c, s.name));
    if (s.systemOut) out.push(`    <system-out>${xmlText(s.systemOut)}</system-out>`);
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

export interface SuiteOptions {
  /** The suite's name (unique in the run: see suiteNames in src/cargo/test-executables.ts). */
  name: string;
  seconds: number;
  timestamp?: Date;
  /** The executable's source file, relative to the repository. */
  file?: string;
  properties?: Record<string, string>;
  systemOut?: string;
  /**
   * The repository-relative file of a panic location, or undefined when it is not in the
   * repository (the standard library, a dependency). The caller decides: locations are relative
   * to the crate the executable was built from.
   */
  fileOf?: (loc: PanicLocation) => string | undefined;
}

/** One executable's judged test cases as a suite. */
export function suiteFromReport(report: ExecutableReport, opts: SuiteOptions): JUnitSuite {
  const toCase = (c: TestCase): JUnitCase => {
    const file = c.location && opts.fileOf ? opts.fileOf(c.location) : undefined;
    const where = c.location ? `panicked at ${c.location.file}:${c.location.line}:${c.location.col}` : undefined;
    const details =
      c.status === 'failed' ? [where, c.message, c.output.length > 0 ? `output:\n${c.output.join('\n')}` : undefined].filter(Boolean).join('\n\n') : undefined;
    return {
      name: c.name,
      status: c.status,
      seconds: c.seconds,
      message: c.status === 'failed' && c.message === undefined && where ? where : c.message,
      details,
      type: c.location ? 'panic' : 'failure',
      file,
      line: file ? c.location!.line : undefined,
      output: c.status === 'failed' ? undefined : c.output,
    };
  };
  return {
    name: opts.name,
    seconds: opts.seconds,
    timestamp: opts.timestamp,
    file: opts.file,
    properties: opts.properties,
    systemOut: opts.systemOut,
    cases: report.cases.map(toCase),
  };
}
