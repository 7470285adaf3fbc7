import fc from "fast-check";

// Generic generators: hostile bodies, headers and query strings that any surface must survive.

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const encoder = new TextEncoder();

/**
 * Printable ASCII, trimmed as fetch would. (workerd's fetch sends other characters as UTF-8 with a warning per
 * header; the regression tests cover such values once instead.)
 */
const headerChar = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
export const headerValue = (maxLength = 80): fc.Arbitrary<string> =>
  fc.string({ unit: headerChar, maxLength }).map((s) => s.trim());

/** Values that break naive code: wrong types, bounds, specials, unicode oddities. */
export const nastyValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null, true, false, 0, -0, -1, 1, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 1e308, -1e308, 5e-324,
    "", " ", "0", "-1", "1e3", "true", "null", "NaN", "Infinity", "auto", "AUTO", "__proto__", "constructor",
    "\u0000", "\ud800", "\u202e", "💥", "a".repeat(10_000), [], {}, [null], [[]], { "": "" }, { __proto__: null },
  ),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
);

/** Any JSON value, mostly small. */
export const anyJson: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 2, arbitrary: nastyValue },
);

/** URLs of every spelling (what the SSRF guard must judge without throwing), and references by id. */
export const urlish: fc.Arbitrary<Json> = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true, authoritySettings: { withIPv4: true, withIPv4Extended: true, withIPv6: true, withPort: true, withUserInfo: true } }),
  fc.tuple(fc.constantFrom("https", "http", "ftp", "file", "data", "javascript"), fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.ipV6().map((a) => `[${a}]`), fc.domain())).map(([scheme, host]) => `${scheme}://${host}/image.png`),
  fc.constantFrom(
    "https://example.com/reference.png", "http://127.0.0.1/x.png", "https://0x7f.1/", "https://[::ffff:127.0.0.1]/", "https://169.254.169.254/latest",
    "https://localhost./x", "https://user:pass@example.com/", "https://exa mple.com/", "https://%00/", "https://[fe80::1%25eth0]/", "https:///x",
    "//example.com/x.png", "https://", "data:image/png;base64,", "data:image/png;base64,iVBORw0KGgo=", "data:image/png;base64,@@@",
    "data:text/html;base64,PGgxPg==", `https://${"a".repeat(300)}.com/`, "upl_000000000000000000000000", "upl_", "upl_x",
    "00000000-0000-0000-0000-000000000000-0", "00000000-0000-0000-0000-000000000000-99",
  ),
);

/** A JSON document nested `depth` levels deep, as arrays or objects; optionally cut short. */
export const deepJson: fc.Arbitrary<string> = fc
  .record({
    depth: fc.constantFrom(100, 1000, 10_000, 100_000),
    shape: fc.constantFrom("array", "object", "mixed"),
    inField: fc.constantFrom(null, "prompt", "metadata", "parameters", "images", "gptImage2Params"),
    truncated: fc.boolean(),
  })
  .map(({ depth, shape, inField, truncated }) => {
    const open = shape === "array" ? "[" : shape === "object" ? '{"a":' : '[{"a":';
    const close = shape === "array" ? "]" : shape === "object" ? "}" : "}]";
    const core = open.repeat(depth) + "1" + close.repeat(truncated ? Math.floor(depth / 2) : depth);
    return inField === null ? core : `{"model":"gpt-image-2","prompt":"deep","${inField}":${core}}`;
  });

/** Bodies around and over the 1 MB JSON limit, and wide rather than deep documents. */
export const hugeJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(1024 * 1024 - 64, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024).map((size) => `{"prompt":"${"x".repeat(size - 14)}"}`),
  fc.constantFrom(1000, 50_000).map((n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",")}}`),
  fc.constantFrom(1000, 100_000).map((n) => `{"model":"gpt-image-2","prompt":"wide","metadata":[${"0,".repeat(n)}0]}`),
  fc.constantFrom(10_000, 200_000).map((n) => `{"model":"gpt-image-2","prompt":"${"\\u00e9".repeat(n)}"}`),
);

/** Ways a JSON text goes wrong. */
export const malformedJson = (valid: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof(
    fc.tuple(valid, fc.nat()).map(([t, n]) => t.slice(0, t.length === 0 ? 0 : n % t.length)),
    fc.tuple(valid, fc.nat(), fc.string({ minLength: 1, maxLength: 3 })).map(([t, n, s]) => {
      const at = n % (t.length + 1);
      return t.slice(0, at) + s + t.slice(at);
    }),
    fc.tuple(valid, fc.nat()).map(([t, n]) => (t.length === 0 ? "," : t.slice(0, n % t.length) + t.slice((n % t.length) + 1))),
    valid.map((t) => `\ufeff${t}`),
    valid.map((t) => `${t},`),
    valid.map((t) => t.replaceAll('"', "'")),
    valid.map((t) => `${t} // comment`),
    valid.map((t) => `${t}${t}`),
    fc.constantFrom("", " ", "{", "}", "[", "{]", '{"a"}', '{"a":}', "{,}", "[1,]", "NaN", "Infinity", "undefined", "nul", "tru", '"\\x41"', '"\\u12"', '{"a":01}', '{"a":.5}', '{"a":1e}', '{"a":-}', '"\n"', "{\"a\":\"\u0000\"}"),
  );

/** Byte sequences no UTF-8 decoder accepts: stray continuations, overlongs, surrogates, truncations, 0xff. */
const INVALID_UTF8 = [[0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff], [0xfe], [0xe2, 0x82], [0xf0, 0x9f, 0x92]];

/** A text with invalid UTF-8 spliced in somewhere (often inside a string, where a decoder must replace it). */
export const withInvalidUtf8 = (text: fc.Arbitrary<string>): fc.Arbitrary<Uint8Array> =>
  fc.tuple(text, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...INVALID_UTF8)), { minLength: 1, maxLength: 4 })).map(([t, cuts]) => {
    let bytes = Array.from(encoder.encode(t));
    for (const [n, bad] of cuts) {
      const at = n % (bytes.length + 1);
      bytes = [...bytes.slice(0, at), ...bad, ...bytes.slice(at)];
    }
    return Uint8Array.from(bytes);
  });

/** Raw bytes of no format at all. */
export const randomBytes: fc.Arbitrary<Uint8Array> = fc.uint8Array({ maxLength: 512 });

/** A JSON body, valid or not, from a generator of valid (or near-valid) documents. */
export const jsonBodyText = (valid: fc.Arbitrary<Json>): fc.Arbitrary<string | Uint8Array> => {
  const text = valid.map((v) => JSON.stringify(v));
  return fc.oneof(
    { weight: 12, arbitrary: text },
    { weight: 2, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
    { weight: 3, arbitrary: malformedJson(text) },
    { weight: 2, arbitrary: withInvalidUtf8(text) },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: randomBytes },
    { weight: 1, arbitrary: fc.constant("") },
    // Over a megabyte per case: rare, or the full run spends its time allocating.
    { weight: 1, arbitrary: fc.oneof({ weight: 1, arbitrary: hugeJson }, { weight: 14, arbitrary: text }) },
  );
};

/** Content types: right, nearly right, and wrong. */
export const jsonContentType: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 12, arbitrary: fc.constant("application/json") },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8", "APPLICATION/JSON", "application/json;charset=UTF-16", "application/json ; x=y",
      "application/problem+json", "application/vnd.api+json", "application/json;;", "application/jsonx", "text/json",
      "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "multipart/form-data",
      "multipart/form-data; boundary=x", "application/octet-stream", "image/png", "*/*", "json", "",
    ),
  },
  { weight: 1, arbitrary: headerValue(40) },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** Usually nothing (""), now and then a value. */
const sometimes = (a: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.oneof({ weight: 5, arbitrary: fc.constant("") }, { weight: 1, arbitrary: a });

/** Optional headers that the API reads somewhere, with hostile values; each one is absent most of the time. */
export const extraHeaders: fc.Arbitrary<[string, string][]> = fc
  .record({
    "idempotency-key": sometimes(fc.oneof(headerValue(40), fc.constantFrom("k".repeat(255), "k".repeat(256)))),
    prefer: sometimes(fc.oneof(fc.nat({ max: 120 }).map((n) => `wait=${n}`), fc.constantFrom("wait=-1", "wait=1e9", "wait=", "respond-async", "wait=5, handling=strict"), headerValue(30))),
    range: sometimes(fc.oneof(fc.constantFrom("bytes=0-0", "bytes=0-", "bytes=-1", "bytes=5-2", "bytes=0-1,3-4", "bytes=99999999999-", "items=0-1", "bytes="), headerValue(30))),
    "if-none-match": sometimes(fc.oneof(fc.constantFrom("*", '"x"', 'W/"x"', '"a", "b"'), headerValue(30))),
    "if-match": sometimes(fc.oneof(fc.constantFrom("*", '"x"'), headerValue(20))),
    "if-modified-since": sometimes(fc.oneof(fc.constantFrom("Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "yesterday"), headerValue(30))),
    "x-request-id": sometimes(headerValue(100)),
    accept: sometimes(fc.constantFrom("*/*", "application/json", "text/event-stream", "image/*", "text/html")),
    "content-encoding": sometimes(fc.constantFrom("gzip", "br", "identity", "deflate")),
    "accept-encoding": sometimes(fc.constantFrom("gzip", "br", "identity", "*")),
  })
  .map((h) => Object.entries(h).filter(([, v]) => v !== ""));

/** A query string: nothing, the route's own keys with odd values, or junk. */
export const queryString = (keys: readonly string[], values: fc.Arbitrary<string> = fc.string({ maxLength: 30 })): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant("") },
    {
      weight: 4,
      arbitrary: fc
        .array(fc.tuple(keys.length > 0 ? fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 10 })) : fc.string({ maxLength: 10 }), values), { maxLength: 5 })
        .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")}`)),
    },
    { weight: 1, arbitrary: fc.constantFrom("?", "?&&", "?=", "?a", "?%", "?%zz=1", "?a=%E0%A4%A", "?a=%00", "?limit=1&limit=2", `?x=${"y".repeat(5000)}`) },
  );

/** A path segment: well-formed, odd, or broken percent-encoding. */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  fc.string({ minLength: 1, maxLength: 80 }).map(encodeURIComponent),
  fc.constantFrom("%", "%zz", "%E0%A4%A", "%00", "%2F", "%252F", "..", ".", "%2e%2e", "a%20b", "%C0%AF", "%FF", "x".repeat(300), "null", "undefined"),
);

/** HTTP methods, the route's own most of the time. */
export const method = (own: string): fc.Arbitrary<string> =>
  fc.oneof({ weight: 9, arbitrary: fc.constant(own) }, { weight: 1, arbitrary: fc.constantFrom("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS") });

/** Methods that cannot carry a body in fetch. */
export const bodiless = (m: string): boolean => m === "GET" || m === "HEAD";

/**
 * A valid document with one thing changed: a field removed, its value replaced (by a nasty value or any JSON), a key
 * added, renamed or re-cased, or the value wrapped. The path is picked among every field at any depth.
 */
export function mutate(valid: fc.Arbitrary<Json>, vocabulary: fc.Arbitrary<Json> = urlish): fc.Arbitrary<Json> {
  const replacement = fc.oneof({ weight: 3, arbitrary: anyJson }, { weight: 2, arbitrary: vocabulary }, { weight: 1, arbitrary: urlish });
  return valid.chain((doc) => {
    const paths = fieldPaths(doc);
    if (paths.length === 0) return fc.constant(doc);
    return fc
      .record({
        path: fc.constantFrom(...paths),
        op: fc.constantFrom("delete", "replace", "replace", "replace", "add", "rename", "wrap", "upper"),
        value: replacement,
        key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("mode", "extra", "input_fidelity", "reference_strength", "gptImageParams", "gptImage2Params", "seed", "mask", "__proto__")),
      })
      .map(({ path, op, value, key }) => applyMutation(doc, path, op, value, key));
  });
}

type Path = (string | number)[];

function fieldPaths(doc: Json, prefix: Path = []): Path[] {
  if (doc === null || typeof doc !== "object") return [];
  const entries: [string | number, Json][] = Array.isArray(doc) ? doc.map((v, i) => [i, v]) : Object.entries(doc);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...fieldPaths(v, [...prefix, k])]);
}

function applyMutation(doc: Json, path: Path, op: string, value: Json, key: string): Json {
  const copy = structuredClone(doc);
  let parent: Json = copy;
  for (const k of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[k]!;
  const last = path[path.length - 1]!;
  const holder = parent as Record<string | number, Json>;
  switch (op) {
    case "delete":
      if (Array.isArray(holder)) holder.splice(last as number, 1);
      else delete holder[last];
      break;
    case "replace":
      holder[last] = value;
      break;
    case "add":
      if (Array.isArray(holder)) holder.push(value);
      else Object.defineProperty(holder, key, { value, enumerable: true, configurable: true, writable: true });
      break;
    case "rename":
      if (!Array.isArray(holder) && key !== String(last)) {
        Object.defineProperty(holder, key, { value: holder[last], enumerable: true, configurable: true, writable: true });
        delete holder[last];
      }
      break;
    case "wrap":
      holder[last] = [holder[last]!];
      break;
    case "upper":
      if (typeof holder[last] === "string") holder[last] = (holder[last] as string).toUpperCase();
      else if (!Array.isArray(holder)) {
        Object.defineProperty(holder, String(last).toUpperCase(), { value: holder[last], enumerable: true, configurable: true, writable: true });
        if (String(last).toUpperCase() !== String(last)) delete holder[last];
      }
      break;
  }
  return copy;
}

export type { Json };

/** How a request presents its API key: mostly right (so the case reaches the body), sometimes wrong in some way. */
export function authHeaders(key: string, wrongKeys: readonly string[] = []): fc.Arbitrary<[string, string][]> {
  const unknown = `ig_test_${"A".repeat(32)}`;
  return fc.oneof(
    { weight: 16, arbitrary: fc.constant<[string, string][]>([["authorization", `Bearer ${key}`]]) },
    { weight: 3, arbitrary: fc.constant<[string, string][]>([["x-api-key", key]]) },
    {
      weight: 2,
      arbitrary: fc.constantFrom<[string, string][]>(
        [["authorization", `bearer ${key}`]],
        [["authorization", `Bearer   ${key}`]],
        [["authorization", `Basic ${btoa(`${key}:`)}`]],
        [["authorization", key]],
        [["authorization", "Bearer"]],
        [["authorization", `Bearer ${key} extra`]],
        [["authorization", `Bearer ${key}x`]],
        [["authorization", `Bearer ${key.slice(0, -1)}`]],
        [["authorization", `Bearer ${unknown}`]],
        [["authorization", "Bearer x"], ["x-api-key", key]],
        [["x-api-key", `Bearer ${key}`]],
        [],
        ...wrongKeys.map((k): [string, string][] => [["authorization", `Bearer ${k}`]]),
      ),
    },
    { weight: 1, arbitrary: headerValue(60).map((v): [string, string][] => [["authorization", v]]) },
  );
}

/** A JSON request body with its content type, from a generator of valid documents (mutated most of the time). */
export const jsonRequestBody = (valid: fc.Arbitrary<Json>, vocabulary?: fc.Arbitrary<Json>): fc.Arbitrary<{ contentType: string | null; body: string | Uint8Array }> =>
  fc.record({
    contentType: jsonContentType,
    body: jsonBodyText(fc.oneof({ weight: 1, arbitrary: valid }, { weight: 4, arbitrary: mutate(valid, vocabulary) })),
  });
