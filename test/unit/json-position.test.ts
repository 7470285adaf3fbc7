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
    ["", "expected a value at line 1, column 1 (position 0), found the end of the body"],
  ])("%j → %s", (text, message) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonErrorPosition(text)).toContain(message);
  });

  it("accepts everything JSON.parse accepts", () => {
    for (const text of ['{"a":[1,-2.5e3,true,false,null,"\\u00e9\\n"],"b":{}}', " [ ] ", '"x"', "0"]) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(jsonErrorPosition(text)).toBeNull();
    }
  });
});
