import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonErrorPosition } from "../../src/lib/json-position";

describe("jsonErrorPosition", () => {
  it.each([
    ['{"a": }', "expected a value at line 1, column 7 (position 6)"],
    ['{"a": 1 "b": 2}', "expected ',' or '}' at line 1, column 9 (position 8)"],
    ["{'a': 1}", "expected a property name in double quotes at line 1, column 2 (position 1)"],
    ['{\n  "a": [1, 2,]\n}', "expected a value at line 2, column 14 (position 15)"],
    ['{"a": 1', "expected ',' or '}' at line 1, column 8 (position 7), found the end of the body"],
    ["[1] x", "expected the end of the JSON at line 1, column 5 (position 4)"],
    ["[01]", "expected ',' or ']' at line 1, column 3 (position 2)"],
    ["", "expected a value at line 1, column 1 (position 0), found the end of the body"],
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
