// Finds where a JSON text first breaks, for error messages. workerd's JSON.parse (V8) gives a position for only some
// breaks ("Unexpected token '}', "{"a": }" is not valid JSON" and "Unexpected end of JSON input" carry none), so this
// scanner gives every message the same shape. Runs only after JSON.parse has already failed.
// It is one loop over the text with an explicit stack of at most MAX_DEPTH brackets, and no regular expression: a
// backtracking one overflowed on a 12 MB string. So no input, of any size, can overflow the stack.

const MAX_DEPTH = 512;

class Broken extends Error {
  constructor(readonly at: number, readonly expected: string) {
    super(expected);
  }
}

const isSpace = (code: number): boolean => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
const isHex = (code: number): boolean => isDigit(code) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);

function scan(text: string): void {
  let i = 0;
  const open: string[] = []; // the closing bracket of each open array or object, innermost last
  const skip = (): void => {
    while (isSpace(text.charCodeAt(i))) i++;
  };
  const hex4 = (at: number): boolean =>
    isHex(text.charCodeAt(at)) && isHex(text.charCodeAt(at + 1)) && isHex(text.charCodeAt(at + 2)) && isHex(text.charCodeAt(at + 3));
  const digits = (): number => {
    const start = i;
    while (isDigit(text.charCodeAt(i))) i++;
    return i - start;
  };
  const string = (what: string): void => {
    if (text[i] !== '"') throw new Broken(i, what);
    for (i++; ; ) {
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (Number.isNaN(c)) throw new Broken(i, `the closing '"' of the string`);
      if (c < 0x20) throw new Broken(i, "an escape (such as \\n) instead of a control character");
      if (c !== 0x5c) i++;
      else if (ESCAPES.has(text[i + 1] ?? "")) i += 2;
      else if (text[i + 1] === "u" && hex4(i + 2)) i += 6;
      else throw new Broken(i, "a valid escape (such as \\n or \\u00e9)");
    }
  };
  // As the grammar's regular expression -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? would: a fraction or exponent that is
  // not whole is left for the caller to refuse.
  const number = (): void => {
    const start = i;
    if (text[i] === "-") i++;
    if (text[i] === "0") i++;
    else if (digits() === 0) throw new Broken(start, "a value");
    const part = (i0: number, lead: number): void => {
      i = i0 + lead;
      if (digits() === 0) i = i0;
    };
    if (text[i] === ".") part(i, 1);
    if (text[i] === "e" || text[i] === "E") part(i, text[i + 1] === "+" || text[i + 1] === "-" ? 2 : 1);
  };
  const key = (): void => {
    skip();
    string("a property name in double quotes");
    skip();
    if (text[i] !== ":") throw new Broken(i, "':'");
    i++;
  };

  for (;;) {
    skip();
    const ch = text[i];
    if (ch === "{" || ch === "[") {
      if (open.length === MAX_DEPTH) throw new Broken(i, "less nesting");
      const close = ch === "{" ? "}" : "]";
      i++;
      skip();
      if (text[i] !== close) {
        open.push(close);
        if (ch === "{") key();
        continue;
      }
      i++;
    } else if (ch === '"') string("a valid string");
    else {
      const word = ["true", "false", "null"].find((w) => text.startsWith(w, i));
      if (word) i += word.length;
      else number();
    }
    // A value has ended: close what it ends, then expect the next value, or the end of the text.
    for (;;) {
      skip();
      const close = open.at(-1);
      if (close === undefined) {
        if (i < text.length) throw new Broken(i, "the end of the JSON");
        return;
      }
      if (text[i] === close) {
        i++;
        open.pop();
        continue;
      }
      if (text[i] !== ",") throw new Broken(i, `',' or '${close}'`);
      i++;
      if (close === "}") key();
      break;
    }
  }
}

/** Line and column (from 1) of a position, counted without copying the text. */
export function lineAndColumn(text: string, at: number): [number, number] {
  let line = 1;
  for (let nl = text.indexOf("\n"); nl !== -1 && nl < at; nl = text.indexOf("\n", nl + 1)) line++;
  const lineStart = at === 0 ? 0 : text.lastIndexOf("\n", at - 1) + 1;
  return [line, at - lineStart + 1];
}

/** A message like "expected ',' or '}' at line 1, column 27 (position 26)", or null if the text is valid. */
export function jsonErrorPosition(text: string): string | null {
  try {
    scan(text);
    return null;
  } catch (err) {
    if (!(err instanceof Broken)) throw err;
    const [line, column] = lineAndColumn(text, err.at);
    return breakMessage(err.expected, { line, column, at: err.at }, err.at >= text.length ? null : text.slice(err.at, err.at + FOUND_CHARS));
  }
}

/** How much of the text at a break a message quotes. */
export const FOUND_CHARS = 12;

/** The one shape of a "where the JSON broke" message (the streaming parser gives it too); `found` null: the end. */
export function breakMessage(expected: string, where: { line: number; column: number; at: number }, found: string | null): string {
  const what = found === null ? "the end of the body" : JSON.stringify(found);
  return `expected ${expected} at line ${where.line}, column ${where.column} (position ${where.at}), found ${what}`;
}
