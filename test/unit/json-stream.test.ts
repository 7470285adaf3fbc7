import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/lib/errors";
import type { Json } from "../../src/lib/json";
import { checkJsonShape, MAX_DEPTH, MAX_ITEMS } from "../../src/lib/json-limits";
import { jsonErrorPosition } from "../../src/lib/json-position";
import { HEAD_CHARS, parseJsonStream, type JsonPath, type StreamOptions, type StringSink } from "../../src/lib/streams/json";

// The streaming JSON parser (edits' bodies) and the structure scan (every other JSON body): the same values as
// JSON.parse however the bytes are split, the same "where it broke" messages as json-position.ts, the structure
// limits, and diverted strings that reach their sink whole and are never kept.

const encoder = new TextEncoder();

/** `text` as a byte stream cut into pieces of 1..maxChunk bytes (a UTF-8 sequence may be cut too). */
function streamOf(text: string, maxChunk = 7, seed = 1): ReadableStream<Uint8Array> {
  const bytes = encoder.encode(text);
  let at = 0;
  let x = seed;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      x = (x * 1103515245 + 12345) % 2147483648;
      const n = 1 + (x % maxChunk);
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

const tooLarge = () => new ApiError("payload_too_large", "too large");
const options = (extra: Partial<StreamOptions> = {}): StreamOptions => ({ maxBytes: 1 << 30, tooLarge, maxTextChars: 1 << 24, ...extra });
const parse = (text: string, extra: Partial<StreamOptions> = {}, maxChunk = 7): Promise<Json> => parseJsonStream(streamOf(text, maxChunk), options(extra));
const failure = (text: string, extra: Partial<StreamOptions> = {}, maxChunk = 7): Promise<ApiError> =>
  parse(text, extra, maxChunk).then(
    () => {
      throw new Error("parsed");
    },
    (err: unknown) => err as ApiError,
  );

describe("parseJsonStream", () => {
  it("gives what JSON.parse gives, however the bytes are split", async () => {
    const text = fc.oneof(fc.json({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v, null, 2)));
    await fc.assert(
      fc.asyncProperty(text, fc.integer({ min: 1, max: 40 }), async (json, chunk) => {
        expect(await parse(json, {}, chunk)).toEqual(JSON.parse(json));
      }),
      { numRuns: 500 },
    );
  });

  it("keeps __proto__ as an own member, as JSON.parse does", async () => {
    const value = (await parse('{"__proto__":{"x":1},"a":[1]}')) as Record<string, Json>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, "__proto__")).toBe(true);
    expect(value).toEqual(JSON.parse('{"__proto__":{"x":1},"a":[1]}'));
  });

  // Every break json-position.ts's table names, and a few more: the same message, in the same words and place.
  it.each([
    '{"a": }', '{"a": 1 "b": 2}', "{'a': 1}", '{\n  "a": [1, 2,]\n}', '{"a": 1', "[1] x", "[01]", "", '\n{"a": "b\\x"}',
    '{"a": "b\\u00g0"}', '["a\tb"]', '["ab', "[1.]", "[1e+]", "[-]", "[1.5e-3, -0, tru]", "\n", '{"a":1,}', "[nul]", '{"a" 1}',
  ])("says where %j broke as json-position.ts does", async (text) => {
    const err = await failure(text);
    expect(err.reason).toBe("malformed_json");
    expect(err.message).toBe(`The body is not valid JSON: ${jsonErrorPosition(text)}.`);
  });

  it("refuses more nesting or more values than any request needs, as checkJsonShape does", async () => {
    const deep = `${"[".repeat(MAX_DEPTH + 1)}${"]".repeat(MAX_DEPTH + 1)}`;
    expect(await parse(`${"[".repeat(MAX_DEPTH)}${"]".repeat(MAX_DEPTH)}`)).toBeDefined();
    const tooDeep = await failure(deep);
    expect([tooDeep.reason, tooDeep.message]).toEqual(["invalid_request", expect.stringContaining(`nests more than ${MAX_DEPTH} levels`)]);
    expect(() => checkJsonShape(deep)).toThrow(tooDeep.message);

    const many = `[${"{},".repeat(MAX_ITEMS)}{}]`;
    const tooMany = await failure(many);
    expect(tooMany.message).toContain(`holds more than ${MAX_ITEMS} values`);
    expect(() => checkJsonShape(many)).toThrow(tooMany.message);
    // Brackets and commas inside strings are text, not structure.
    expect(() => checkJsonShape(JSON.stringify({ a: "[".repeat(5000) + ",".repeat(5000) + '\\"[' }))).not.toThrow();
  });

  it("refuses kept text past its budget, and a body past its byte limit", async () => {
    const err = await failure(JSON.stringify({ prompt: "x".repeat(1000) }), { maxTextChars: 999 });
    expect(err.message).toContain("more than 999 characters of text");
    expect((await failure(JSON.stringify({ prompt: "x".repeat(1000) }), { maxBytes: 500 })).reason).toBe("payload_too_large");
  });

  it("hands a diverted string to its sink whole (escapes decoded) and puts the sink's value in its place", async () => {
    const big = "data:" + "ab/c+".repeat(200_000);
    const seen: { path: JsonPath; head: string; pieces: string[]; ended: boolean }[] = [];
    const divert = (path: JsonPath, head: string): StringSink | null => {
      if (!head.startsWith("data:")) return null;
      const entry = { path, head, pieces: [] as string[], ended: false };
      seen.push(entry);
      return {
        write: async (chars) => void entry.pieces.push(chars),
        end: async () => ((entry.ended = true), `token${seen.length}`),
        abort: async () => undefined,
      };
    };
    // "/" escaped as "\/", as some encoders do; a short one ends before its head is full.
    const body = `{"images":[{"image_url":${JSON.stringify(big).replaceAll("/", "\\/")}},{"image_url":"data:x"}],"prompt":"p"}`;
    const value = await parse(body, { divert, maxTextChars: 1000 }, 4096);
    expect(value).toEqual({ images: [{ image_url: "token1" }, { image_url: "token2" }], prompt: "p" });
    expect(seen.map((s) => [s.path, s.pieces.join(""), s.ended])).toEqual([
      [["images", 0, "image_url"], big, true],
      [["images", 1, "image_url"], "data:x", true],
    ]);
    expect(seen[0]!.head).toBe(big.slice(0, HEAD_CHARS));
    // Handed on in pieces, never the whole string at once.
    expect(Math.max(...seen[0]!.pieces.map((p) => p.length))).toBeLessThan(big.length / 4);
  });

  it("aborts the sink of a string the body breaks off in", async () => {
    let aborted = false;
    const divert = (): StringSink => ({ write: async () => undefined, end: async () => "t", abort: async () => void (aborted = true) });
    const err = await failure(`{"a":"${"x".repeat(500)}`, { divert });
    expect(err.message).toContain(`expected the closing '"' of the string`);
    expect(aborted).toBe(true);
  });
});
