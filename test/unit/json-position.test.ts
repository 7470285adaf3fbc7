import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonErrorPosition } from "../../src/lib/json-position";

describe("jsonErrorPosition", () => {
  // Why the scanner exists: workerd's JSON.parse names a position for only some breaks.
  it.each(['{"a": }', "[1,]", ""])("JSON.parse gives no position for %j", (text) => {
    expect(() => JSON.parse(text)).toThrow(expect.objectContaining({ message: expect.not.stringMatching(/position/) }));
  });

  it.each([
    ['{"a": }', "expected a value at line 1, column 7 (position 6)"],
    ['{"a": 1 "b": 2}', "expected ',' or '}' at line 1, column 9 (position 8)"],
    ["{'a': 1}", "expected a property name in double quotes at line 1, column 2 (position 1)"],
    ['{\n  "a": [1, 2,]\n}', "expected a value at line 2, column 14 (position 15)"],
    ['{"a": 1', "expected ',' or '}' at line 1, column 8 (position 7), found the end of the body"],
    ["[1] x", "expected the end of the JSON at line 1, column 5 (position 4)"],
    ["[01]", "expected ',' or ']' at line 1, column 3 (position 2)"],
    ["", "expected a value at line 1, column 1 (position 0), found the end of the body"],
    ['\n{"a": "b\\x"}', "expected a valid escape (such as \\n or \\u00e9) at line 2, column 9 (position 9)"],
    ['{"a": "b\\u00g0"}', "expected a valid escape (such as \\n or \\u00e9) at line 1, column 9 (position 8)"],
    ['["a\tb"]', "expected an escape (such as \\n) instead of a control character at line 1, column 4 (position 3)"],
    ['["ab', `expected the closing '"' of the string at line 1, column 5 (position 4), found the end of the body`],
    ["[1.]", "expected ',' or ']' at line 1, column 3 (position 2)"],
    ["[1e+]", "expected ',' or ']' at line 1, column 3 (position 2)"],
    ["[-]", "expected a value at line 1, column 2 (position 1)"],
    ["[1.5e-3, -0, tru]", "expected a value at line 1, column 14 (position 13)"],
    ["\n", "expected a value at line 2, column 1 (position 1), found the end of the body"],
  ])("%j → %s", (text, message) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonErrorPosition(text)).toContain(message);
  });

  // Any JSON text, compact or indented, with the whitespace JSON allows around it (fast-check nests a few levels; the
  // scanner stops at 512, where it would blame the nesting instead of the break it cannot reach).
  const whitespace = fc.string({ unit: fc.constantFrom(" ", "\t", "\n", "\r"), maxLength: 3 });
  const jsonText = fc.oneof(fc.json(), fc.jsonValue().map((v) => JSON.stringify(v, null, 2)));
  const accepted = fc.tuple(whitespace, jsonText, whitespace).map((parts) => parts.join(""));

  it("returns null for every text JSON.parse accepts", () => {
    fc.assert(fc.property(accepted, (text) => jsonErrorPosition(text) === null), { numRuns: 2000 });
  });

  // Near misses (a JSON text with a few of JSON's own characters cut or put in) and arbitrary strings, kept when
  // JSON.parse throws.
  const jsonChars = fc.string({ unit: fc.constantFrom(..."{}[]:,\"\\/0123456789-+.eEtrufalsn \t\n"), maxLength: 3 });
  const mutated = fc.tuple(jsonText, fc.nat(), fc.nat({ max: 3 }), jsonChars).map(([text, at, cut, put]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + put + text.slice(i + cut);
  });
  const refused = fc.oneof(mutated, fc.string(), fc.string({ unit: "binary" })).filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  });

  // The shape that once overflowed the stack (issue 16): a string of millions of characters, then a trailing comma.
  // Also every other run of one thing a body may hold millions of (digits, escapes, lines, elements, brackets).
  it.each([
    ["a 12 MB string", (n: number) => `{"image_url":"data:image/png;base64,${"A".repeat(n)}",}`, 12 * 1024 * 1024],
    ["a string of escapes", (n: number) => `["${"\\n".repeat(n)}",]`, 4 * 1024 * 1024],
    ["a 4 MB number", (n: number) => `[1${"0".repeat(n)}.5e1${"0".repeat(n)},]`, 4 * 1024 * 1024],
    ["a million lines", (n: number) => `[${"\n1,".repeat(n)}]`, 1024 * 1024],
    ["a million elements", (n: number) => `{"a":[${"{},".repeat(n)}]}`, 1024 * 1024],
    ["a million brackets", (n: number) => "[".repeat(n), 1024 * 1024],
  ])("finds the break after %s without overflowing", (_what, make, n) => {
    const text = make(n);
    expect(() => JSON.parse(text)).toThrow();
    const at = /at line (\d+), column (\d+) \(position (\d+)\)/.exec(jsonErrorPosition(text) ?? "");
    expect(at).not.toBeNull();
    expect(Number(at![3])).toBeLessThanOrEqual(text.length);
  });

  // Any text that opens with a long string (up to 12 M characters: a backtracking scanner overflowed past about 7 M),
  // then runs of JSON's own characters and fragments: null exactly when JSON.parse accepts it, and never a throw.
  const fragment = fc.oneof(jsonChars, fc.json({ maxDepth: 2 }), fc.string({ maxLength: 4 }));
  const run = fc.tuple(fragment, fc.nat({ max: 1 << 20 })).map(([text, times]) => text.repeat(Math.min(times, (1 << 20) / Math.max(1, text.length))));
  const opener = fc.constantFrom("", "[", '{"a":', '{"', "[1,");
  const longString = fc.tuple(fc.constantFrom("A", "é", "\\n", "\\u00e9"), fc.noBias(fc.nat({ max: 12 << 20 })))
    .map(([unit, length]) => `"${unit.repeat(Math.floor(length / unit.length))}`);
  const huge = fc.tuple(opener, longString, fc.array(fc.oneof(run, fragment), { maxLength: 4 })).map(([open, text, rest]) => open + text + rest.join(""));

  it("never throws, however long its strings and runs", () => {
    fc.assert(
      fc.property(huge, (text) => {
        const message = jsonErrorPosition(text);
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        return valid ? message === null || /less nesting/.test(message) : message !== null;
      }),
      { numRuns: 40 },
    );
  });

  it("gives a line, column and position for every text JSON.parse refuses", () => {
    fc.assert(
      fc.property(refused, (text) => {
        const message = jsonErrorPosition(text);
        const at = /at line (\d+), column (\d+) \(position (\d+)\)/.exec(message ?? "");
        return at !== null && Number(at[3]) <= text.length;
      }),
      { numRuns: 2000 },
    );
  });
});
