import type { RouteDocs } from "../../docs/registry";
import { KEEP_ALIVE } from "./answer";
import { createHeaders, idempotencyKeyParam } from "../idempotency-key.docs";
import { openaiErrors } from "./errors.docs";
import { ImagesResponse, OpenAIModel, OpenAIModelList, imageEvents } from "./responses";
import { MAX_EDIT_BYTES, editTooLarge, noSuchModel, notAnEdit } from "./routes";
import { EditFormRequest, EditJsonRequest } from "./schemas";

// The documentation of /v1 (routes.ts).

const TAG = "OpenAI-compatible";

const GRACE_S = KEEP_ALIVE.graceMs / 1000;
const ANSWER =
  `OpenAI answers at once; imagegate runs a job, and the request waits for it. A job that ends within ${GRACE_S} s gets an ` +
  "ordinary answer: 200 with the images, or the error's own status. A longer one gets 200 at once and a space every " +
  `${KEEP_ALIVE.intervalMs / 1000} s until it ends (JSON parsers skip leading whitespace); a failure then comes as the ` +
  "error object in that 200 body. With `stream: true` the answer is server-sent events. Unknown parameters are " +
  "refused, as OpenAI does; `model` may be left out (the newest model is used).";
const ANSWERED = `The images (or, for a job that outlasted the first ${GRACE_S} s and then failed, the error object).`;

const imageHeaders = {
  "x-imagegate-job-id": "The job behind the answer: `GET /v2/jobs/{id}` shows its attempts and files.",
  ...createHeaders,
  Deprecation: "Set when the model is deprecated (RFC 9745).",
  Sunset: "The date the deprecated model stops answering (RFC 8594).",
};

const idempotency = {
  "Idempotency-Key": idempotencyKeyParam(
    "a 422 in OpenAI's envelope (`code` `unprocessable`: the SDK raises UnprocessableEntityError and does not retry it)",
    " A replay answers with the same job's images. The openai SDK sends no key of its own: pass one per call " +
      '(`{ headers: { "Idempotency-Key": key } }`); its retries of that call reuse it.',
  ),
};

const ADMISSION_ERRORS = [401, 402, 409, 410, 422, 429, 502, 503, 504];

export const openaiDocs = {
  openaiCreateImage: {
    summary: "Create an image (OpenAI)",
    description: `OpenAI's \`images.generate\`: point the official SDK's base URL at \`/v1\`. ${ANSWER}`,
    tag: TAG,
    auth: "key",
    params: idempotency,
    responses: {
      200: {
        description: ANSWERED,
        schema: ImagesResponse,
        headers: imageHeaders,
        alternatives: { "text/event-stream": { schema: imageEvents("image_generation") } },
      },
      ...openaiErrors(400, ...ADMISSION_ERRORS, 413, 415),
    },
  },
  openaiEditImage: {
    summary: "Edit an image (OpenAI)",
    description:
      "OpenAI's `images.edit`: reference images and an optional PNG mask, as files in a multipart form " +
      "(`image`, `image[]`, `mask`) or as `image_url`s in JSON (https URLs or `data:image/…;base64` URLs). The body " +
      `may be up to ${MAX_EDIT_BYTES / (1024 * 1024)} MB. ${ANSWER}`,
    tag: TAG,
    auth: "key",
    params: idempotency,
    body: { content: { "multipart/form-data": EditFormRequest, "application/json": EditJsonRequest } },
    responses: {
      200: {
        description: ANSWERED,
        schema: ImagesResponse,
        headers: imageHeaders,
        alternatives: { "text/event-stream": { schema: imageEvents("image_edit") } },
      },
      ...openaiErrors(400, ...ADMISSION_ERRORS, editTooLarge(), notAnEdit("text/plain")),
    },
  },
  openaiListModels: {
    summary: "List models (OpenAI)",
    description: "The models still served, in OpenAI's list shape, each with its `shutdown_date` (null if none is announced).",
    tag: TAG,
    auth: "key",
    responses: { 200: { description: "The models.", schema: OpenAIModelList }, ...openaiErrors(401) },
  },
  openaiGetModel: {
    summary: "Get a model (OpenAI)",
    tag: TAG,
    auth: "key",
    responses: { 200: { description: "The model.", schema: OpenAIModel }, ...openaiErrors(400, 401, noSuchModel("dall-e-3")) },
  },
} satisfies RouteDocs;
