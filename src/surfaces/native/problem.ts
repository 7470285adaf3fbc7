import type { Context } from "hono";
import * as z from "zod";
import { errorResponses, invalidField, type Envelope, type ErrorDoc } from "../../docs/errors";
import type { ResponseDoc } from "../../docs/registry";
import type { AppEnv } from "../../env";
import { ApiError, REASONS, asApiError, type Reason } from "../../lib/errors";

const CODES = Object.keys(REASONS) as [Reason, ...Reason[]];

/** The native error envelope, RFC 9457 problem+json; members beyond these (e.g. on a 402) are reason-specific. */
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
    requestId: z.string(),
  })
  .meta({ id: "Problem" });

/** The problem+json body of an error. */
function problemBody(e: ApiError, requestId: string): z.infer<typeof Problem> {
  return {
    type: `urn:imagegate:problem:${e.reason}`,
    title: REASONS[e.reason].title,
    status: e.status,
    detail: e.message,
    code: e.reason,
    ...(e.errors ? { errors: e.errors } : {}),
    ...e.extra,
    requestId,
  };
}

/** The native surface's one error renderer: RFC 9457 problem+json. */
export function renderProblem(err: unknown, c: Context<AppEnv>): Response {
  const e = asApiError(err);
  return new Response(JSON.stringify(problemBody(e, c.get("requestId"))), {
    status: e.status,
    headers: { ...e.headers, "Content-Type": "application/problem+json" },
  });
}

// Documentation: an example for the reasons routes commonly answer with.
const EXAMPLES: Partial<Record<Reason, ApiError>> = {
  invalid_request: invalidField("gptImage2Params.width", "width 3840 is too large: gpt-image-2 needs max(width, height) < 3840"),
  forbidden: new ApiError("forbidden", "This private file has a signed URL that has expired; read the job again for a fresh URL."),
  not_found: new ApiError("not_found", "No job 0f8c2b6e-3a41-4d2e-9b7a-5c1d2e3f4a5b."),
  conflict: new ApiError("conflict", "A request with this Idempotency-Key is still being admitted; retry shortly."),
};

const PROBLEM: Envelope = { schema: Problem, contentType: "application/problem+json", body: (e) => problemBody(e, "req_5f2c0a9e1b7d4c3a") };

/** Problem responses for a route's doc(...): `...problems(400, 401)`, or an ApiError to show as its status's example. */
export const problems = (...errors: ErrorDoc[]): Record<number, ResponseDoc> => errorResponses(PROBLEM, EXAMPLES, errors);
