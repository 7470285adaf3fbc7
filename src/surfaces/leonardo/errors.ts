import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { asApiError, type ApiError, type Reason } from "../../lib/errors";
import type { LeonardoErrorBody } from "./errors.docs";

// The Leonardo surface's one error envelope: {error, path, code}, as Leonardo's REST API (Hasura's) answers.

const CODES: Partial<Record<Reason, string>> = {
  invalid_request: "validation-failed",
  malformed_json: "invalid-json",
  unauthorized: "access-denied",
  forbidden: "access-denied",
  not_found: "not-found",
  internal: "unexpected",
};

/** "parameters.guidances.image_reference.0.strength" → "$.parameters.guidances.image_reference[0].strength". */
const jsonPath = (path: string | undefined): string =>
  path === undefined || path === "(body)" ? "$" : `$.${path}`.replace(/\.(\d+)(?=\.|$)/g, "[$1]");

export function leonardoErrorBody(e: ApiError): LeonardoErrorBody {
  const path = e.reason === "model_retired" ? "$.model" : jsonPath(e.errors?.[0]?.path);
  return { error: e.message, path, code: CODES[e.reason] ?? e.reason.replaceAll("_", "-") };
}

export function renderLeonardoError(err: unknown, c: Context<AppEnv>): Response {
  const e = asApiError(err, c.get("requestId"));
  return new Response(JSON.stringify(leonardoErrorBody(e)), { status: e.status, headers: { ...e.headers, "Content-Type": "application/json" } });
}
