import type * as z from "../lib/zod";
import { ApiError, REASONS, type Reason } from "../lib/errors";
import type { ResponseDoc } from "./registry";

// Error responses for the docs modules, in the envelope of the surface that answers them. Each surface wraps this
// in a small helper beside its renderer (problems() in lib/problem.docs.ts, openaiErrors() and leonardoErrors() in
// their errors.docs.ts), so every example is made by the very function that renders that surface's errors.

/** A surface's error envelope: its schema, its content type, and the body its renderer makes of an ApiError. */
export interface Envelope {
  schema: z.ZodMiniType;
  contentType: string;
  body: (error: ApiError) => unknown;
}

const REASON_LIST = Object.keys(REASONS) as Reason[];

/**
 * A status to document (described by every reason that has it, its example from the surface's table), or an error
 * that documents its own status (described by its reason, and its own example).
 */
export type ErrorDoc = number | ApiError;

/** One response per status, described by the reasons that have it, with an example from `examples` when one has it. */
export function errorResponses(envelope: Envelope, examples: Partial<Record<Reason, ApiError>>, errors: ErrorDoc[]): Record<number, ResponseDoc> {
  const out: Record<number, ResponseDoc> = {};
  for (const item of errors) {
    const status = typeof item === "number" ? item : item.status;
    const reasons = REASON_LIST.filter((r) => REASONS[r].status === status);
    const reason = reasons.find((r) => examples[r]) ?? reasons[0];
    if (!reason) throw new Error(`No error reason has status ${status}.`);
    out[status] = {
      description: typeof item === "number" ? reasons.map((r) => REASONS[r].title).join(" / ") : REASONS[item.reason].title,
      schema: envelope.schema,
      contentType: envelope.contentType,
      example: envelope.body(typeof item === "number" ? (examples[reason] ?? new ApiError(reason, REASONS[reason].title)) : item),
    };
  }
  return out;
}
