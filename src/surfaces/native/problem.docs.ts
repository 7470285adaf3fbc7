import { errorResponses, invalidField, type Envelope, type ErrorDoc } from "../../docs/errors";
import type { ResponseDoc } from "../../docs/registry";
import { ApiError, type Reason } from "../../lib/errors";
import { Problem, problemBody } from "./problem";

// Problem responses for the docs modules, each example rendered by problemBody, as the native surface renders errors.

/** An example for the reasons routes commonly answer with. */
const EXAMPLES: Partial<Record<Reason, ApiError>> = {
  invalid_request: invalidField("gptImage2Params.width", "width 3840 is too large: gpt-image-2 needs max(width, height) < 3840"),
  forbidden: new ApiError("forbidden", "This private file has a signed URL that has expired; read the job again for a fresh URL."),
  not_found: new ApiError("not_found", "No job 0f8c2b6e-3a41-4d2e-9b7a-5c1d2e3f4a5b."),
  conflict: new ApiError("conflict", "A request with this Idempotency-Key is still being admitted; retry shortly."),
  model_retired: new ApiError("model_retired", "gpt-image-1.5 was retired on 2026-12-01; use gpt-image-2.6-sunburst or gpt-image-2.6-flare instead.", {
    extra: { successors: ["gpt-image-2.6-sunburst", "gpt-image-2.6-flare"] },
  }),
};

const PROBLEM: Envelope = { schema: Problem, contentType: "application/problem+json", body: (e) => problemBody(e, "req_5f2c0a9e1b7d4c3a") };

/** Problem responses for a route's docs: `...problems(400, 401)`, or an ApiError to show as its status's example. */
export const problems = (...errors: ErrorDoc[]): Record<number, ResponseDoc> => errorResponses(PROBLEM, EXAMPLES, errors);
