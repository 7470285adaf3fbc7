// Recognising an SVG document by its root element, and its size from that element's attributes. Only the prolog is
// read (byte-order mark, XML declaration, processing instructions, comments, doctype): an HTML page that holds an
// <svg> is not an SVG, since its root is <html>.

/** The root element's attributes when it is <svg>; "more" when the text ends before the root element does. */
export type SvgRoot = Record<string, string> | "more" | null;

const NAME = /^<([A-Za-z_][\w.:-]*)/;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** The index after the doctype's closing ">" (past any internal subset and quoted strings), or -1 if not there yet. */
function doctypeEnd(text: string, from: number): number {
  let quote = "";
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = "";
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "[") depth++;
    else if (ch === "]") depth--;
    else if (ch === ">" && depth <= 0) return i + 1;
  }
  return -1;
}

/** The index after the start tag's closing ">" (outside quoted values), or -1 if not there yet. */
function tagEnd(text: string, from: number): number {
  let quote = "";
  for (let i = from; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = "";
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === ">") return i + 1;
  }
  return -1;
}

/** The index after `marker` at or after `from`, or -1 if not there yet. */
function after(text: string, from: number, marker: string): number {
  const at = text.indexOf(marker, from);
  return at < 0 ? -1 : at + marker.length;
}

const PROLOG = ["<?", "<!--", "<!DOCTYPE"];

export function svgRoot(text: string): SvgRoot {
  let i = text.startsWith("\ufeff") ? 1 : 0;
  for (;;) {
    while (i < text.length && " \t\r\n".includes(text[i]!)) i++;
    const rest = text.slice(i, i + 9);
    if (rest.length === 0) return "more";
    if (rest[0] !== "<") return null;
    // Text that ends inside a prolog construct's opening (e.g. "<!-") may yet become it.
    if (PROLOG.some((p) => p.length > rest.length && p.startsWith(rest))) return "more";
    let end: number;
    if (rest.startsWith("<?")) end = after(text, i + 2, "?>");
    else if (rest.startsWith("<!--")) end = after(text, i + 4, "-->");
    else if (rest.startsWith("<!DOCTYPE")) end = doctypeEnd(text, i + 9);
    else break;
    if (end < 0) return "more";
    i = end;
  }
  const name = NAME.exec(text.slice(i, i + 64));
  if (!name) return null;
  const next = text[i + name[0].length];
  if (next === undefined) return "more";
  if (name[1] !== "svg" || !" \t\r\n/>".includes(next)) return null;
  const end = tagEnd(text, i + name[0].length);
  if (end < 0) return "more";
  const attributes: Record<string, string> = {};
  for (const [, key, double, single] of text.slice(i + name[0].length, end).matchAll(ATTRIBUTE)) attributes[key!] = double ?? single ?? "";
  return attributes;
}

/** A length in user units: a plain number or pixels. Percentages and physical units give no size of their own. */
function userUnits(value: string | undefined): number | null {
  const match = value ? /^\s*(\d*\.?\d+(?:[eE][+-]?\d+)?)\s*(px)?\s*$/.exec(value) : null;
  const n = match ? Number(match[1]) : NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}

function viewBoxSize(value: string | undefined): { width: number; height: number } | null {
  const parts = value?.trim().split(/[\s,]+/).map(Number);
  if (!parts || parts.length !== 4 || !parts.every(Number.isFinite)) return null;
  const [, , width, height] = parts as [number, number, number, number];
  return width > 0 && height > 0 ? { width, height } : null;
}

/**
 * The size an SVG is drawn at by default: its width and height attributes; where one is missing (or relative), the
 * viewBox gives it, keeping the viewBox's proportions when the other side is known.
 */
export function svgSize(attributes: Record<string, string>): { width: number; height: number } | null {
  let width = userUnits(attributes.width);
  let height = userUnits(attributes.height);
  const box = viewBoxSize(attributes.viewBox);
  if (box) {
    if (width === null && height === null) ({ width, height } = box);
    else if (width === null) width = (height! * box.width) / box.height;
    else if (height === null) height = (width * box.height) / box.width;
  }
  if (width === null || height === null) return null;
  const size = { width: Math.round(width), height: Math.round(height) };
  return size.width > 0 && size.height > 0 ? size : null;
}
