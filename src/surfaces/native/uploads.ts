import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as z from "zod";
import { FILE_FIELD, doc } from "../../docs/registry";
import type { AppEnv } from "../../env";
import { requireKey } from "../../accounts/auth";
import { mintFileUrl } from "../../files/signing";
import { UnsupportedImage } from "../../files/store";
import { MAX_UPLOAD_BYTES, UPLOAD_TTL_SECONDS, storeUpload } from "../../files/uploads";
import { ApiError } from "../../lib/errors";
import { now } from "../../lib/clock";
import { FetchFailed } from "../../lib/safe-fetch";
import { problems, renderProblem } from "./problem";

// POST /v2/uploads: a multipart `file` (png, jpeg or webp by its bytes, ≤ 25 MB) becomes a reference image that
// `input_images` can name by id until it expires.

/** Room for the multipart framing around a file of the maximum size. */
const FRAMING_BYTES = 64 * 1024;
const MB = 1024 * 1024;

export const uploads = new Hono<AppEnv>();
uploads.onError(renderProblem);

const tooLarge = (): ApiError => new ApiError("payload_too_large", `An upload may be at most ${MAX_UPLOAD_BYTES} bytes.`);
const unsupported = (): ApiError => new ApiError("unsupported_media_type", "The file must be a PNG, JPEG or WebP image (judged by its bytes; SVG is refused).");
const missingFile = (): ApiError =>
  new ApiError("invalid_request", "The form needs a `file` field holding the image.", { errors: [{ path: "file", message: "required: a file" }] });

/** The form, for the documentation: the handler reads `file` itself, so that the bytes stream into R2. */
const UploadForm = z.object({
  file: z.instanceof(File).meta({ ...FILE_FIELD, description: `A PNG, JPEG or WebP image (judged by its bytes), at most ${MAX_UPLOAD_BYTES / MB} MB.` }),
});

const Upload = z
  .object({
    id: z.string().meta({ description: "Name it in `input_images` (native) until it expires." }),
    url: z.string().meta({ description: "A signed URL of the stored image." }),
    contentType: z.string().meta({ description: "`image/png`, `image/jpeg` or `image/webp`, from the bytes." }),
    byteSize: z.number().int(),
    expiresAt: z.string().meta({ description: "ISO 8601; the upload is deleted after this." }),
  })
  .meta({
    id: "Upload",
    examples: [
      {
        id: "upl_4Rk2W9xPq7LmN3vB8cT5yZ1a",
        url: "https://imagegate.example.com/v2/files/uploads/upl_4Rk2W9xPq7LmN3vB8cT5yZ1a.png?exp=1795219200&sig=Yx9-2b",
        contentType: "image/png",
        byteSize: 183402,
        expiresAt: "2026-11-21T10:15:30.000Z",
      },
    ],
  });

const uploadDoc = doc({
  operationId: "uploadImage",
  summary: "Upload a reference image",
  description:
    "Stores an image for later jobs: name its `id` in `input_images`. The type is judged by the bytes (PNG, JPEG or " +
    `WebP; SVG is refused), at most ${MAX_UPLOAD_BYTES / MB} MB. Uploads belong to the account and expire after ${UPLOAD_TTL_SECONDS / 3600} hours.`,
  tag: "Native API",
  auth: "key",
  body: { content: { "multipart/form-data": UploadForm } },
  responses: { 201: { description: "The image is stored.", schema: Upload }, ...problems(missingFile(), 401, tooLarge(), unsupported()) },
});

uploads.post(
  "/",
  uploadDoc,
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
