import type { ApiError, Reason } from "../../lib/errors";
import { renderWith } from "../../lib/problem";

// The Leonardo surface's one error envelope: {error, path, code}, as Leonardo's REST API (Hasura's) answers.

/** Leonardo's error body (errors.docs.ts documents it). */
export interface LeonardoErrorBody {
  error: string;
  path: string;
  code: string;
}

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

/** The sub-app's onError: every failure of /api/rest in Leonardo's envelope. */
export const renderLeonardoError = renderWith({ body: leonardoErrorBody, contentType: "application/json" });
