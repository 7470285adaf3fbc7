import * as z from "zod";
import { FILE_FIELD, type RouteDocs } from "../../docs/registry";
import { MAX_UPLOAD_BYTES, UPLOAD_TTL_SECONDS } from "../../files/uploads";
import { problems } from "../../lib/problem.docs";
import { missingFile, tooLarge, unsupported, type UploadView } from "./uploads";

// The documentation of POST /v2/uploads (uploads.ts), and the schemas of its form and of its answer (which types
// what uploads.ts answers with).

const MB = 1024 * 1024;

/** The form, for the documentation: the handler reads `file` itself, so that the bytes stream into R2. */
const UploadForm = z.object({
  file: z.instanceof(File).meta({ ...FILE_FIELD, description: `A PNG, JPEG or WebP image (judged by its bytes), at most ${MAX_UPLOAD_BYTES / MB} MB.` }),
});

export const Upload = z
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
  }) satisfies z.ZodType<UploadView>;

export const uploadDocs = {
  uploadImage: {
    summary: "Upload a reference image",
    description:
      "Stores an image for later jobs: name its `id` in `input_images`. The type is judged by the bytes (PNG, JPEG or " +
      `WebP; SVG is refused), at most ${MAX_UPLOAD_BYTES / MB} MB. Uploads belong to the account and expire after ${UPLOAD_TTL_SECONDS / 3600} hours. ` +
      "An upload takes a token of the key's create rate limit and room in the account's storage quota (`storage` in " +
      "`GET /v2/me`); past either it is refused with 429 and `Retry-After`, before anything is stored.",
    tag: "Native API",
    auth: "key",
    body: { content: { "multipart/form-data": UploadForm } },
    responses: { 201: { description: "The image is stored.", schema: Upload }, ...problems(missingFile(), 401, tooLarge(), unsupported(), 429) },
  },
} satisfies RouteDocs;
