import { env } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import { mintFileUrl } from "../../src/files/signing";
import { api, BASE, DEV_KEY, createJob, runToEnd } from "../helpers/api";
import { mintAccount, type TestAccount } from "../helpers/accounts";
import { activeModel, jobBody } from "../helpers/models";
import { authHeaders, headerValue, pathSegment, queryString } from "./arbitraries";
import { RUNS, fuzzSurface, pathSeen, requests, timeoutFor, uploadReference, withSummary, type FuzzAnswer, type FuzzRequest } from "./harness";
import { expectOutside, expectProblem } from "./shapes";

// Fuzzing the files route (/v2/files/*): real keys with right, expired, altered or missing signatures, made-up and
// broken keys, every conditional and range header. Never a 5xx; errors are problem+json; a 2xx or 304 serves the
// file's bytes (or a part of them) consistently with its headers.

let account: TestAccount;
const keys: string[] = [];
const signed: string[] = [];
const etags: string[] = [];
/** Each real file as a valid signed URL serves it: what the reference model judges against. */
interface Served {
  path: string;
  bytes: Uint8Array;
  etag: string;
  /** Last-Modified in seconds. */
  lastModified: number;
}
const served: Served[] = [];

const pathAndQuery = (url: string): string => {
  const u = new URL(url);
  return u.pathname + u.search;
};

beforeAll(async () => {
  account = await mintAccount({ credits: 10_000 });
  const own = await runToEnd(await createJob({ prompt: "fuzz: files", model: "gpt-image-2", gptImage2Params: { quality: "low" } }, account.key));
  const shared = await runToEnd(await createJob({ prompt: "fuzz: public files", model: "gpt-image-2", public: true, gptImage2Params: { quality: "low" } }, account.key));
  const foreign = await runToEnd(await createJob(jobBody(activeModel(), { prompt: "fuzz: foreign files" }, { quality: "low" })));
  const uploadKey = new URL((await uploadReference(account.key)).url).pathname.slice("/v2/files/".length);
  keys.push(own.files[0]!.key, shared.files[0]!.key, foreign.files[0]!.key, uploadKey);
  for (const key of keys) {
    signed.push(pathAndQuery(await mintFileUrl(env, BASE, key, false, Date.now())));
    signed.push(pathAndQuery(await mintFileUrl(env, BASE, key, false, Date.now() - 3 * 24 * 3600 * 1000)));
    const head = await api(signed[signed.length - 2]!, { method: "HEAD", key: null });
    etags.push(head.headers.get("etag")!);
    const full = await api(signed[signed.length - 2]!, { key: null });
    const bytes = new Uint8Array(await full.arrayBuffer());
    served.push({ path: signed[signed.length - 2]!, bytes, etag: full.headers.get("etag")!, lastModified: Date.parse(full.headers.get("last-modified")!) / 1000 });
  }
});

function fileRequests(): fc.Arbitrary<FuzzRequest> {
  const alter = (path: string, n: number): string => {
    const at = n % path.length;
    const ch = path[at] === "0" ? "1" : "0";
    return path.slice(0, at) + ch + path.slice(at + 1);
  };
  const path = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...signed) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...signed), fc.nat()).map(([p, n]) => alter(p, n)) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...keys), queryString(["exp", "sig"], fc.oneof(fc.nat().map(String), fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), maxLength: 64 }), fc.string({ maxLength: 20 })))).map(([k, q]) => `/v2/files/${k}${q}`) },
    { weight: 1, arbitrary: fc.constantFrom(...keys).map((k) => `/v2/files/${k.toUpperCase()}`) },
    { weight: 2, arbitrary: fc.array(pathSegment, { minLength: 1, maxLength: 4 }).map((s) => `/v2/files/${s.join("/")}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "/v2/files", "/v2/files/", "/v2/files/jobs/00000000-0000-0000-0000-000000000000/0.png", "/v2/files/uploads/upl_x.png",
        "/v2/files/staging/jobs/x/0.png", "/v2/files/jobs/%2e%2e/0.png", "/v2/files/jobs%2F00000000-0000-0000-0000-000000000000%2F0.png",
      ),
    },
  );
  const sometimes = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: fc.constant("") }, { weight: 1, arbitrary: a });
  const date = fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(253402300799000) }).map((d) => d.toUTCString());
  const etag = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...etags) }, { weight: 1, arbitrary: fc.constantFrom(...etags).map((e) => `W/${e}`) }, { weight: 1, arbitrary: fc.constantFrom("*", '"nope"', '""', `"a", ${etags[0]}`) }, { weight: 1, arbitrary: headerValue(30) });
  const conditional = fc.record({
    "if-none-match": sometimes(etag),
    "if-match": sometimes(etag),
    "if-modified-since": sometimes(fc.oneof(date, headerValue(20))),
    "if-unmodified-since": sometimes(fc.oneof(date, headerValue(20))),
    "if-range": sometimes(fc.oneof(etag, date)),
    range: sometimes(
      fc.oneof(
        fc.tuple(fc.nat({ max: 400 }), fc.nat({ max: 400 })).map(([a, b]) => `bytes=${a}-${b}`),
        fc.nat({ max: 400 }).map((n) => `bytes=${n}-`),
        fc.nat({ max: 400 }).map((n) => `bytes=-${n}`),
        fc.constantFrom("bytes=0-0,2-3", "bytes=-0", "bytes=", "bytes=a-b", "items=0-1", "bytes=1-0", "bytes = 0-1", "bytes=0-99999999999999999999"),
        headerValue(20),
      ),
    ),
  });
  const headers = fc
    .tuple(fc.oneof({ weight: 3, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: authHeaders(account.key, [DEV_KEY]) }), conditional)
    .map(([auth, cond]) => [...auth, ...Object.entries(cond).filter(([, v]) => v !== "")]);
  return fc.oneof(
    { weight: 3, arbitrary: requests({ route: "file", method: "GET", path, headers }) },
    { weight: 1, arbitrary: requests({ route: "file", method: "HEAD", path, headers }) },
  );
}

function checkFile(req: FuzzRequest, answer: FuzzAnswer): void {
  const { res, bytes } = answer;
  // A key of dot segments leaves the route once parsed (/v2/files/%2e%2e/.. is /): judged as the Worker's own.
  if (!pathSeen(req).startsWith("/v2/files/")) return expectOutside(req, answer);
  if (res.status >= 400) return expectProblem(answer, req.method);
  if (req.method !== "GET" && req.method !== "HEAD") throw new Error(`${req.method} on a file answered ${res.status}`);
  const etag = res.headers.get("etag");
  if (!etag) throw new Error(`answered ${res.status} without an ETag`);
  if (res.status === 304) {
    if (bytes.length > 0) throw new Error("a 304 with a body");
    return;
  }
  if (!/^image\/(png|jpeg|webp)$/.test(res.headers.get("content-type") ?? "")) throw new Error(`served as ${res.headers.get("content-type")}`);
  const length = Number(res.headers.get("content-length"));
  if (req.method === "HEAD") {
    if (bytes.length > 0 || !(length > 0)) throw new Error(`HEAD answered ${bytes.length} bytes, Content-Length ${length}`);
    return;
  }
  if (bytes.length !== length) throw new Error(`served ${bytes.length} bytes with Content-Length ${length}`);
  if (res.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get("content-range") ?? "");
    if (!range || Number(range[2]) - Number(range[1]) + 1 !== length || Number(range[2]) >= Number(range[3])) {
      throw new Error(`a 206 with Content-Range ${res.headers.get("content-range")} and ${length} bytes`);
    }
  } else if (res.status !== 200) {
    throw new Error(`answered ${res.status}`);
  }
}

// A reference model of RFC 9110 for a GET or HEAD of a file with a valid signature: preconditions (§13.1, evaluated
// in the order of §13.2.2), If-Range (§13.1.5) and byte ranges (§14.1.1, §14.2), plus the route's two documented
// choices: a malformed If-Match / If-None-Match is 400, and several ranges get the whole file (200).

type Expected = { status: 200 | 304 | 400 | 412 | 416 } | { status: 206; start: number; end: number };

const ETAG = '(W/)?"[\\x21\\x23-\\x7e]*"';
const ETAG_LIST = new RegExp(`^(\\*|${ETAG}([ \\t]*,[ \\t]*${ETAG})*)$`);
const tagsOf = (list: string) => [...list.matchAll(/(W\/)?"([^"]*)"/g)].map((m) => ({ weak: m[1] !== undefined, opaque: m[2]! }));

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** §5.6.7: IMF-fixdate, rfc850-date or asctime-date, in seconds; null if none. */
function modelDate(value: string | null, now: number): number | null {
  if (value === null) return null;
  const forms: [RegExp, (m: RegExpExecArray) => [string, string, string, string]][] = [
    [/^(\w{3}), (\d\d) (\w{3}) (\d{4}) (\d\d:\d\d:\d\d) GMT$/, (m) => [m[2]!, m[3]!, m[4]!, m[5]!]],
    [/^(\w{6,9}), (\d\d)-(\w{3})-(\d\d) (\d\d:\d\d:\d\d) GMT$/, (m) => [m[2]!, m[3]!, m[4]!, m[5]!]],
    [/^(\w{3}) (\w{3}) ([ \d]\d) (\d\d:\d\d:\d\d) (\d{4})$/, (m) => [m[3]!.trim(), m[2]!, m[5]!, m[4]!]],
  ];
  for (const [form, fields] of forms) {
    const m = form.exec(value);
    if (!m) continue;
    const names = form === forms[1]![0] ? LONG_DAY_NAMES : DAY_NAMES;
    if (!names.includes(m[1]!)) return null;
    const [day, month, yearText, time] = fields(m);
    const monthIndex = MONTHS.indexOf(month);
    const [h, min, sec] = time.split(":").map(Number) as [number, number, number];
    let year = Number(yearText);
    if (yearText.length === 2) {
      const current = new Date(now).getUTCFullYear();
      year = 2000 + year > current + 50 ? 1900 + year : 2000 + year; // right until 2049
    }
    const daysInMonth = new Date(Date.UTC(2000, monthIndex + 1, 0)).getUTCDate() - (monthIndex === 1 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 1 : 0);
    if (monthIndex < 0 || Number(day) < 1 || Number(day) > daysInMonth || h > 23 || min > 59 || sec > 60) return null;
    const date = new Date(Date.UTC(2000, monthIndex, Number(day), h, min, sec));
    date.setUTCFullYear(year); // Date.UTC reads years 0-99 as 1900-1999
    return date.getTime() / 1000;
  }
  return null;
}

function modelRange(value: string, size: number): Expected {
  const set = /^bytes=/i.test(value) ? value.slice(6) : null;
  if (set === null) return { status: 200 };
  // 1#range-spec: OWS around each comma, none after "=" (and fetch has trimmed the field's end).
  const elements = set.split(",").map((e, i) => (i > 0 ? e.replace(/^[ \t]+/, "") : e).replace(/[ \t]+$/, "")).filter((e) => e !== "");
  if (elements.length === 0) return { status: 200 };
  const satisfiable: { start: number; end: number }[] = [];
  for (const e of elements) {
    const int = /^(\d+)-(\d*)$/.exec(e);
    const suffix = /^-(\d+)$/.exec(e);
    if (int) {
      const first = Number(int[1]);
      const last = int[2] ? Number(int[2]) : Number.MAX_VALUE;
      if (last < first) return { status: 200 };
      if (first < size) satisfiable.push({ start: first, end: Math.min(last + 1, size) });
    } else if (suffix) {
      if (Number(suffix[1]) > 0) satisfiable.push({ start: Math.max(0, size - Number(suffix[1])), end: size });
    } else {
      return { status: 200 };
    }
  }
  if (satisfiable.length === 0) return { status: 416 };
  return elements.length > 1 ? { status: 200 } : { status: 206, ...satisfiable[0]! };
}

function model(headers: Headers, method: string, file: Served, now: number): Expected {
  const [ifMatch, ifNoneMatch] = [headers.get("if-match"), headers.get("if-none-match")];
  if ((ifMatch !== null && !ETAG_LIST.test(ifMatch)) || (ifNoneMatch !== null && !ETAG_LIST.test(ifNoneMatch))) return { status: 400 };
  const opaque = file.etag.slice(1, -1);
  if (ifMatch !== null) {
    if (ifMatch !== "*" && !tagsOf(ifMatch).some((t) => !t.weak && t.opaque === opaque)) return { status: 412 };
  } else {
    const since = modelDate(headers.get("if-unmodified-since"), now);
    if (since !== null && file.lastModified > since) return { status: 412 };
  }
  if (ifNoneMatch !== null) {
    if (ifNoneMatch === "*" || tagsOf(ifNoneMatch).some((t) => t.opaque === opaque)) return { status: 304 };
  } else {
    const since = modelDate(headers.get("if-modified-since"), now);
    if (since !== null && since * 1000 <= now && file.lastModified <= since) return { status: 304 };
  }
  const range = headers.get("range");
  if (method === "HEAD" || range === null) return { status: 200 };
  const ifRange = headers.get("if-range");
  if (ifRange !== null) {
    const holds = /^"/.test(ifRange) ? ifRange === file.etag : !/^W\//.test(ifRange) && modelDate(ifRange, now) === file.lastModified;
    if (!holds) return { status: 200 };
  }
  return modelRange(range, file.bytes.length);
}

/** Dates around a file's Last-Modified, in each HTTP-date form; an If-Modified-Since never lands near the clock. */
function datesAround(file: Served, forModifiedSince: boolean): fc.Arbitrary<string> {
  const at = (offset: number) => new Date((file.lastModified + offset) * 1000);
  const offsets = forModifiedSince ? [0, -1, -59, -3600, -86400 * 400] : [0, -1, 1, -3600, 3600, 86400 * 400];
  const imf = (d: Date) => d.toUTCString();
  const rfc850 = (d: Date) => `${LONG_DAY_NAMES[d.getUTCDay()]}, ${imf(d).slice(5, 7)}-${imf(d).slice(8, 11)}-${imf(d).slice(14, 16)} ${imf(d).slice(17, 25)} GMT`;
  const asctime = (d: Date) => `${imf(d).slice(0, 3)} ${imf(d).slice(8, 11)} ${String(d.getUTCDate()).padStart(2, " ")} ${imf(d).slice(17, 25)} ${d.getUTCFullYear()}`;
  const near = fc.tuple(fc.constantFrom(...offsets), fc.constantFrom(imf, rfc850, asctime)).map(([o, form]) => form(at(o)));
  const future = fc.integer({ min: 3600, max: 86400 * 3650 }).map((s) => imf(new Date(Date.now() + s * 1000)));
  const odd = fc.constantFrom("Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "Sat, 31 Feb 2026 00:00:00 GMT", imf(at(0)).replace("GMT", "UTC"), imf(at(0)).toLowerCase(), `${imf(at(0))}, ${imf(at(0))}`, "0", "now");
  return fc.oneof({ weight: 4, arbitrary: near }, { weight: 1, arbitrary: future }, { weight: 1, arbitrary: odd }, { weight: 1, arbitrary: headerValue(30) });
}

function conditionalRequests(): fc.Arbitrary<FuzzRequest> {
  return fc.nat({ max: served.length - 1 }).chain((i) => {
    const file = served[i]!;
    const size = file.bytes.length;
    const tag = fc.constantFrom(file.etag, `W/${file.etag}`, etags[(i + 1) % etags.length]!, '"x"', "*", `"x", ${file.etag}`, `W/"x", W/${file.etag}`, '"x", W/"y"');
    const badTags = fc.oneof(fc.constantFrom("nope", `${file.etag.slice(0, -1)}`, "W/", `"a" "b"`, `*, ${file.etag}`), headerValue(20));
    const pos = fc.oneof(fc.nat({ max: size + 2 }), fc.constantFrom(0, size - 1, size, size + 1, 10 ** 20));
    const spec = fc.oneof(
      fc.tuple(pos, pos).map(([a, b]) => `${a}-${b}`),
      pos.map((a) => `${a}-`),
      fc.oneof(pos, fc.constant(0)).map((n) => `-${n}`),
      fc.constantFrom("", "a-b", "-", "1-2-3", " 0-1"),
    );
    const range = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(fc.constantFrom("bytes=", "Bytes=", "BYTES="), spec).map(([u, s]) => u + s) },
      { weight: 2, arbitrary: fc.tuple(fc.array(spec, { minLength: 2, maxLength: 3 }), fc.constantFrom(",", ", ", " ,\t")).map(([specs, sep]) => `bytes=${specs.join(sep)}`) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom("items=", "bytes =", "bytes:", "byte="), spec).map(([u, s]) => u + s) },
      { weight: 1, arbitrary: headerValue(20) },
    );
    const sometimes = (a: fc.Arbitrary<string>, weight: number) => fc.oneof({ weight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: a });
    return fc
      .record({
        method: fc.constantFrom("GET", "GET", "GET", "HEAD"),
        "if-match": sometimes(fc.oneof({ weight: 4, arbitrary: tag }, { weight: 1, arbitrary: badTags }), 4),
        "if-none-match": sometimes(fc.oneof({ weight: 4, arbitrary: tag }, { weight: 1, arbitrary: badTags }), 4),
        "if-modified-since": sometimes(datesAround(file, true), 3),
        "if-unmodified-since": sometimes(datesAround(file, false), 3),
        "if-range": sometimes(fc.oneof(tag, datesAround(file, false)), 1),
        range: fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 4, arbitrary: range }),
        twice: sometimes(range, 8), // a second Range field: the two are one list
      })
      .map(({ method, twice, ...fields }) => {
        const headers = Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined);
        if (twice !== undefined) headers.push(["range", twice]);
        return withSummary({ route: "file", method, path: file.path, headers, body: null });
      });
  });
}

function checkModel(req: FuzzRequest, answer: FuzzAnswer): void {
  const { res, bytes } = answer;
  const file = served.find((f) => f.path === req.path)!;
  // A field with an empty value never reaches the Worker (the runtime drops it), so the model does not see it either.
  const expected = model(new Headers(req.headers.filter(([, v]) => v !== "")), req.method, file, Date.now());
  if (res.status !== expected.status) throw new Error(`answered ${res.status}, RFC 9110 says ${expected.status}`);
  if (res.status >= 400) {
    expectProblem(answer, req.method);
    if (res.status === 416 && res.headers.get("content-range") !== `bytes */${file.bytes.length}`) throw new Error(`416 with Content-Range ${res.headers.get("content-range")}`);
    return;
  }
  if (res.headers.get("etag") !== file.etag) throw new Error(`answered with ETag ${res.headers.get("etag")}`);
  if (res.status === 304 || req.method === "HEAD") {
    if (bytes.length > 0) throw new Error(`a ${req.method} ${res.status} with a body`);
    return;
  }
  const [start, end] = expected.status === 206 ? [expected.start, expected.end] : [0, file.bytes.length];
  const range = res.headers.get("content-range");
  if (expected.status === 206 ? range !== `bytes ${start}-${end - 1}/${file.bytes.length}` : range !== null) throw new Error(`Content-Range ${range} for bytes ${start}-${end - 1}`);
  if (res.headers.get("content-length") !== String(end - start)) throw new Error(`Content-Length ${res.headers.get("content-length")} for ${end - start} bytes`);
  if (bytes.length !== end - start || bytes.some((b, k) => b !== file.bytes[start + k])) throw new Error(`served other bytes than ${start}-${end - 1}`);
}

describe("fuzz: files /v2/files/*", () => {
  it(`never answers 5xx, and serves bytes consistent with the headers or problem+json (${RUNS} cases)`, () => fuzzSurface("files", fileRequests(), checkFile), timeoutFor(RUNS));

  it(`answers Range and the conditionals as a reference model of RFC 9110 says (${RUNS} cases)`, () => fuzzSurface("files", conditionalRequests(), checkModel), timeoutFor(RUNS));
});
