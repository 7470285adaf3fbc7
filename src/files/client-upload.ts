import { ApiError } from "../lib/errors";
import { FetchFailed } from "../lib/fetch-errors";
import { MAX_UPLOAD_BYTES, storeUpload, type Upload } from "./uploads";
import { UnsupportedImage } from "./store";

// A client's image stored as an upload, with its failures as the client's fault (400/413), named by the field
// that carried it; anything else stays an internal error.

export async function storeClientUpload(
  bucket: R2Bucket,
  accountId: string,
  body: ReadableStream<Uint8Array>,
  field: string,
  now: number,
  id?: string,
): Promise<Upload> {
  try {
    return await storeUpload(bucket, accountId, body, now, id);
  } catch (err) {
    if (err instanceof UnsupportedImage) {
      const message = "is not a png, jpeg or webp image";
      throw new ApiError("invalid_request", `${field}: ${message}.`, { errors: [{ path: field, message }] });
    }
    if (err instanceof FetchFailed && err.kind === "too_large") {
      throw new ApiError("payload_too_large", `${field} is larger than ${MAX_UPLOAD_BYTES} bytes.`, {
        errors: [{ path: field, message: `is larger than ${MAX_UPLOAD_BYTES} bytes` }],
      });
    }
    throw err;
  }
}
