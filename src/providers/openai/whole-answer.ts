import { MalformedAnswer } from "../../lib/streams/malformed";
import { scanImagesAnswer, type ImageSink } from "./b64-stream";

// Most answers are of one image of at most a few MB (a 1024x1024 PNG is 1.5–3 MB): one whose length is known and at
// most WHOLE_ANSWER_BYTES is read whole and decoded by the runtime's own JSON.parse and Uint8Array.fromBase64, which
// costs less CPU than scanning it as a stream (measured in workerd: 2.5 ms less of a sync call's ~24 with a 20 KB
// image). A larger or unannounced one (a 4K image's is 15–25 MB) is scanned as a stream (b64-stream.ts), so memory
// stays bounded whatever the image size; the whole read holds a few times this at most.

export const WHOLE_ANSWER_BYTES = 6 * 1024 * 1024;

/** Where an answer's images go, in order: as a byte stream when scanned, as the decoded bytes when read whole. */
export type AnswerImageSink = (index: number, bytes: Parameters<ImageSink>[1] | Uint8Array) => Promise<void>;

/** The answer's skeleton (each b64_json value made ""), its images handed to `sink` in order. */
export async function readImagesAnswer(body: ReadableStream<Uint8Array>, length: number | null, sink: AnswerImageSink): Promise<unknown> {
  if (length === null || length > WHOLE_ANSWER_BYTES) return scanImagesAnswer(body, sink);
  let answer: unknown;
  try {
    answer = JSON.parse(await new Response(body).text());
  } catch (err) {
    if (err instanceof SyntaxError) throw new MalformedAnswer("the answer is not JSON");
    throw err;
  }
  const data = (answer as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return answer;
  for (const [index, item] of data.entries()) {
    const b64: unknown = (item as { b64_json?: unknown } | null)?.b64_json;
    if (typeof b64 !== "string") continue;
    let bytes: Uint8Array;
    try {
      bytes = Uint8Array.fromBase64(b64);
    } catch {
      throw new MalformedAnswer("a b64_json value is not base64");
    }
    (item as { b64_json: string }).b64_json = "";
    await sink(index, bytes);
  }
  return answer;
}
