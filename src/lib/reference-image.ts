// A reference image fetched from a user-supplied URL: its type read from its magic bytes, its body streamed whole.
import { FetchFailed } from "./fetch-errors";
import { fetchUserUrl, type FetchUserUrlInit } from "./safe-fetch";
import { sniffImage, SNIFF_BYTES, type SniffedImage } from "./sniff";
import type { UrlPolicy } from "./ssrf";

export type ReferenceImage = SniffedImage & {
  body: ReadableStream<Uint8Array>;
  url: URL;
  /** The declared length, when the server sent one (the stream is capped either way). */
  contentLength: number | null;
};

export type ReferenceImageInit = Pick<FetchUserUrlInit, "maxBytes" | "timeoutMs" | "fetcher">;

/** Fetches a reference image; the type comes from its magic bytes, and `body` yields every byte, prefix included. */
export async function fetchReferenceImage(
  raw: string,
  policy: UrlPolicy,
  init: ReferenceImageInit = {},
): Promise<ReferenceImage> {
  const { response, url } = await fetchUserUrl(raw, policy, {
    ...init,
    method: "GET",
    headers: { accept: "image/png, image/jpeg, image/webp" },
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new FetchFailed("http_status", `${url.host} answered ${response.status}`, response.status);
  }
  const unsupported = new FetchFailed("unsupported_image_type", "unsupported image type: only png, jpeg and webp are accepted");
  if (!response.body) throw unsupported;

  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length < SNIFF_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  const prefix = chunks.length === 1 ? chunks[0]! : new Uint8Array(await new Blob(chunks).arrayBuffer());
  const sniffed = sniffImage(prefix);
  if (!sniffed) {
    await reader.cancel(unsupported).catch(() => undefined);
    throw unsupported;
  }

  let prefixSent = prefix.byteLength === 0;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!prefixSent) {
          prefixSent = true;
          controller.enqueue(prefix);
          return;
        }
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  const declared = response.headers.get("content-length");
  return { ...sniffed, body, url, contentLength: declared !== null && /^\d+$/.test(declared) ? Number(declared) : null };
}
