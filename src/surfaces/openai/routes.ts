import { Hono, type Context, type MiddlewareHandler } from "hono";
import { every } from "hono/combine";
import { bodyLimit } from "hono/body-limit";
import * as z from "zod";
import type { AppEnv } from "../../env";
import { requireKey } from "../../accounts/auth";
import { admit } from "../../jobs/admit";
import { now } from "../../lib/clock";
import { ApiError } from "../../lib/errors";
import { jsonBody } from "../../lib/json-body";
import type { Json } from "../../lib/json";
import { validate } from "../../lib/validation";
import { answerWhenDone } from "./answer";
import { formEditInputs, jsonEditInputs, type EditInputs } from "./edit-inputs";
import { doc } from "../../docs/registry";
import { idempotencyOf } from "../idempotency-key";
import { renderOpenAIError } from "./errors";
import { servedModels, type OpenAIModelList } from "./models";
import { EditFormRequest, EditJsonRequest, GenerationRequest, type ImageRequestFields } from "./schemas";
import { openaiToJobRequest } from "./to-spec";

// /v1: OpenAI's Images API, so the official SDK works with only its base URL and key changed. Routes stay thin.
// Documented in routes.docs.ts.

export const openai = new Hono<AppEnv>();
openai.onError(renderOpenAIError);

/** Edits carry images: JSON with data: URLs or a multipart form, both far larger than a generation's body. */
export const MAX_EDIT_BYTES = 32 * 1024 * 1024;

const isJson = (type: string | undefined): boolean => /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type ?? "");

export const notAnEdit = (type: string): ApiError =>
  new ApiError("unsupported_media_type", `Send the edit as multipart/form-data or application/json (got ${type || "no content type"}).`);
export const editTooLarge = (): ApiError =>
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

const ROUTES = { generation: "POST /v1/images/generations", edit: "POST /v1/images/edits" } as const;

/**
 * The Idempotency-Key is read first, so a bad key stores nothing; an edit's images are stored after it (`inputs`).
 * A replay answers with the first request's job, as that request was answered.
 */
async function admitAndAnswer(
  c: Context<AppEnv>,
  kind: "generation" | "edit",
  body: ImageRequestFields,
  inputs: (() => Promise<EditInputs>) | null,
): Promise<Response> {
  const idempotency = await idempotencyOf(c.req.header("idempotency-key"), ROUTES[kind], body);
  const edit = inputs ? await inputs() : null;
  const request = openaiToJobRequest(body, edit?.references ?? [], edit?.mask ?? null, edit?.input ?? (body as unknown as Json));
  const { job, headers } = await admit(c.env, c.get("principal"), request, new URL(c.req.url).origin, { idempotency });
  return answerWhenDone(c.env, job, {
    kind,
    stream: body.stream === true,
    format: body.response_format === "url" ? "url" : "b64_json",
    headers,
    requestId: c.get("requestId"),
  });
}

openai.post("/images/generations", doc("openaiCreateImage"), requireKey(), jsonBody(), validate("json", GenerationRequest), (c) =>
  admitAndAnswer(c, "generation", c.req.valid("json"), null),
);

/** The edit's body, validated per its content type: JSON (image URLs) or a multipart form (files). */
const jsonEdit = every(jsonBody(MAX_EDIT_BYTES), validate("json", EditJsonRequest));
const formEdit = every(formBody(), validate("form", EditFormRequest));
const editBody: MiddlewareHandler<AppEnv, string, { out: { json: EditJsonRequest; form: EditFormRequest } }> = (c, next) =>
  isJson(c.req.header("content-type")) ? jsonEdit(c, next) : formEdit(c, next);

openai.post("/images/edits", doc("openaiEditImage"), requireKey(), editBodyLimit, editBody, async (c) => {
  const accountId = c.get("principal").accountId;
  if (isJson(c.req.header("content-type"))) {
    const body = c.req.valid("json");
    return admitAndAnswer(c, "edit", body, () => jsonEditInputs(c.env, accountId, body, now()));
  }
  const body = c.req.valid("form");
  return admitAndAnswer(c, "edit", body, () => formEditInputs(c.env, accountId, body, now()));
});

const ModelParams = z.object({ model: z.string().max(128).meta({ description: "A model id, e.g. `gpt-image-2`." }) });

export const noSuchModel = (model: string): ApiError =>
  new ApiError("not_found", `The model '${model}' does not exist.`, { errors: [{ path: "model", message: "does not exist" }] });

openai.get("/models", doc("openaiListModels"), requireKey(), async (c) => {
  const list: z.infer<typeof OpenAIModelList> = { object: "list", data: await servedModels(c.env, now()) };
  return c.json(list);
});

openai.get("/models/:model", doc("openaiGetModel"), requireKey(), validate("param", ModelParams), async (c) => {
  const { model } = c.req.valid("param");
  const served = (await servedModels(c.env, now())).find((m) => m.id === model);
  if (!served) throw noSuchModel(model);
  return c.json(served);
});

openai.all("*", (c) => {
  throw new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`);
});
