import { ApiError } from "./errors";
import { lineAndColumn } from "./json-position";

// The structure a JSON body may have. No request of any surface needs more than a few levels of nesting or more than
// a few dozen values, while a megabyte of `[{},{},…]` or `[[[[…` costs tens of megabytes once parsed: such bodies are
// refused before they are parsed (a scan of the text, or the streaming parser as it goes).

/** Brackets open at once. */
export const MAX_DEPTH = 16;
/** Opening brackets and commas together: an upper bound on the values a body holds. */
export const MAX_ITEMS = 2048;

export interface Where {
  line: number;
  column: number;
  at: number;
}

const refuse = (what: string, where: Where): ApiError => {
  const message = `${what}, more than any request needs (at line ${where.line}, column ${where.column}, position ${where.at})`;
  return new ApiError("invalid_request", `The JSON body ${message}.`, { errors: [{ path: "(body)", message }] });
};

export const tooDeep = (where: Where): ApiError => refuse(`nests more than ${MAX_DEPTH} levels of brackets`, where);
export const tooManyItems = (where: Where): ApiError => refuse(`holds more than ${MAX_ITEMS} values`, where);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** Where the string opened at `open` closes (an unclosed one runs to the end): quotes jumped to, escapes counted. */
function stringEnd(text: string, open: number): number {
  for (let from = open + 1; ; ) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return text.length;
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

/** The characters that make structure: the scan jumps from one to the next (the regular expression engine skips the rest). */
const STRUCTURE = /["[\]{},]/g;

/**
 * Refuses a text that nests deeper than MAX_DEPTH or holds more than MAX_ITEMS values, before JSON.parse builds it.
 * It jumps between brackets, commas and quotes (a string's end found with indexOf); it does not check the grammar
 * (JSON.parse does). About 1 ms per megabyte in Node 22, under 10 ms for the worst (a megabyte of escaped quotes).
 */
export function checkJsonShape(text: string): void {
  let depth = 0;
  let items = 0;
  const at = (i: number): Where => {
    const [line, column] = lineAndColumn(text, i);
    return { line, column, at: i };
  };
  STRUCTURE.lastIndex = 0;
  for (let match = STRUCTURE.exec(text); match !== null; match = STRUCTURE.exec(text)) {
    const i = match.index;
    const c = text.charCodeAt(i);
    if (c === QUOTE) STRUCTURE.lastIndex = stringEnd(text, i) + 1;
    // `[` (0x5b) and `{` (0x7b) differ in bit 0x20 only, as `]` (0x5d) and `}` (0x7d) do.
    else if ((c | 0x20) === 0x7b) {
      if (++depth > MAX_DEPTH) throw tooDeep(at(i));
      if (++items > MAX_ITEMS) throw tooManyItems(at(i));
    } else if ((c | 0x20) === 0x7d) depth--;
    else if (c === COMMA && ++items > MAX_ITEMS) throw tooManyItems(at(i));
  }
}
