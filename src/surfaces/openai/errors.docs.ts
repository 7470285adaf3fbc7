import { errorResponses, invalidField, type ErrorDoc } from "../../docs/errors";
import type { ResponseDoc } from "../../docs/registry";
import { ApiError, type Reason } from "../../lib/errors";
import { OpenAIError, openaiErrorBody } from "./errors";

// Error responses in OpenAI's envelope for the docs modules, each example rendered by openaiErrorBody, as /v1 renders errors.

/** An example for the reasons /v1 commonly answers with. */
const EXAMPLES: Partial<Record<Reason, ApiError>> = {
  invalid_request: invalidField("size", "4096x4096 is too large: gpt-image-2 needs max(width, height) < 3840"),
  not_found: new ApiError("not_found", "The model 'dall-e-3' does not exist.", { errors: [{ path: "model", message: "does not exist" }] }),
  conflict: new ApiError("conflict", "The job was cancelled before it finished."),
  model_retired: new ApiError("model_retired", "gpt-image-1.5 was retired on 2026-12-01; use gpt-image-2.6-sunburst or gpt-image-2.6-flare instead.", {
    extra: { successors: ["gpt-image-2.6-sunburst", "gpt-image-2.6-flare"] },
  }),
  upstream_failed: new ApiError("upstream_failed", "Every provider failed; last error: openai answered 500."),
  timeout: new ApiError("timeout", "The job did not finish in time."),
};

/** Error responses in OpenAI's envelope for a route's docs: `...openaiErrors(400, 401)`, or an ApiError to show as its status's example. */
export const openaiErrors = (...errors: ErrorDoc[]): Record<number, ResponseDoc> =>
  errorResponses({ schema: OpenAIError, contentType: "application/json", body: openaiErrorBody }, EXAMPLES, errors);
