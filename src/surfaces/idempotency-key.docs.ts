import * as z from "zod";
import type { ParamDoc } from "../docs/registry";

// The documentation of the Idempotency-Key header (idempotency-key.ts), the same on every surface's create.

/** The request header; `mismatch` is how the surface answers the same key with another body, `note` what else to know. */
export const idempotencyKeyParam = (mismatch: string, note = ""): ParamDoc => ({
  in: "header",
  description:
    "Up to 255 printable ASCII characters, kept 24 h per account. Repeating the request with the same key and body " +
    "returns the same job (`Idempotent-Replayed: true`) instead of making and charging another. The body counts in " +
    "canonical form (key order, whitespace and escapes do not matter); a multipart edit counts by its fields and the " +
    `sha256 of each file's bytes (file names and declared types do not). The same key with another body, or on ` +
    `another route, is ${mismatch}; while the first request is still being admitted, a 409.${note}`,
  schema: z.string().min(1).max(255),
});

/** The response headers every create carries. */
export const createHeaders = {
  "Idempotent-Replayed": "`true` when an earlier request with this Idempotency-Key made the job.",
  "RateLimit-Limit": "Jobs this key may create per minute.",
  "RateLimit-Remaining": "Jobs left in the current minute.",
  "RateLimit-Reset": "Seconds until the window resets.",
};
