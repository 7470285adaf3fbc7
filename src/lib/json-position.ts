// Finds where a JSON text first breaks, for error messages (workerd's JSON.parse does not say where).
// Runs only after JSON.parse has already failed.

const WS = new Set([" ", "\t", "\n", "\r"]);
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class Broken extends Error {
  constructor(readonly at: number, readonly expected: string) {
    super(expected);
  }
}

function scan(text: string): void {
  let i = 0;
  const skip = (): void => {
    while (WS.has(text[i] ?? "")) i++;
  };
  const match = (re: RegExp, what: string): void => {
    re.lastIndex = i;
    if (!re.test(text)) throw new Broken(i, what);
    i = re.lastIndex;
  };
  const value = (depth: number): void => {
    if (depth > 512) throw new Broken(i, "less nesting");
    skip();
    const ch = text[i];
    if (ch === "{" || ch === "[") {
      const close = ch === "{" ? "}" : "]";
      i++;
      skip();
      if (text[i] === close) return void i++;
      for (;;) {
        if (ch === "{") {
          skip();
          match(STRING, "a property name in double quotes");
          skip();
          if (text[i] !== ":") throw new Broken(i, "':'");
          i++;
        }
        value(depth + 1);
        skip();
        if (text[i] === ",") i++;
        else if (text[i] === close) return void i++;
        else throw new Broken(i, `',' or '${close}'`);
      }
    }
    if (ch === '"') return match(STRING, "a valid string");
    for (const word of ["true", "false", "null"]) if (text.startsWith(word, i)) return void (i += word.length);
    match(NUMBER, "a value");
  };
  value(0);
  skip();
  if (i < text.length) throw new Broken(i, "the end of the JSON");
}

/** A message like "expected ',' or '}' at line 1, column 27 (position 26)", or null if the text is valid. */
export function jsonErrorPosition(text: string): string | null {
  try {
    scan(text);
    return null;
  } catch (err) {
    if (!(err instanceof Broken)) throw err;
    const before = text.slice(0, err.at);
    const line = before.split("\n").length;
    const column = err.at - before.lastIndexOf("\n");
    const found = err.at >= text.length ? "the end of the body" : JSON.stringify(text.slice(err.at, err.at + 12));
    return `expected ${err.expected} at line ${line}, column ${column} (position ${err.at}), found ${found}`;
  }
}
