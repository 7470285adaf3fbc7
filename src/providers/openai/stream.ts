import type { JobSpec } from "../../catalogue";
import type { StoredFile } from "../../jobs/record";
import { redact } from "../http";
import { UpstreamError, type ProviderContext, type UpstreamCost } from "../types";
import { scanImagesText } from "./b64-stream";
import { readEvents } from "./sse";
import { OpenAIStreamEvent, openaiErrorOf } from "./wire";

// OpenAI's streamed answer (PROVIDERS.md: `stream: true` with `partial_images`): per image, its partial renders
// (`*.partial_image`) and then the image itself (`*.completed`, with that image's usage). Partials go to the job as
// they arrive (ctx.partial), images into its files (ctx.store), both decoded straight from the event data.

/** An answer's images as stored, streamed or not. */
export interface AnswerImages {
  files: StoredFile[];
  /** How many images the answer held; more than asked are not stored. */
  count: number;
  cost?: UpstreamCost;
}

const drain = (bytes: ReadableStream<Uint8Array>): Promise<void> => bytes.cancel();

export async function readAnswerImages(body: ReadableStream<Uint8Array>, spec: JobSpec, ctx: ProviderContext): Promise<AnswerImages> {
  const files: StoredFile[] = [];
  let completed = 0;
  let partials = 0;
  const usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  let reported = false;

  await readEvents(body.pipeThrough(new TextDecoderStream()), async (name, data) => {
    if (name.endsWith(".partial_image")) {
      const image = completed;
      const partial = partials++;
      await scanImagesText(data, (n, bytes) => (n === 0 && image < spec.quantity ? ctx.partial(image, partial, bytes) : drain(bytes)));
      return;
    }
    if (name.endsWith(".completed")) {
      const image = completed++;
      partials = 0;
      const skeleton = await scanImagesText(data, async (n, bytes) => {
        if (n === 0 && image < spec.quantity) files.push(await ctx.store(image, bytes));
        else await drain(bytes);
      });
      const event = OpenAIStreamEvent.safeParse(skeleton);
      if (event.success && event.data.usage) {
        reported = true;
        usage.inputTokens += event.data.usage.input_tokens;
        usage.outputTokens += event.data.usage.output_tokens;
        usage.totalTokens += event.data.usage.total_tokens;
      }
      return;
    }
    const skeleton = await scanImagesText(data, (_n, bytes) => drain(bytes));
    if (name === "error") {
      const { message, code } = openaiErrorOf(skeleton);
      if (code === "moderation_blocked") throw new UpstreamError({ class: "moderated", message: `openai's safety system refused the request: ${redact(message)}` });
      throw new UpstreamError({ class: "retryable", message: `openai's stream ended in an error: ${redact(message) || "no message"}`, unknownOutcome: true });
    }
  });
  return { files, count: completed, ...(reported ? { cost: { usage } } : {}) };
}
