import { describe, expect, it } from "vitest";
import { modelEntries, notTaken } from "../../src/catalogue";

// A refused value is named in the message whatever it is, even an object without a prototype (as the streaming JSON
// parser of /v1/images/edits makes them): found by the OpenAI fuzzer (seed 370247533), which got a 500.

describe("notTaken", () => {
  const entry = modelEntries()[0]!;
  it("names strings, numbers and objects, prototype or not", () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(notTaken(entry, "quality", bare, ["low"], [])).toBe(`quality {"a":1} is not allowed for ${entry.id}: use low`);
    expect(notTaken(entry, "quality", "ultra", ["low"], [])).toContain('quality "ultra" is not allowed');
    expect(notTaken(entry, "n", 3, ["1"], [])).toContain("n 3 is not allowed");
  });
});
