import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type * as z from "zod";
import { doc } from "../../docs/registry";
import type { AppEnv } from "../../env";
import { requireKey } from "../../accounts/auth";
import { mintFileUrl } from "../../files/signing";
import { UnsupportedImage } from "../../files/store";
import { MAX_UPLOAD_BYTES, storeUpload } from "../../files/uploads";
import { ApiError } from "../../lib/errors";
import { now } from "../../lib/clock";
import { FetchFailed } from "../../lib/safe-fetch";
import type { Upload } from "./uploads.docs";
import { renderProblem } from "./problem";

// POST /v2/uploads: a multipart `file` (png, jpeg or webp by its bytes, ≤ 25 MB) becomes a reference image that
// `input_images` can name by id until it expires. Documented in uploads.docs.ts, with the schemas of its form and
// answer.

/** Room for the multipart framing around a file of the maximum size. */
const FRAMING_BYTES = 64 * 1024;

export const uploads = new Hono<AppEnv>();
uploads.onError(renderProblem);

export const tooLarge = (): ApiError => new ApiError("payload_too_large", `An upload may be at most ${MAX_UPLOAD_BYTES} bytes.`);
export const unsupported = (): ApiError => new ApiError("unsupported_media_type", "The file must be a PNG, JPEG or WebP image (judged by its bytes; SVG is refused).");
export const missingFile = (): ApiError =>
  new ApiError("invalid_request", "The form needs a `file` field holding the image.", { errors: [{ path: "file", message: "required: a file" }] });

uploads.post(
  "/",
  doc("uploadImage"),
  requireKey(),
  async (c, next) => {
    const type = c.req.header("content-type") ?? "";
    if (!/^multipart\/form-data\s*;/i.test(type)) {
      throw new ApiError("unsupported_media_type", `Send the upload as multipart/form-data with a \`file\` field (got ${type || "no content type"}).`);
    }
    await next();
  },
  // A declared length over the limit is refused before any of the body is read; an undeclared one is cut off there.
  bodyLimit({
    maxSize: MAX_UPLOAD_BYTES + FRAMING_BYTES,
    onError: () => {
      throw tooLarge();
    },
  }),
  async (c) => {
    let form: FormData;
    try {
      form = await c.req.raw.formData();
    } catch {
      throw new ApiError("invalid_request", "The body is not a valid multipart/form-data form.");
    }
    const file = form.get("file");
    if (!(file instanceof File)) throw missingFile();
    if (file.size > MAX_UPLOAD_BYTES) throw tooLarge();
    const principal = c.get("principal");
    const at = now();
    let upload;
    try {
      upload = await storeUpload(c.env.FILES, principal.accountId, file.stream(), at);
    } catch (err) {
      if (err instanceof UnsupportedImage) throw unsupported();
      if (err instanceof FetchFailed && err.kind === "too_large") throw tooLarge();
      throw err;
    }
    const url = await mintFileUrl(c.env, new URL(c.req.url).origin, upload.file.key, false, at);
    const { contentType, byteSize } = upload.file;
    const body: z.infer<typeof Upload> = { id: upload.id, url, contentType, byteSize, expiresAt: new Date(upload.expiresAt).toISOString() };
    return c.json(body, 201);
  },
);
