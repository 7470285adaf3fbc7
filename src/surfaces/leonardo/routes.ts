import { publicOrigin } from "../../files/signing";
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as z from "zod";
import type { AppEnv } from "../../env";
import { requireKey } from "../../accounts/auth";
import { storeClientUpload } from "../../files/client-upload";
import { findUpload, MAX_UPLOAD_BYTES } from "../../files/uploads";
import { admit, readOwnJob } from "../../jobs/admit";
import { now } from "../../lib/clock";
import { ApiError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { jsonBody } from "../../lib/json-body";
import { validate } from "../../lib/validation";
import { doc } from "../../docs/registry";
import { idempotencyOf } from "../idempotency-key";
import { renderLeonardoError } from "./errors";
import { generationView } from "./generation-view";
import type { GenerateAnswer, GenerationAnswer, InitImageAnswer } from "./responses";
import { InitImageRequest, LeonardoGenerationRequest, UploadForm } from "./schemas";
import { leonardoToJobRequest } from "./to-spec";
import { POLICY_TTL_MS, checkUploadFields, mimeOf, uploadFields, uploadKeyOf } from "./upload-policy";

// /api/rest: Leonardo's REST dialect (seeds 000 and 001), so a Leonardo client changes only its base URL and key.
// Documented in routes.docs.ts.

export const leonardo = new Hono<AppEnv>();
leonardo.onError(renderLeonardoError);

const UPLOAD_PATH = "/v1/init-image/upload";
const GenerationParams = z.object({ id: z.string().max(64).meta({ description: "The generationId from the create call." }) });

leonardo.post("/v2/generations", doc("leonardoCreateGeneration"), requireKey(), jsonBody(), validate("json", LeonardoGenerationRequest), async (c) => {
  const body = c.req.valid("json");
  const idempotency = await idempotencyOf(c.req.header("idempotency-key"), "POST /api/rest/v2/generations", body);
  const request = await leonardoToJobRequest(body, c.env, c.get("principal").accountId, now());
  const { job, headers } = await admit(c.env, c.get("principal"), request, new URL(c.req.url).origin, { idempotency });
  const answer: z.infer<typeof GenerateAnswer> = { generate: { generationId: job.id, apiCreditCost: job.creditCost } };
  return c.json(answer, 200, headers);
});

leonardo.get("/v1/generations/:id", doc("leonardoGetGeneration"), requireKey(), validate("param", GenerationParams), async (c) => {
  try {
    const rec = await readOwnJob(c.env, c.get("principal"), c.req.valid("param").id);
    const answer: z.infer<typeof GenerationAnswer> = { generations_by_pk: await generationView(c.env, rec, new URL(c.req.url).origin, now()) };
    return c.json(answer);
  } catch (err) {
    // Leonardo (Hasura) answers an unknown or foreign id with null, not 404.
    if (err instanceof ApiError && err.reason === "not_found") return c.json({ generations_by_pk: null });
    throw err;
  }
});

leonardo.post("/v1/init-image", doc("leonardoInitImage"), requireKey(), jsonBody(), validate("json", InitImageRequest), async (c) => {
  const policy = { accountId: c.get("principal").accountId, uploadId: newId("upl"), extension: c.req.valid("json").extension, expiresAt: now() + POLICY_TTL_MS };
  const fields = await uploadFields(c.env, policy);
  const url = `${publicOrigin(c.env, new URL(c.req.url).origin)}/api/rest${UPLOAD_PATH}`;
  const answer: z.infer<typeof InitImageAnswer> = { uploadInitImage: { id: policy.uploadId, url, fields: JSON.stringify(fields), key: uploadKeyOf(policy) } };
  return c.json(answer);
});

export const notMultipart = (): ApiError => new ApiError("unsupported_media_type", "Send the upload as multipart/form-data: the fields from init-image, then the file.");
export const uploadTooLarge = (): ApiError => new ApiError("payload_too_large", `An upload may be at most ${MAX_UPLOAD_BYTES} bytes.`);

/** A multipart body parsed once (the validator reuses it), with a broken form as the client's error. */
const formBody = (): MiddlewareHandler => async (c, next) => {
  if (!/^multipart\/form-data\s*;/i.test(c.req.header("content-type") ?? "")) throw notMultipart();
  try {
    await c.req.formData();
  } catch {
    throw new ApiError("invalid_request", "The body is not a valid multipart form.");
  }
  await next();
};

const uploadLimit = bodyLimit({
  maxSize: MAX_UPLOAD_BYTES + 64 * 1024,
  onError: () => {
    throw uploadTooLarge();
  },
});

// No API key here, as with Leonardo's presigned S3 form: the signed policy in the fields is the authority.
leonardo.post(UPLOAD_PATH, doc("leonardoUploadImage"), uploadLimit, formBody(), validate("form", UploadForm), async (c) => {
  const form = c.req.valid("form");
  const at = now();
  const policy = await checkUploadFields(c.env, form, at);
  if (await findUpload(c.env.FILES, policy.accountId, policy.uploadId, at)) {
    throw new ApiError("conflict", `Upload ${policy.uploadId} has already been made; ask init-image for a new one.`);
  }
  const upload = await storeClientUpload(c.env.FILES, policy.accountId, form.file.stream(), "file", at, policy.uploadId);
  if (upload.file.contentType !== mimeOf(policy.extension)) {
    await c.env.FILES.delete(upload.file.key);
    const message = `is ${upload.file.contentType}, but init-image was asked for ${policy.extension}`;
    throw new ApiError("invalid_request", `file ${message}.`, { errors: [{ path: "file", message }] });
  }
  return c.body(null, 204);
});

leonardo.all("*", (c) => {
  throw new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`);
});
