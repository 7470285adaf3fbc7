import { describe, expect, it } from "vitest";

// The layers of src/ (README, "Architecture"): a folder imports only folders below it, so that data flows one way
// (surface → jobs → accounts, providers → files → R2). Type imports count too. env.ts is the one exception: every
// folder reads its bindings' type, and it names the Durable Object classes, which `wrangler types` would generate.

const SOURCES = import.meta.glob<string>("../../src/**/*.ts", { query: "?raw", import: "default", eager: true });

/**
 * Low to high; folders in one entry share a layer. `docs` holds the route-documentation markers and the OpenAPI
 * builder, which every route uses, so it sits with lib.
 */
const LAYERS = [["lib", "docs"], ["catalogue"], ["files"], ["providers"], ["accounts"], ["webhooks"], ["jobs"], ["surfaces"], ["ui"]];
const NAMES = LAYERS.map((folders) => folders.join("+"));
/** The composition roots, above every layer: the Worker's wiring and the documentation of all its routes. */
const ROOTS = new Set(["index.ts", "index.docs.ts", "docs/all-docs.ts"]);
/** Folders whose subfolders are independent of each other: one per upstream, one per public dialect. */
const SIBLINGS = new Set(["providers", "surfaces"]);
/** The one file that knows every adapter. */
const COMPOSERS = new Set(["providers/registry.ts"]);

const files = Object.keys(SOURCES).map((k) => k.replace("../../src/", ""));

function importsOf(file: string): string[] {
  const text = SOURCES[`../../src/${file}`]!;
  const specs = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gm), ...text.matchAll(/\bimport\(\s*"(\.[^"]+)"\s*\)/g)].map((m) => m[1]!);
  return specs.map((spec) => resolve(file, spec));
}

function resolve(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const piece of spec.replace(/\.ts$/, "").split("/")) {
    if (piece === "..") parts.pop();
    else if (piece !== ".") parts.push(piece);
  }
  const base = parts.join("/");
  const found = [`${base}.ts`, `${base}/index.ts`].find((f) => files.includes(f));
  if (!found) throw new Error(`${from}: "${spec}" resolves to no file under src/`);
  return found;
}

const layerOf = (file: string): number => (ROOTS.has(file) ? LAYERS.length : LAYERS.findIndex((folders) => folders.includes(file.split("/")[0]!)));
/** "providers/openai" for a file in an adapter's folder, null for a shared file beside them. */
const siblingOf = (file: string): string | null => {
  const [top, sub, ...rest] = file.split("/");
  return SIBLINGS.has(top!) && rest.length > 0 ? `${top}/${sub}` : null;
};

/** Why `from` may not import `to`, or null when it may. */
function backwards(from: string, to: string): string | null {
  if (to === "env.ts" || from === "env.ts") return null;
  const [a, b] = [layerOf(from), layerOf(to)];
  if (a < 0 || b < 0) return `a file outside the layers (${a < 0 ? from : to}): add its folder to LAYERS`;
  if (b > a) return `${NAMES[a] ?? "root"} sits below ${NAMES[b] ?? "root"}`;
  if (a === b && SIBLINGS.has(NAMES[a]!)) {
    const [x, y] = [siblingOf(from), siblingOf(to)];
    if (x !== null && y !== null && x !== y) return `${x} and ${y} are siblings`;
    if (x === null && y !== null && !COMPOSERS.has(from)) return `a shared file imports ${y}`;
  }
  return null;
}

describe("the import graph of src/", () => {
  it("has only arrows that run down the layers", () => {
    const wrong = files.flatMap((from) => importsOf(from).flatMap((to) => backwards(from, to) ? [`${from} → ${to}: ${backwards(from, to)}`] : []));
    expect(wrong).toEqual([]);
  });

  it("has no circle of imports, type imports included, but the one through env.ts", () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t !== "env.ts")]));
    const circles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") return void circles.push([...path.slice(path.indexOf(f)), f].join(" → "));
      state.set(f, "open");
      for (const t of graph.get(f)!) visit(t, [...path, f]);
      state.set(f, "done");
    };
    for (const f of files) visit(f, []);
    expect(circles).toEqual([]);
  });

  it("sees the arrows it judges (a backwards import is caught)", () => {
    expect(importsOf("index.ts")).toContain("jobs/job-do.ts");
    expect(backwards("jobs/job-do.ts", "surfaces/native/jobs.ts")).toMatch(/jobs sits below surfaces/);
    expect(backwards("providers/openai/index.ts", "providers/leonardo/wire.ts")).toMatch(/siblings/);
    expect(backwards("surfaces/native/jobs.ts", "jobs/job-do.ts")).toBeNull();
  });
});
