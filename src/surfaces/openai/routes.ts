import { Hono, type Context, type MiddlewareHandler } from "hono";
import { every } from "hono/combine";
import { bodyLimit } from "hono/body-limit";
import * as z from "zod";
import type { AppEnv } from "../../env";
import { requireKey } from "../../accounts/auth";
import { admitJob } from "../../jobs/admit";
import { now } from "../../lib/clock";
import { ApiError } from "../../lib/errors";
import { jsonBody } from "../../lib/json-body";
import type { Json } from "../../lib/json";
import { validate } from "../../lib/validation";
import { KEEP_ALIVE, answerWhenDone } from "./answer";
import { formEditInputs, jsonEditInputs, type EditInputs } from "./edit-inputs";
import { doc } from "../../docs/registry";
import { openaiErrors, renderOpenAIError } from "./errors";
import { OpenAIModel, OpenAIModelList, openaiModel, servedModels } from "./models";
import { ImagesResponse, imageEvents } from "./responses";
import { EditFormRequest, EditJsonRequest, GenerationRequest, type ImageRequestFields } from "./schemas";
import { openaiToJobRequest } from "./to-spec";

// /v1: OpenAI's Images API, so the official SDK works with only its base URL and key changed. Routes stay thin.

export const openai = new Hono<AppEnv>();
openai.onError(renderOpenAIError);

/** Edits carry images: JSON with data: URLs or a multipart form, both far larger than a generation's body. */
const MAX_EDIT_BYTES = 32 * 1024 * 1024;

const isJson = (type: string | undefined): boolean => /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type ?? "");

const notAnEdit = (type: string): ApiError =>
  new ApiError("unsupported_media_type", `Send the edit as multipart/form-data or application/json (got ${type || "no content type"}).`);
const editTooLarge = (): ApiError =>
  new ApiError("payload_too_large", `An edit's body may be at most ${MAX_EDIT_BYTES} bytes; give large images as https URLs.`);

/** A multipart body parsed once (the validator reuses it), with a broken form as the client's error, not ours. */
const formBody = (): MiddlewareHandler => async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(type)) throw notAnEdit(type);
  try {
    await c.req.formData();
  } catch {
    throw new ApiError("invalid_request", "The body is not a valid multipart form.");
  }
  await next();
};

const editBodyLimit = bodyLimit({
  maxSize: MAX_EDIT_BYTES,
  onError: () => {
    throw editTooLarge();
  },
});

async function admitAndAnswer(c: Context<AppEnv>, kind: "generation" | "edit", body: ImageRequestFields, inputs: EditInputs | null): Promise<Response> {
  const request = openaiToJobRequest(body, inputs?.references ?? [], inputs?.mask ?? null, inputs?.input ?? (body as unknown as Json));
  const rec = await admitJob(c.env, c.get("principal"), request, new URL(c.req.url).origin);
  return answerWhenDone(c.env, rec, { kind, stream: body.stream === true, format: body.response_format === "url" ? "url" : "b64_json" });
}

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
  Deprecation: "Set when the model is deprecated (RFC 9745).",
  Sunset: "The date the deprecated model stops answering (RFC 8594).",
};

const ADMISSION_ERRORS = [401, 402, 409, 410, 422, 429, 502, 503, 504];

const generationsDoc = doc({
  operationId: "openaiCreateImage",
  summary: "Create an image (OpenAI)",
  description: `OpenAI's \`images.generate\`: point the official SDK's base URL at \`/v1\`. ${ANSWER}`,
  tag: TAG,
  auth: "key",
  responses: {
    200: {
      description: ANSWERED,
      schema: ImagesResponse,
      headers: imageHeaders,
      alternatives: { "text/event-stream": { schema: imageEvents("image_generation") } },
    },
    ...openaiErrors(400, ...ADMISSION_ERRORS, 413, 415),
  },
});

openai.post("/images/generations", generationsDoc, requireKey(), jsonBody(), validate("json", GenerationRequest), (c) =>
  admitAndAnswer(c, "generation", c.req.valid("json"), null),
);

/** The edit's body, validated per its content type: JSON (image URLs) or a multipart form (files). */
const jsonEdit = every(jsonBody(MAX_EDIT_BYTES), validate("json", EditJsonRequest));
const formEdit = every(formBody(), validate("form", EditFormRequest));
const editBody: MiddlewareHandler<AppEnv, string, { out: { json: EditJsonRequest; form: EditFormRequest } }> = (c, next) =>
  isJson(c.req.header("content-type")) ? jsonEdit(c, next) : formEdit(c, next);

const editsDoc = doc({
  operationId: "openaiEditImage",
  summary: "Edit an image (OpenAI)",
  description:
    "OpenAI's `images.edit`: reference images and an optional PNG mask, as files in a multipart form " +
    "(`image`, `image[]`, `mask`) or as `image_url`s in JSON (https URLs or `data:image/…;base64` URLs). The body " +
    `may be up to ${MAX_EDIT_BYTES / (1024 * 1024)} MB. ${ANSWER}`,
  tag: TAG,
  auth: "key",
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
});

openai.post("/images/edits", editsDoc, requireKey(), editBodyLimit, editBody, async (c) => {
  const accountId = c.get("principal").accountId;
  if (isJson(c.req.header("content-type"))) {
    const body = c.req.valid("json");
    return admitAndAnswer(c, "edit", body, await jsonEditInputs(c.env, accountId, body, now()));
  }
  const body = c.req.valid("form");
  return admitAndAnswer(c, "edit", body, await formEditInputs(c.env, accountId, body, now()));
});

const ModelParams = z.object({ model: z.string().max(128).meta({ description: "A model id, e.g. `gpt-image-2`." }) });

const noSuchModel = (model: string): ApiError =>
  new ApiError("not_found", `The model '${model}' does not exist.`, { errors: [{ path: "model", message: "does not exist" }] });

const listModelsDoc = doc({
  operationId: "openaiListModels",
  summary: "List models (OpenAI)",
  description: "The models still served, in OpenAI's list shape.",
  tag: TAG,
  auth: "key",
  responses: { 200: { description: "The models.", schema: OpenAIModelList }, ...openaiErrors(401) },
});

openai.get("/models", listModelsDoc, requireKey(), (c) => {
  const list: z.infer<typeof OpenAIModelList> = { object: "list", data: servedModels(now()).map(openaiModel) };
  return c.json(list);
});

const getModelDoc = doc({
  operationId: "openaiGetModel",
  summary: "Get a model (OpenAI)",
  tag: TAG,
  auth: "key",
  responses: { 200: { description: "The model.", schema: OpenAIModel }, ...openaiErrors(400, 401, noSuchModel("dall-e-3")) },
});

openai.get("/models/:model", getModelDoc, requireKey(), validate("param", ModelParams), (c) => {
  const { model } = c.req.valid("param");
  const entry = servedModels(now()).find((e) => e.id === model);
  if (!entry) throw noSuchModel(model);
  return c.json(openaiModel(entry));
});

openai.all("*", (c) => {
  throw new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`);
});
