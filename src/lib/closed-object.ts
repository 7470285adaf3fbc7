import * as z from "./zod";

// An object schema that refuses unknown keys one issue per key, at the key's own path (zod's strictObject puts one
// issue at the object's path), so every surface can name the offending field: OpenAI's `param`, Leonardo's `path`.

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Drops each unknown key from `value` with an issue saying why; leaves anything that is not an object alone. */
export function refuseUnknownKeys(value: unknown, known: ReadonlySet<string>, message: (key: string) => string, ctx: z.TransformCtx): unknown {
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (known.has(key)) out[key] = field;
    else z.addIssue(ctx, { path: [key], message: message(key), input: field });
  }
  return out;
}

export function closedObject<S extends z.core.$ZodLooseShape>(shape: S, message: (key: string) => string) {
  const known = new Set(Object.keys(shape));
  // additionalProperties: the documentation says what the preprocess enforces.
  return z.preprocess((value, ctx) => refuseUnknownKeys(value, known, message, ctx), z.withMeta(z.object(shape), { additionalProperties: false }));
}
