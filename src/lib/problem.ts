import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ApiError, REASONS, asApiError, type FieldError, type Reason } from "./errors";

/** RFC 9457 problem+json (problem.docs.ts documents it): the reason's own members (e.g. `successors`) besides. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: Reason;
  errors?: FieldError[];
  requestId: string;
  [member: string]: unknown;
}

// One error renderer, each surface's envelope its argument. problem+json is the native envelope, and the one /admin,
// /v2/files and /hooks answer in, so it lives here too.

/** How a surface writes an ApiError: the body it makes of one, and that body's content type. */
export interface ErrorEnvelope {
  body: (e: ApiError, requestId: string) => unknown;
  contentType: string;
}

/** An onError (or notFound) handler answering any thrown value in `envelope`; asApiError logs an unknown one, once. */
export const renderWith =
  (envelope: ErrorEnvelope) =>
  (err: unknown, c: Context<AppEnv>): Response => {
    const requestId = c.get("requestId");
    const e = asApiError(err, requestId);
    return new Response(JSON.stringify(envelope.body(e, requestId)), {
      status: e.status,
      headers: { ...e.headers, "Content-Type": envelope.contentType },
    });
  };

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

/** RFC 9457 problem+json. */
export const PROBLEM_JSON: ErrorEnvelope = { body: problemBody, contentType: "application/problem+json" };

export const renderProblem = renderWith(PROBLEM_JSON);
