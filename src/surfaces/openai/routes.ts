import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "../../lib/hono-app";
import * as z from "../../lib/zod";
import type { AppEnv } from "../../env";
import { requireKey } from "../../accounts/auth";
import { admit, type Admission } from "../../jobs/admit";
import { now } from "../../lib/clock";
import { ApiError } from "../../lib/errors";
import { isJsonType as isJson, jsonBody } from "../../lib/json-body";
import type { Json } from "../../lib/json";
import { isFormData } from "../../lib/streams/multipart-form";
import { validate, validationHook } from "../../lib/validation";
import { admissionWaitMs, answerWhenDone } from "./answer";
import { jsonEditInputs, type EditInputs } from "./edit-inputs";
import { forgetUploads } from "../../files/uploads";
import { hashedEditBody, readJsonEdit } from "./json-edit-body";
import { readEditForm } from "./edit-form";
import { doc } from "../../docs/registry";
import { idempotencyOf } from "../idempotency-key";
import { renderOpenAIError } from "./errors";
import { servedModels } from "./models";
import type { OpenAIModelList } from "./responses";
import { EditJsonRequest, GenerationRequest, type ImageRequestFields } from "./schemas";
import { openaiToJobRequest } from "./to-spec";

// /v1: OpenAI's Images API, so the official SDK works with only its base URL and key changed. Routes stay thin.
// Documented in routes.docs.ts.

export const openaiRoutes = new Hono<AppEnv>();
openaiRoutes.onError(renderOpenAIError);

/** Edits carry images: JSON with data: URLs or a multipart form, both far larger than a generation's body. */
export const MAX_EDIT_BYTES = 32 * 1024 * 1024;

export const notAnEdit = (type: string): ApiError =>
  new ApiError("unsupported_media_type", `Send the edit as multipart/form-data or application/json (got ${type || "no content type"}).`);
export const editTooLarge = (): ApiError =>
  new ApiError("payload_too_large", `An edit's body may be at most ${MAX_EDIT_BYTES} bytes; give large images as https URLs.`);

/** A multipart body is read as a stream by the handler (edit-form.ts); here only its type is checked. */
const formBody = (): MiddlewareHandler => async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!isFormData(type)) throw notAnEdit(type);
  await next();
};

/**
 * A declared length over the limit is refused before the body is read. An undeclared one is counted by the streaming
 * readers (json-edit-body.ts, edit-form.ts), which stop at the limit: hono's bodyLimit would buffer the whole body.
 */
const editBodyLimit: MiddlewareHandler = async (c, next) => {
  const length = c.req.header("content-length");
  if (length !== undefined && Number(length) > MAX_EDIT_BYTES) throw editTooLarge();
  await next();
};

const ROUTES = { generation: "POST /v1/images/generations", edit: "POST /v1/images/edits" } as const;

/** A request as admission takes it: its fields, an edit's images (null for a generation), and what its hash reads. */
interface Prepared {
  body: ImageRequestFields;
  edit: EditInputs | null;
  /** The body as the Idempotency-Key hashes it: an edit's images by the sha256 of their bytes, not their upload ids. */
  hashed: unknown;
}

const REPLAYED = "Idempotent-Replayed";

/**
 * Admits a request and answers it. `stored` are the R2 keys the request already wrote (an edit's images, EditInputs):
 * they are deleted when anything refuses or fails before admission makes a new job of them (`prepare`'s validation,
 * the Idempotency-Key, 402, 429, 410, any throw), and when a replay answers with the first request's job.
 */
async function admitAndAnswer(c: Context<AppEnv>, kind: "generation" | "edit", stored: readonly string[], prepare: () => Promise<Prepared>): Promise<Response> {
  let prepared: Prepared;
  let admission: Admission;
  try {
    prepared = await prepare();
    const { body, edit, hashed } = prepared;
    const idempotency = await idempotencyOf(c.req.header("idempotency-key"), ROUTES[kind], hashed);
    const request = openaiToJobRequest(body, edit?.references ?? [], edit?.mask ?? null, edit?.input ?? (body as unknown as Json));
    admission = await admit(c.env, c.get("principal"), request, new URL(c.req.url).origin, { idempotency, waitMs: admissionWaitMs(body.stream === true) });
  } catch (err) {
    await forgetUploads(c.env.FILES, stored);
    throw err;
  }
  if (admission.headers[REPLAYED] === "true") await forgetUploads(c.env.FILES, stored);
  const { body } = prepared;
  return answerWhenDone(c.env, admission, {
    kind,
    stream: body.stream === true,
    format: body.response_format === "url" ? "url" : "b64_json",
    headers: admission.headers,
    requestId: c.get("requestId"),
  });
}

openaiRoutes.post("/images/generations", doc("openaiCreateImage"), requireKey(), jsonBody(), validate("json", GenerationRequest), (c) => {
  const body = c.req.valid("json");
  return admitAndAnswer(c, "generation", [], async () => ({ body, edit: null, hashed: body }));
});

/** The edit's body, read as a stream by the handler per its content type: JSON (image URLs) or a multipart form (files). */
const formEdit = formBody();
const editBody: MiddlewareHandler<AppEnv> = (c, next) => (isJson(c.req.header("content-type")) ? next() : formEdit(c, next));

/** A streamed JSON edit's body, validated with the schema the documentation shows. */
async function validJsonEdit(value: Json): Promise<EditJsonRequest> {
  const result = await EditJsonRequest.safeParseAsync(value);
  validationHook(result);
  return result.data!;
}

openaiRoutes.post("/images/edits", doc("openaiEditImage"), requireKey(), editBodyLimit, editBody, async (c) => {
  const accountId = c.get("principal").accountId;
  if (isJson(c.req.header("content-type"))) {
    const streamed = await readJsonEdit(c.env, accountId, c.req.raw.body, now(), { maxBytes: MAX_EDIT_BYTES, tooLarge: editTooLarge });
    return admitAndAnswer(c, "edit", streamed.stored, async () => {
      const body = await validJsonEdit(streamed.body);
      return { body, edit: jsonEditInputs(c.env, body, streamed), hashed: hashedEditBody(body, streamed.dataUrls) };
    });
  }
  const form = await readEditForm(c.env, accountId, c.req.raw, now(), MAX_EDIT_BYTES, editTooLarge);
  return admitAndAnswer(c, "edit", form.inputs.stored, async () => ({ body: form.body, edit: form.inputs, hashed: form.body }));
});

const ModelParams = z.object({ model: z.withMeta(z.string().check(z.maxLength(128)), { description: "A model id, e.g. `gpt-image-2`." }) });

export const noSuchModel = (model: string): ApiError =>
  new ApiError("not_found", `The model '${model}' does not exist.`, { errors: [{ path: "model", message: "does not exist" }] });

openaiRoutes.get("/models", doc("openaiListModels"), requireKey(), async (c) => {
  const list: z.infer<typeof OpenAIModelList> = { object: "list", data: await servedModels(c.env, now()) };
  return c.json(list);
});

openaiRoutes.get("/models/:model", doc("openaiGetModel"), requireKey(), validate("param", ModelParams), async (c) => {
  const { model } = c.req.valid("param");
  const served = (await servedModels(c.env, now())).find((m) => m.id === model);
  if (!served) throw noSuchModel(model);
  return c.json(served);
});

openaiRoutes.all("*", (c) => {
  throw new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`);
});
