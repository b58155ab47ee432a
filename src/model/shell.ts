/** A POSIX shell single-quoted word: safe whatever `s` holds. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** An argument as a person would paste it into a shell: quoted only when it needs it. */
export const shellWord = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : shellQuote(a));

/** A command line a person can paste into a shell. */
export function shellJoin(argv: string[]): string {
  return argv.map(shellWord).join(' ');
}
