import { ApiError, asApiError, type Reason } from "../../lib/errors";
import { renderWith } from "../../lib/problem";
import type { JobRecord } from "../../jobs/record";

// The OpenAI surface's one error envelope: {error: {message, type, param, code}}, as OpenAI's API and SDK know it.

/** OpenAI's error body (errors.docs.ts documents it). */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Field messages the schemas give for these two cases; the renderer turns them into OpenAI's codes. */
export const UNKNOWN_PARAMETER = "unknown parameter";
export const MISSING_PARAMETER = "missing required parameter";

const TYPES: Partial<Record<Reason, string>> = {
  moderated: "image_generation_user_error",
  insufficient_credits: "insufficient_quota",
  rate_limited: "requests",
  internal: "server_error",
  upstream_failed: "server_error",
  unavailable: "server_error",
  timeout: "server_error",
};

const CODES: Partial<Record<Reason, string | null>> = {
  unauthorized: "invalid_api_key",
  moderated: "moderation_blocked",
  insufficient_credits: "insufficient_quota",
  rate_limited: "rate_limit_exceeded",
  malformed_json: null,
  internal: null,
};

/** "images.0.image_url" → "images[0].image_url"; the whole body → null. */
const paramOf = (path: string): string | null =>
  path === "(body)" ? null : path.replace(/\.(\d+)(?=\.|$)/g, "[$1]");

function codeOf(e: ApiError): string | null {
  if (e.reason === "invalid_request") {
    const message = e.errors?.[0]?.message;
    if (message === UNKNOWN_PARAMETER) return "unknown_parameter";
    if (message === MISSING_PARAMETER) return "missing_required_parameter";
    return "invalid_value";
  }
  const mapped = CODES[e.reason];
  return mapped === undefined ? e.reason : mapped;
}

/** `requestId` is the one an unknown error is logged under (a streamed answer, which has none at hand, gives null). */
export function openaiErrorBody(err: unknown, requestId: string | null = null): OpenAIErrorBody {
  const e = asApiError(err, requestId);
  const first = e.errors?.[0]?.path;
  const param = first !== undefined ? paramOf(first) : e.reason === "model_retired" ? "model" : null;
  return { error: { message: e.message, type: TYPES[e.reason] ?? "invalid_request_error", param, code: codeOf(e) } };
}

/** The sub-app's onError: every failure of /v1 in OpenAI's envelope. */
export const renderOpenAIError = renderWith({ body: openaiErrorBody, contentType: "application/json" });

/**
 * Why a job that ended without images ended, as the error OpenAI would have answered. The SDK retries 5xx by itself;
 * imagegate has already retried and fallen back across providers, so it is told not to (x-should-retry: false).
 */
export function jobFailure(rec: JobRecord): ApiError {
  const message = rec.error ?? "The job ended without images.";
  const headers = { "x-should-retry": "false" };
  if (rec.status === "CANCELLED") return new ApiError("conflict", "The job was cancelled before it finished.", { headers });
  if (rec.status !== "FAILED") return new ApiError("timeout", "The job did not finish in time.", { headers });
  switch (rec.errorCode) {
    case "moderated":
      return new ApiError("moderated", message, { headers });
    case "invalid":
      return new ApiError("invalid_request", message, { headers });
    case "timeout":
      return new ApiError("timeout", message, { headers });
    default:
      return new ApiError("upstream_failed", message, { headers });
  }
}
