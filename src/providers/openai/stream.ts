import type { JobSpec } from "../../catalogue";
import type { ProviderContext, StoredFile, UpstreamCost } from "../types";
import { scanImagesAnswer } from "./b64-stream";
import { openaiStreamError } from "./errors";
import { readEvents } from "../../lib/streams/sse";
import { OpenAIStreamEvent, addUsage, fromOpenAIUsage, type OpenAIUsage } from "./wire";

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

export async function readStreamedAnswer(body: ReadableStream<Uint8Array>, spec: JobSpec, ctx: ProviderContext): Promise<AnswerImages> {
  const files: StoredFile[] = [];
  let completed = 0;
  let partials = 0;
  let usage: OpenAIUsage | undefined;

  await readEvents(body, async (name, data) => {
    if (name.endsWith(".partial_image")) {
      const image = completed;
      const partial = partials++;
      await scanImagesAnswer(data, (n, bytes) => (n === 0 && image < spec.quantity ? ctx.partial(image, partial, bytes) : drain(bytes)));
      return;
    }
    if (name.endsWith(".completed")) {
      const image = completed++;
      partials = 0;
      const skeleton = await scanImagesAnswer(data, async (n, bytes) => {
        if (n === 0 && image < spec.quantity) files.push(await ctx.store(image, bytes));
        else await drain(bytes);
      });
      const reported = OpenAIStreamEvent.safeParse(skeleton).data?.usage;
      if (reported) usage = addUsage(usage, reported);
      return;
    }
    const skeleton = await scanImagesAnswer(data, (_n, bytes) => drain(bytes));
    if (name === "error") throw openaiStreamError(skeleton);
  });
  return { files, count: completed, cost: fromOpenAIUsage({ usage }) };
}
