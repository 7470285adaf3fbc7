import * as z from "zod";
import { errorResponses, type ErrorDoc } from "../../docs/errors";
import type { ResponseDoc } from "../../docs/registry";
import { ApiError, invalidField, type Reason } from "../../lib/errors";
import { leonardoErrorBody, type LeonardoErrorBody } from "./errors";

// Leonardo's error envelope, documentation only (errors.ts builds its bodies with the type), and error responses in it
// for the docs modules, each example rendered by leonardoErrorBody, as /api/rest renders errors.

export const LeonardoError = z
  .object({
    error: z.string().meta({ description: "What went wrong." }),
    path: z.string().meta({ description: "A JSON path to the field at fault, `$` for the whole request." }),
    code: z.string().meta({ description: "E.g. `validation-failed`, `invalid-json`, `access-denied`, `not-found`." }),
  })
  .meta({ id: "LeonardoError", description: "Leonardo's error envelope (Hasura's)." }) satisfies z.ZodType<LeonardoErrorBody>;

/** An example for the reasons /api/rest commonly answers with. */
const EXAMPLES: Partial<Record<Reason, ApiError>> = {
  invalid_request: invalidField("parameters.quantity", "9 is too many: gpt-image-2 makes 1 to 8 images per request"),
  forbidden: new ApiError("forbidden", "This upload is not allowed: the policy has expired. Ask POST /api/rest/v1/init-image for fresh fields."),
  conflict: new ApiError("conflict", "Upload upl_4Rk2W9xPq7LmN3vB8cT5yZ1a has already been made; ask init-image for a new one."),
  model_retired: new ApiError("model_retired", "gpt-image-1.5 was retired on 2026-12-01; use gpt-image-2.6-sunburst or gpt-image-2.6-flare instead.", {
    extra: { successors: ["gpt-image-2.6-sunburst", "gpt-image-2.6-flare"] },
  }),
};

/** Error responses in Leonardo's envelope for a route's docs: `...leonardoErrors(400, 401)`, or an ApiError to show as its status's example. */
export const leonardoErrors = (...errors: ErrorDoc[]): Record<number, ResponseDoc> =>
  errorResponses({ schema: LeonardoError, contentType: "application/json", body: leonardoErrorBody }, EXAMPLES, errors);
