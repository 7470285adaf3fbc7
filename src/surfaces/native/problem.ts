import type { Context } from "hono";
import * as z from "zod";
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
    successors: z.array(z.string()).optional().meta({ description: "On 410 model_retired: the models to move to, the provider's recommendation first." }),
    setting: z.string().optional().meta({ description: "On a 503 caused by the gateway's configuration: the setting the operator must correct (e.g. `CREDIT_PRICES`)." }),
    requestId: z.string(),
  })
  .meta({ id: "Problem" });

/** The problem+json body of an error. */
export function problemBody(e: ApiError, requestId: string): z.infer<typeof Problem> {
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
  const requestId = c.get("requestId");
  const e = asApiError(err, requestId);
  return new Response(JSON.stringify(problemBody(e, requestId)), {
    status: e.status,
    headers: { ...e.headers, "Content-Type": "application/problem+json" },
  });
}
