import type { RouteDocs } from "../../docs/registry";
import { ApiError, invalidField } from "../../lib/errors";
import { createHeaders, idempotencyKeyParam } from "../idempotency-key.docs";
import { leonardoErrors } from "./errors.docs";
import { GenerateAnswer, GenerationAnswer, InitImageAnswer } from "./responses";
import { notMultipart, uploadTooLarge } from "./routes";
import { UploadForm } from "./schemas";
import { POLICY_TTL_MS } from "./upload-policy";

// The documentation of /api/rest (routes.ts).

const TAG = "Leonardo-compatible";

const inFlight = new ApiError("conflict", "A request with this Idempotency-Key is still being admitted; retry shortly.");

export const leonardoDocs = {
  leonardoCreateGeneration: {
    summary: "Create a generation (Leonardo)",
    description:
      "Leonardo's `POST /v2/generations` for its GPT Image models, so a Leonardo client changes only its base URL and " +
      "key. Parameters sit under `parameters`; `quality` is LOW, MEDIUM or HIGH; references go in " +
      "`guidances.image_reference` (uploads from init-image, or earlier generated images). Unknown fields are refused; " +
      "`mode` is retired (use `quality`).",
    tag: TAG,
    auth: "key",
    params: { "Idempotency-Key": idempotencyKeyParam("a 422 in Leonardo's envelope (`code` `unprocessable`)", " A replay answers with the same generationId.") },
    responses: {
      200: {
        description: "The generation is queued.",
        schema: GenerateAnswer,
        headers: {
          ...createHeaders,
          Deprecation: "Set when the model is deprecated (RFC 9745).",
          Sunset: "The date the deprecated model stops answering (RFC 8594).",
          "imagegate-model-upgrade": "`<retired> -> <successor>` when the operator's RETIRED_MODEL_UPGRADES served a retired model's request with its successor.",
        },
      },
      ...leonardoErrors(400, 401, 402, inFlight, 410, 413, 415, 422, 429, 503),
    },
  },
  leonardoGetGeneration: {
    summary: "Get a generation (Leonardo)",
    description: "Status PENDING, COMPLETE or FAILED; the images once COMPLETE. An unknown id is `generations_by_pk: null`, as on Leonardo.",
    tag: TAG,
    auth: "key",
    responses: { 200: { description: "The generation, or null.", schema: GenerationAnswer }, ...leonardoErrors(400, 401) },
  },
  leonardoInitImage: {
    summary: "Start an image upload (Leonardo)",
    description:
      "The first of Leonardo's two upload steps: answers a URL and form fields. POST the fields and then the file to " +
      `that URL as multipart/form-data within ${POLICY_TTL_MS / 60_000} minutes, with no API key; then name \`id\` as an ` +
      "`UPLOADED` image reference.",
    tag: TAG,
    auth: "key",
    responses: {
      200: { description: "Where and how to upload.", schema: InitImageAnswer },
      ...leonardoErrors(invalidField("extension", "must be png, jpg, jpeg, webp"), 401, 413, 415),
    },
  },
  leonardoUploadImage: {
    summary: "Upload an image (Leonardo)",
    description:
      "The second upload step, in place of Leonardo's presigned S3 form: no API key; the signed policy in the fields " +
      "from init-image is the authority. Each policy uploads once. An upload takes a token of the create rate limit " +
      "of the key that asked for the policy and room in the account's storage quota; past either it is refused with " +
      "429 and `Retry-After`, before anything is stored.",
    tag: TAG,
    auth: "none",
    body: { content: { "multipart/form-data": UploadForm } },
    responses: {
      204: { description: "Stored." },
      ...leonardoErrors(invalidField("file", "is required, as the last part of the form"), 403, 409, uploadTooLarge(), notMultipart(), 429),
    },
  },
} satisfies RouteDocs;
