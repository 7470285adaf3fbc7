/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { modelEntries } from "../../src/catalogue";

// SPEC §3.4: "adding a model is a catalogue change plus, where needed, an adapter mapping — nothing else". Outside
// src/catalogue/ and src/providers/, no code may branch on a model id or keep a table keyed by one; a model id may
// appear there only as a documentation example (`model: "gpt-image-2"` in an example body). The next model then
// touches only those two folders.

const sources = import.meta.glob("../../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const ids = modelEntries().flatMap((e) => [e.id, ...e.aliases, e.leonardoId]);
const quoted = `["'\`](?:${ids.map((id) => id.replace(/[.]/g, "\\.")).join("|")})["'\`]`;
/** A comparison with an id, a `case` on one, or an id as an object key / index. */
const knowsModel = new RegExp(`(?:[!=]==\\s*${quoted})|(?:${quoted}\\s*[!=]==)|(?:case\\s+${quoted})|(?:${quoted}\\s*:)|(?:\\[\\s*${quoted}\\s*\\])`);

describe("which folders know the model ids", () => {
  it("reads the sources", () => {
    expect(Object.keys(sources).some((path) => path.endsWith("src/catalogue/gpt-image-2.ts"))).toBe(true);
    expect(knowsModel.test(`if (model === "${ids[0]}") {`)).toBe(true);
    expect(knowsModel.test(`const CENTS = { "${ids[0]}": { low: 1 } };`)).toBe(true);
    expect(knowsModel.test(`CATALOGUE["${ids[0]}"]`)).toBe(true);
    expect(knowsModel.test(`examples: [{ model: "${ids[0]}", prompt: "p" }]`)).toBe(false);
  });

  it("finds them only in src/catalogue/ and src/providers/", () => {
    const outside = Object.entries(sources)
      .filter(([path]) => !/\/src\/(catalogue|providers)\//.test(path))
      .flatMap(([path, text]) => text.split("\n").flatMap((line, i) => (knowsModel.test(line) ? [`${path.replace(/^.*\/src\//, "src/")}:${i + 1}: ${line.trim()}`] : [])));
    expect(outside).toEqual([]);
  });
});
