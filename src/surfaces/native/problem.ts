import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { REASONS, asApiError } from "../../lib/errors";

/** The native surface's one error renderer: RFC 9457 problem+json. */
export function renderProblem(err: unknown, c: Context<AppEnv>): Response {
  const e = asApiError(err);
  const body = {
    type: `urn:imagegate:problem:${e.reason}`,
    title: REASONS[e.reason].title,
    status: e.status,
    detail: e.message,
    code: e.reason,
    ...(e.errors ? { errors: e.errors } : {}),
    ...e.extra,
    requestId: c.get("requestId"),
  };
  return new Response(JSON.stringify(body), {
    status: e.status,
    headers: { ...e.headers, "Content-Type": "application/problem+json" },
  });
}
