import * as z from "zod";

// zod → JSON Schema (draft 2020-12, which OpenAPI 3.1 uses) with zod's own converter. Schemas named with
// `.meta({ id })` (`z.withMeta(schema, { id })` in the run-time schemas, which are zod/mini) become components and are
// referenced; everything else is inlined where it is used. The converter reads classic and mini schemas alike.

export type JsonSchema = { [key: string]: unknown };

const COMPONENTS = "#/components/schemas/";

function rewriteRefs(value: unknown, names: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, names));
  if (value === null || typeof value !== "object") return value;
  const out: JsonSchema = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "$ref" && typeof v === "string" && v.startsWith("#/$defs/")) {
      const id = decodeURIComponent(v.slice("#/$defs/".length));
      out[key] = COMPONENTS + (names.get(id) ?? id);
    } else {
      out[key] = rewriteRefs(v, names);
    }
  }
  return out;
}

/** The examples a schema carries in its zod metadata. */
export const examplesOf = (schema: z.core.$ZodType): unknown[] => {
  const examples = z.globalRegistry.get(schema)?.examples;
  return Array.isArray(examples) ? examples : [];
};

/** Collects the components of one document while its operations' schemas are converted. */
export class SchemaSet {
  readonly components: Record<string, JsonSchema> = {};
  /** The raw (pre-rewrite) JSON of each component, to tell an input variant from an output one. */
  private readonly raw = new Map<string, string>();

  /** A schema for a request ("input": defaults optional) or a response ("output"); named ones as a $ref. */
  convert(schema: z.core.$ZodType, io: "input" | "output"): JsonSchema {
    const json = z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any" }) as JsonSchema;
    const { $schema: _dialect, $defs, ...root } = json;
    const defs = ($defs ?? {}) as Record<string, JsonSchema>;
    const names = new Map<string, string>();
    for (const [id, def] of Object.entries(defs)) names.set(id, this.place(id, JSON.stringify(def), io));
    for (const [id, def] of Object.entries(defs)) {
      const name = names.get(id)!;
      this.components[name] ??= rewriteRefs(def, names) as JsonSchema;
    }
    return rewriteRefs(root, names) as JsonSchema;
  }

  /** The component's schema when `schema` is a $ref to one, else `schema` itself. */
  resolve(schema: JsonSchema): JsonSchema {
    const ref = schema.$ref;
    return typeof ref === "string" && ref.startsWith(COMPONENTS) ? (this.components[ref.slice(COMPONENTS.length)] ?? schema) : schema;
  }

  // A named schema reads the same as input and output unless it has defaults or transforms; then the input
  // variant gets its own name, so neither direction is described wrongly.
  private place(id: string, raw: string, io: "input" | "output"): string {
    for (const name of io === "input" ? [id, `${id}Input`] : [id, `${id}Output`]) {
      const seen = this.raw.get(name);
      if (seen === undefined) {
        this.raw.set(name, raw);
        return name;
      }
      if (seen === raw) return name;
    }
    throw new Error(`Schema id "${id}" names two different schemas; give each its own .meta({ id }).`);
  }
}
