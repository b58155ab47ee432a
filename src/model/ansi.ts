import ansiRegex from 'ansi-regex';

// Escape sequences as ansi-regex reads them (https://github.com/chalk/ansi-regex: CSI with SGR,
// OSC, DCS/SOS/PM/APC strings, charset selection and the other nF escapes, two-byte escapes),
// and, tried after them, an OSC whose terminator (BEL or ST) does not come: a terminal takes what
// follows as its payload (a window title) up to the next escape, so that is not text either. Only
// to the line's end: a terminal would swallow the next lines too, and a line hidden that way could
// hide a failure.
const SEQUENCES = new RegExp(`${ansiRegex().source}|${String.raw`\x1b\][^\x1b\n]*`}`, 'g');
// What else terminal output carries that is not text: NUL padding, carriage returns (the text on
// both sides of one is kept, so a failure line overwritten by a progress bar still counts), DEL,
// and an ESC that starts no sequence.
// eslint-disable-next-line no-control-regex -- control characters are what it removes
const CONTROL = /[\x00\r\x7f\x1b]/g;

/**
 * The text a pattern is matched against, the one reading of terminal output in the action (the
 * serial console, cargo's coloured errors): escape sequences and the control characters above
 * removed. Nothing here crosses a newline unless a sequence's terminator lies past one.
 */
export function cleanLine(line: string): string {
  return line.replace(SEQUENCES, '').replace(CONTROL, '');
}
