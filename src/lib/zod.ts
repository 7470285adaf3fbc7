import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { _coercedNumber, _isoDate } from "zod/v4/core";

// The Worker's zod: zod/mini, which tree-shakes (classic zod bundles its JSON Schema generator with every schema).
// Run-time schemas import z from here, so that the locale below is in force wherever one is parsed.

// zod/mini loads no locale, and clients read zod's English messages ("Invalid input: expected string, received number").
z.config(en());

export * from "zod/mini";

// zod/mini's `iso.date()` and `coerce.number()`, which are these very calls. The bundle keeps every member of a
// namespace the code reaches through (z.iso, z.coerce), and tree-shakes named imports.
export const isoDate = (): z.ZodMiniISODate => _isoDate(z.ZodMiniISODate);
export const coercedNumber = (): z.ZodMiniNumber<unknown> => _coercedNumber(z.ZodMiniNumber);

/**
 * classic zod's `schema.meta(data)`: a copy of the schema with `data` in the global registry (the OpenAPI document
 * reads it: id, description, examples), the original left as it was.
 */
export function withMeta<T extends z.ZodMiniType>(schema: T, data: z.core.GlobalMeta): T {
  const copy = schema.clone();
  z.globalRegistry.add(copy, data);
  return copy;
}

/** The context a transform gets: zod/mini's has no addIssue (classic zod's does), so issues go in with `addIssue`. */
export type TransformCtx = z.core.ParsePayload;

/** classic zod's `ctx.addIssue({ code: "custom", ... })` in a transform. */
export function addIssue(ctx: TransformCtx, issue: { message: string; path?: PropertyKey[]; input?: unknown }): void {
  ctx.issues.push({ code: "custom", input: ctx.value, ...issue });
}

/** classic zod's `z.preprocess(fn, schema)`, which is this very pipe. */
export const preprocess = <const S extends z.core.$ZodType>(fn: (value: unknown, ctx: TransformCtx) => unknown, schema: S) =>
  z.pipe(z.transform(fn), schema);
