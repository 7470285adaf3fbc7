import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { ApiError, REASONS, asApiError } from "../../lib/errors";
import type { ProblemBody } from "./problem.docs";

/** The problem+json body of an error. */
export function problemBody(e: ApiError, requestId: string): ProblemBody {
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
