import * as z from "zod";
import { errorResponses, type ErrorDoc } from "../../docs/errors";
import type { ResponseDoc } from "../../docs/registry";
import { ApiError, invalidField, type Reason } from "../../lib/errors";
import { openaiErrorBody, type OpenAIErrorBody } from "./errors";

// OpenAI's error envelope, documentation only (errors.ts builds its bodies with the type), and error responses in it
// for the docs modules, each example rendered by openaiErrorBody, as /v1 renders errors.

export const OpenAIError = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string().meta({ description: "`invalid_request_error`, `insufficient_quota`, `requests`, `image_generation_user_error` or `server_error`." }),
      param: z.string().nullable().meta({ description: "The parameter at fault, e.g. `size` or `images[0].image_url`." }),
      code: z.string().nullable().meta({ description: "E.g. `invalid_value`, `unknown_parameter`, `invalid_api_key`, `moderation_blocked`." }),
    }),
  })
  .meta({ id: "OpenAIError", description: "OpenAI's error envelope; the openai SDK raises it as an APIError." }) satisfies z.ZodType<OpenAIErrorBody>;

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
