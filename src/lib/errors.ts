// The closed set of reasons a request can fail. Each surface renders an ApiError in its own envelope, in one place.

export const REASONS = {
  invalid_request: { status: 400, title: "Invalid request" },
  malformed_json: { status: 400, title: "Malformed JSON" },
  unauthorized: { status: 401, title: "Unauthorized" },
  insufficient_credits: { status: 402, title: "Insufficient credits" },
  forbidden: { status: 403, title: "Forbidden" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  model_retired: { status: 410, title: "Model retired" },
  precondition_failed: { status: 412, title: "Precondition failed" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  range_not_satisfiable: { status: 416, title: "Range not satisfiable" },
  unprocessable: { status: 422, title: "Unprocessable request" },
  no_provider: { status: 422, title: "No provider can serve this request" },
  moderated: { status: 400, title: "Refused by moderation" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal error" },
  upstream_failed: { status: 502, title: "The providers failed" },
  unavailable: { status: 503, title: "Service unavailable" },
  timeout: { status: 504, title: "Timed out" },
} as const satisfies Record<string, { status: number; title: string }>;

export type Reason = keyof typeof REASONS;

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly reason: Reason;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  /** Extra members for the body (e.g. creditsRequired on a 402). */
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    reason: Reason,
    detail: string,
    options: { errors?: FieldError[]; extra?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.reason = reason;
    this.status = REASONS[reason].status;
    this.errors = options.errors;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

/** The 400 for fields that failed validation, each named in the detail as `path: message`. */
export const invalidFields = (errors: FieldError[]): ApiError =>
  new ApiError("invalid_request", errors.map((e) => `${e.path}: ${e.message}`).join("; "), { errors });

/** The 400 for one field. */
export const invalidField = (path: string, message: string): ApiError => invalidFields([{ path, message }]);

/**
 * Any thrown value as an ApiError. An unknown error never leaks its message to the client, who is told that the request
 * id finds it in our logs: so it is logged here, once (an ApiError passes through unlogged), with its stack.
 */
export function asApiError(err: unknown, requestId: string | null): ApiError {
  if (err instanceof ApiError) return err;
  console.error(JSON.stringify({ msg: "unknown error", requestId, error: err instanceof Error ? (err.stack ?? String(err)) : String(err) }));
  return new ApiError("internal", "Something went wrong on our side. The request id identifies it in our logs.");
}
