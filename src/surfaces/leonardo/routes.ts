import { publicOrigin } from "../../files/signing";
import { Hono } from "../../lib/hono-app";
import * as z from "../../lib/zod";
import type { AppEnv } from "../../env";
import { requireKey } from "../../accounts/auth";
import { storeClientUpload } from "../../files/client-upload";
import type { Part } from "../../lib/streams/multipart";
import { findUpload, MAX_UPLOAD_BYTES, UPLOAD_TTL_SECONDS } from "../../files/uploads";
import { declaredBytes, discardUpload, meteredUpload, type MeteredUpload } from "../../accounts/storage-gate";
import { admit, readOwnJob } from "../../jobs/admit";
import { now } from "../../lib/clock";
import { ApiError, invalidField } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { jsonBody } from "../../lib/json-body";
import { declaredLimit, fieldEntries, formObject, isFormData, readForm, type FormFields, type FormLimits } from "../../lib/streams/multipart-form";
import { validate, validationHook } from "../../lib/validation";
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

export const leonardoRoutes = new Hono<AppEnv>();
leonardoRoutes.onError(renderLeonardoError);

const UPLOAD_PATH = "/v1/init-image/upload";
const GenerationParams = z.object({ id: z.withMeta(z.string().check(z.maxLength(64)), { description: "The generationId from the create call." }) });

leonardoRoutes.post("/v2/generations", doc("leonardoCreateGeneration"), requireKey(), jsonBody(), validate("json", LeonardoGenerationRequest), async (c) => {
  const body = c.req.valid("json");
  const idempotency = await idempotencyOf(c.req.header("idempotency-key"), "POST /api/rest/v2/generations", body);
  const request = await leonardoToJobRequest(body, c.env, c.get("principal").accountId, now());
  const { job, headers } = await admit(c.env, c.get("principal"), request, new URL(c.req.url).origin, { idempotency });
  const answer: z.infer<typeof GenerateAnswer> = { generate: { generationId: job.id, apiCreditCost: job.creditCost } };
  return c.json(answer, 200, headers);
});

leonardoRoutes.get("/v1/generations/:id", doc("leonardoGetGeneration"), requireKey(), validate("param", GenerationParams), async (c) => {
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

leonardoRoutes.post("/v1/init-image", doc("leonardoInitImage"), requireKey(), jsonBody(), validate("json", InitImageRequest), async (c) => {
  const { accountId, keyId, requestsPerMinute } = c.get("principal");
  const policy = { accountId, keyId, requestsPerMinute, uploadId: newId("upl"), extension: c.req.valid("json").extension, expiresAt: now() + POLICY_TTL_MS };
  const fields = await uploadFields(c.env, policy);
  const url = `${publicOrigin(c.env, new URL(c.req.url).origin)}/api/rest${UPLOAD_PATH}`;
  const answer: z.infer<typeof InitImageAnswer> = { uploadInitImage: { id: policy.uploadId, url, fields: JSON.stringify(fields), key: uploadKeyOf(policy) } };
  return c.json(answer);
});

export const notMultipart = (): ApiError => new ApiError("unsupported_media_type", "Send the upload as multipart/form-data: the fields from init-image, then the file.");
export const uploadTooLarge = (): ApiError => new ApiError("payload_too_large", `An upload may be at most ${MAX_UPLOAD_BYTES} bytes.`);

const FORM_LIMITS: FormLimits = {
  maxParts: 16,
  maxHeaderBytes: 8 * 1024,
  maxFieldBytes: 8 * 1024,
  maxFieldsBytes: 32 * 1024,
  maxTotalBytes: MAX_UPLOAD_BYTES + 64 * 1024,
};

const uploadLimit = declaredLimit(FORM_LIMITS.maxTotalBytes, uploadTooLarge);

const FieldsForm = z.omit(UploadForm, { file: true });

/** The form's fields, validated as init-image handed them out (the file is checked as it streams). */
function checkedFields(fields: FormFields): z.output<typeof FieldsForm> {
  const result = FieldsForm.safeParse(formObject(fieldEntries(fields)));
  validationHook(result);
  return result.data!;
}

// No API key here, as with Leonardo's presigned S3 form: the signed policy in the fields is the authority. The form
// is read as a stream: at the file (its last part) the fields are checked and the upload metered against the key that
// asked for it, and only then is the file streamed into R2.
leonardoRoutes.post(UPLOAD_PATH, doc("leonardoUploadImage"), uploadLimit, async (c) => {
  if (!isFormData(c.req.header("content-type") ?? "")) throw notMultipart();
  const at = now();
  let stored: MeteredUpload | null = null;
  const storeFile = async (part: Part, fields: FormFields): Promise<void> => {
    if (part.name !== "file" || stored) return;
    const policy = await checkUploadFields(c.env, checkedFields(fields), at);
    if (await findUpload(c.env.FILES, policy.accountId, policy.uploadId, at)) {
      throw new ApiError("conflict", `Upload ${policy.uploadId} has already been made; ask init-image for a new one.`);
    }
    const plan = { uploadId: policy.uploadId, bytes: declaredBytes(c.req.header("content-length")), expiresAt: at + UPLOAD_TTL_SECONDS * 1000, now: at };
    stored = await meteredUpload(c.env, policy, plan, async () => {
      const upload = await storeClientUpload(c.env.FILES, policy.accountId, part.body, "file", at, policy.uploadId);
      if (upload.file.contentType !== mimeOf(policy.extension)) {
        await c.env.FILES.delete(upload.file.key);
        const message = `is ${upload.file.contentType}, but init-image was asked for ${policy.extension}`;
        throw new ApiError("invalid_request", `file ${message}.`, { errors: [{ path: "file", message }] });
      }
      return upload;
    });
  };
  let fields: FormFields;
  try {
    fields = await readForm(c.req.raw, FORM_LIMITS, uploadTooLarge, storeFile);
  } catch (err) {
    // The file was stored, but the rest of the form is broken: it is not kept.
    if (stored) await discardUpload(c.env, (stored as MeteredUpload).upload);
    throw err;
  }
  if (!stored) {
    // No file: the whole form's validation says what is missing.
    validationHook(UploadForm.safeParse(formObject(fieldEntries(fields))));
    throw invalidField("file", "is required, as the last part of the form");
  }
  return c.body(null, 204, (stored as MeteredUpload).headers);
});

leonardoRoutes.all("*", (c) => {
  throw new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`);
});
