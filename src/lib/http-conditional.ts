// RFC 9110's conditional requests (§13) and byte ranges (§14) for a GET or HEAD of one stored, immutable object:
// what to answer, decided from the request's headers and the object's validators before any byte is read.

export interface Validators {
  /** The strong entity tag, quoted: `"…"`. */
  etag: string;
  /** Last-Modified, in whole seconds since the epoch (HTTP-dates have no finer grain). */
  lastModified: number;
  size: number;
}

export type Answer =
  | { status: 200 | 304 | 412 | 416 }
  | { status: 206; offset: number; length: number };

const DAYS = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";
/** The three forms a recipient must accept (§5.6.7): IMF-fixdate, then the obsolete RFC 850 and asctime forms. */
const IMF_FIXDATE = new RegExp(`^${DAYS}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAYS} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** An HTTP-date in seconds since the epoch, or null when the value is not one (so that the header is ignored). */
export function parseHttpDate(value: string | null, now: number): number | null {
  if (value === null) return null;
  let parts: [day: string, month: string, year: string, h: string, m: string, s: string];
  const imf = IMF_FIXDATE.exec(value);
  const rfc850 = RFC850_DATE.exec(value);
  const asctime = ASCTIME_DATE.exec(value);
  if (imf) parts = [imf[1]!, imf[2]!, imf[3]!, imf[4]!, imf[5]!, imf[6]!];
  else if (rfc850) parts = [rfc850[1]!, rfc850[2]!, rfc850[3]!, rfc850[4]!, rfc850[5]!, rfc850[6]!];
  else if (asctime) parts = [asctime[2]!.trim(), asctime[1]!, asctime[6]!, asctime[3]!, asctime[4]!, asctime[5]!];
  else return null;
  const [day, month, h, m, s] = [Number(parts[0]), MONTHS.indexOf(parts[1]), Number(parts[3]), Number(parts[4]), Number(parts[5])];
  let year = Number(parts[2]);
  if (parts[2].length === 2) {
    // A two-digit year more than 50 years ahead is the latest past year with those digits (§5.6.7).
    const thisYear = new Date(now).getUTCFullYear();
    year += Math.floor(thisYear / 100) * 100;
    if (year > thisYear + 50) year -= 100;
  }
  if (h > 23 || m > 59 || s > 60) return null; // 60: a leap second
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month) return null; // 31 Feb, 00 Jan
  date.setUTCHours(h, m, s);
  return date.getTime() / 1000;
}

const ENTITY_TAG = /(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/g;

/** Whether an If-Match / If-None-Match list (already checked to be one) names the tag: `*` names any. */
function listNames(list: string, etag: string, weak: boolean): boolean {
  if (list.trim() === "*") return true;
  const opaque = etag.slice(1, -1);
  return [...list.matchAll(ENTITY_TAG)].some((tag) => tag[2] === opaque && (weak || tag[1] === undefined));
}

/** If-Range (§13.1.5): true only for the strong entity tag itself or exactly the Last-Modified date. */
function ifRangeHolds(value: string, object: Validators, now: number): boolean {
  if (value.startsWith('"') || value.startsWith("W/")) return value === object.etag; // a weak tag never matches
  return parseHttpDate(value, now) === object.lastModified;
}

const INT_RANGE = /^(\d+)-(\d*)$/;
const SUFFIX_RANGE = /^-(\d+)$/;

/**
 * A Range header (§14.1.1, §14.2): the one byte range it asks for; "whole" when it is to be ignored (another unit,
 * not a valid range set, or several ranges: we serve those the whole file rather than multipart/byteranges);
 * "unsatisfiable" when no range in it overlaps the file.
 */
export function parseRange(value: string, size: number): { offset: number; length: number } | "whole" | "unsatisfiable" {
  const set = /^bytes=(.*)$/i.exec(value);
  if (!set) return "whole";
  const specs = set[1]!.split(/[ \t]*,[ \t]*/).filter((s) => s !== ""); // a list may hold empty elements (§5.6.1)
  if (specs.length === 0) return "whole";
  const ranges: { offset: number; length: number }[] = [];
  for (const spec of specs) {
    const int = INT_RANGE.exec(spec);
    const suffix = SUFFIX_RANGE.exec(spec);
    if (int) {
      const first = Number(int[1]);
      const last = int[2] === "" ? Infinity : Number(int[2]);
      if (last < first) return "whole";
      if (first < size) ranges.push({ offset: first, length: Math.min(last, size - 1) - first + 1 });
    } else if (suffix) {
      const length = Math.min(Number(suffix[1]), size);
      if (length > 0) ranges.push({ offset: size - length, length });
    } else {
      return "whole";
    }
  }
  if (ranges.length === 0) return "unsatisfiable";
  return specs.length === 1 ? ranges[0]! : "whole";
}

/**
 * The answer to a GET or HEAD, in the order of §13.2.2: If-Match, else If-Unmodified-Since (412); If-None-Match,
 * else If-Modified-Since (304); then, for a GET, If-Range and Range. Dates that are not HTTP-dates are ignored, as is
 * an If-Modified-Since later than our clock (no Last-Modified we sent can be later, so it proves nothing).
 */
export function evaluate(headers: Headers, method: "GET" | "HEAD", object: Validators, now: number): Answer {
  const ifMatch = headers.get("If-Match");
  if (ifMatch !== null) {
    if (!listNames(ifMatch, object.etag, false)) return { status: 412 };
  } else {
    const since = parseHttpDate(headers.get("If-Unmodified-Since"), now);
    if (since !== null && object.lastModified > since) return { status: 412 };
  }
  const ifNoneMatch = headers.get("If-None-Match");
  if (ifNoneMatch !== null) {
    if (listNames(ifNoneMatch, object.etag, true)) return { status: 304 };
  } else {
    const since = parseHttpDate(headers.get("If-Modified-Since"), now);
    if (since !== null && since * 1000 <= now && object.lastModified <= since) return { status: 304 };
  }
  const range = headers.get("Range");
  if (method !== "GET" || range === null) return { status: 200 };
  const ifRange = headers.get("If-Range");
  if (ifRange !== null && !ifRangeHolds(ifRange, object, now)) return { status: 200 };
  const wanted = parseRange(range, object.size);
  if (wanted === "whole") return { status: 200 };
  if (wanted === "unsatisfiable") return { status: 416 };
  return { status: 206, ...wanted };
}
