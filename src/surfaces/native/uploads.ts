import { Hono } from "../../lib/hono-app";
import { doc } from "../../docs/registry";
import type { AppEnv } from "../../env";
import { requireKey } from "../../accounts/auth";
import { mintFileUrl } from "../../files/signing";
import { UnsupportedImage } from "../../files/store";
import { MAX_UPLOAD_BYTES, UPLOAD_TTL_SECONDS, storeUpload, type Upload as StoredUpload } from "../../files/uploads";
import { declaredBytes, meteredUpload } from "../../accounts/storage-gate";
import { ApiError } from "../../lib/errors";
import { now } from "../../lib/clock";
import { newId } from "../../lib/ids";
import { declaredLimit, isFormData, readForm, type FormLimits } from "../../lib/streams/multipart-form";
import { FetchFailed } from "../../lib/fetch-errors";
import { renderProblem } from "../../lib/problem";

// POST /v2/uploads: a multipart `file` (png, jpeg or webp by its bytes, ≤ 25 MB) becomes a reference image that
// `input_images` can name by id until it expires. Documented in uploads.docs.ts, with the schemas of its form and
// answer. The form is read as a stream and the file streamed into R2 as it arrives, after the upload is metered
// (rate limit, storage quota): a refused upload writes nothing.

/** The answer (uploads.docs.ts documents it). */
export interface UploadView {
  id: string;
  url: string;
  contentType: string;
  byteSize: number;
  /** ISO 8601. */
  expiresAt: string;
}

/** Room for the multipart framing around a file of the maximum size. */
const FRAMING_BYTES = 64 * 1024;

const FORM_LIMITS: FormLimits = {
  maxParts: 32,
  maxHeaderBytes: 8 * 1024,
  maxFieldBytes: 16 * 1024,
  maxFieldsBytes: FRAMING_BYTES,
  maxTotalBytes: MAX_UPLOAD_BYTES + FRAMING_BYTES,
};

export const uploadRoutes = new Hono<AppEnv>();
uploadRoutes.onError(renderProblem);

export const tooLarge = (): ApiError => new ApiError("payload_too_large", `An upload may be at most ${MAX_UPLOAD_BYTES} bytes.`);
export const unsupported = (): ApiError => new ApiError("unsupported_media_type", "The file must be a PNG, JPEG or WebP image (judged by its bytes; SVG is refused).");
export const missingFile = (): ApiError =>
  new ApiError("invalid_request", "The form needs a `file` field holding the image.", { errors: [{ path: "file", message: "required: a file" }] });

uploadRoutes.post(
  "/",
  doc("uploadImage"),
  requireKey(),
  async (c, next) => {
    const type = c.req.header("content-type") ?? "";
    if (!isFormData(type)) {
      throw new ApiError("unsupported_media_type", `Send the upload as multipart/form-data with a \`file\` field (got ${type || "no content type"}).`);
    }
    await next();
  },
  declaredLimit(FORM_LIMITS.maxTotalBytes, tooLarge),
  async (c) => {
    const principal = c.get("principal");
    const at = now();
    const uploadId = newId("upl");
    const bytes = declaredBytes(c.req.header("content-length"));
    const { upload, headers } = await meteredUpload(c.env, principal, { uploadId, bytes, expiresAt: at + UPLOAD_TTL_SECONDS * 1000, now: at }, () =>
      storeFormFile(c.env.FILES, c.req.raw, principal.accountId, uploadId, at),
    );
    const url = await mintFileUrl(c.env, new URL(c.req.url).origin, upload.file.key, false, at);
    const { contentType, byteSize } = upload.file;
    const body: UploadView = { id: upload.id, url, contentType, byteSize, expiresAt: new Date(upload.expiresAt).toISOString() };
    return c.json(body, 201, headers);
  },
);

/** The form's first `file` part, streamed into R2; the rest of the form is read (and checked) but not kept. */
async function storeFormFile(bucket: R2Bucket, request: Request, accountId: string, id: string, at: number): Promise<StoredUpload> {
  let upload: StoredUpload | null = null;
  try {
    await readForm(request, FORM_LIMITS, tooLarge, async (part) => {
      if (part.name !== "file" || upload) return;
      try {
        upload = await storeUpload(bucket, accountId, part.body, at, id);
      } catch (err) {
        if (err instanceof UnsupportedImage) throw unsupported();
        if (err instanceof FetchFailed && err.kind === "too_large") throw tooLarge();
        throw err;
      }
    });
  } catch (err) {
    // The file was stored, but the form around it is broken (or too large): it is not kept.
    if (upload) await bucket.delete((upload as StoredUpload).file.key);
    throw err;
  }
  if (!upload) throw missingFile();
  return upload;
}
