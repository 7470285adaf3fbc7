import { errorResponses, type Envelope, type ErrorDoc } from "../docs/errors";
import type { ResponseDoc } from "../docs/registry";
import * as z from "zod";
import { ApiError, REASONS, invalidField, type Reason } from "./errors";
import { PROBLEM_JSON, problemBody, type ProblemBody } from "./problem";

// The problem+json envelope's schema (documentation only, so it stays out of the Worker bundle; checked against
// problem.ts's ProblemBody), and problem responses for the docs modules, each example rendered by problemBody, as
// the routes answering problem+json render errors.

const CODES = Object.keys(REASONS) as [Reason, ...Reason[]];

/** The error envelope, RFC 9457 problem+json; members beyond these (e.g. on a 402) are reason-specific. */
export const Problem = z
  .looseObject({
    type: z.string().meta({ description: "`urn:imagegate:problem:<code>`" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().meta({ description: "What went wrong and what to change, in words a person can act on." }),
    code: z.enum(CODES).meta({ description: "A stable machine-readable reason." }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: "One entry per invalid field (on 400 invalid_request)." }),
    successors: z.array(z.string()).optional().meta({ description: "On 410 model_retired: the models to move to, the provider's recommendation first." }),
    setting: z.string().optional().meta({ description: "On a 503 caused by the gateway's configuration: the setting the operator must correct (e.g. `CREDIT_PRICES`)." }),
    requestId: z.string(),
  })
  .meta({ id: "Problem" }) satisfies z.ZodType<ProblemBody>;

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

const PROBLEM: Envelope = { schema: Problem, contentType: PROBLEM_JSON.contentType, body: (e) => problemBody(e, "req_5f2c0a9e1b7d4c3a") };

/** Problem responses for a route's docs: `...problems(400, 401)`, or an ApiError to show as its status's example. */
export const problems = (...errors: ErrorDoc[]): Record<number, ResponseDoc> => errorResponses(PROBLEM, EXAMPLES, errors);
