import { CATALOGUE, type JobSpec, type ModelId, type Reference } from "../../catalogue";
import type { Env } from "../../env";
import { MalformedAnswer } from "../../lib/streams/malformed";
import { maxPerCall } from "../config";
import { classifyThrown, generationTimeoutMs, upstreamFetch } from "../http";
import { multipart, type FilePart } from "../multipart";
import { UpstreamError, type Capabilities, type Provider, type ProviderContext, type StoredFile } from "../types";
import { CENTS, PATHS, WIRE_MAX_PER_CALL, configOf, headers } from "./api";
import { openaiError } from "./errors";
import { readStreamedAnswer, type AnswerImages } from "./stream";
import { readImagesAnswer } from "./whole-answer";
import { OpenAIAnswerSkeleton, fromOpenAIUsage, streams, toOpenAIEditFields, toOpenAIGeneration } from "./wire";

// OpenAI Images API (PROVIDERS.md): synchronous, base64 out. The whole generation happens inside submit: each image of
// its answer is decoded into the job's R2 file (ctx.store; a large answer is scanned as a stream, whole-answer.ts), so
// the part completes at once with files already stored and nothing is left for open(). References make it an edit (multipart, streamed).
// A job that wants partial renders asks for OpenAI's event stream instead, and hands each partial to the job.

/** OpenAI serves every model of the catalogue with all of its rules: the catalogue's entry is its capability. */
function capabilities(model: ModelId, env: Env): Capabilities {
  const entry = CATALOGUE[model];
  return {
    sizes: entry.customSize ? "custom" : "presets",
    aspectRatios: null,
    maxPerCall: maxPerCall(env, "openai", WIRE_MAX_PER_CALL),
    // ASSUMPTION: PROVIDERS.md lists background transparent for every model (a preview on gpt-image-2).
    transparentBackground: true,
    maxReferences: entry.references.native,
    seed: false,
    referenceStrength: false,
    inputFidelity: entry.references.inputFidelity,
    outputFormats: entry.outputFormats,
    complexity: entry.complexity !== null,
    centsPerImage: Object.fromEntries(entry.qualities.map((q) => [q, CENTS[q]])),
  };
}

async function referenceFile(ref: Reference, ctx: ProviderContext, n: number): Promise<FilePart> {
  const image = await ctx.openReference(ref);
  return {
    name: "image[]",
    filename: `reference-${n}.${image.ext}`,
    contentType: image.contentType ?? "application/octet-stream",
    size: image.size,
    open: image.open,
  };
}

async function request(spec: JobSpec, ctx: ProviderContext, key: string, base: string): Promise<{ url: string; init: RequestInit }> {
  const auth = headers(key, streams(spec));
  if (spec.references.length === 0) {
    return { url: `${base}${PATHS.generations}`, init: { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(toOpenAIGeneration(spec)) } };
  }
  const files = await Promise.all(spec.references.map((ref, n) => referenceFile(ref, ctx, n)));
  const form = multipart(toOpenAIEditFields(spec), files);
  return { url: `${base}${PATHS.edits}`, init: { method: "POST", headers: { ...auth, "content-type": form.contentType }, body: form.body } };
}

/**
 * The answer's images stored as the job's files, in whichever form it came (its content type says: an event stream
 * when partials were asked for, unless something on the way ignored `stream`); its own failures are unknown outcomes.
 */
async function readAnswer(body: ReadableStream<Uint8Array>, headers: Headers, spec: JobSpec, ctx: ProviderContext): Promise<AnswerImages> {
  try {
    if ((headers.get("content-type") ?? "").startsWith("text/event-stream")) return await readStreamedAnswer(body, spec, ctx);
    const files: StoredFile[] = [];
    const declared = headers.get("content-length");
    const length = declared !== null && /^\d+$/.test(declared) ? Number(declared) : null;
    const skeleton = await readImagesAnswer(body, length, async (n, bytes) => {
      if (n < spec.quantity) files.push(await ctx.store(n, bytes));
      else if (bytes instanceof ReadableStream) await bytes.cancel();
    });
    const answer = OpenAIAnswerSkeleton.safeParse(skeleton);
    if (!answer.success) throw new MalformedAnswer("the answer is not an images answer");
    return { files, count: answer.data.data.length, cost: fromOpenAIUsage(answer.data) };
  } catch (err) {
    if (err instanceof UpstreamError) throw err;
    const what = err instanceof MalformedAnswer ? `a broken answer (${err.message})` : "an answer that broke off or could not be stored";
    throw new UpstreamError({ class: "retryable", message: `openai answered with ${what}`, unknownOutcome: true });
  }
}

export const openai: Provider = {
  name: "openai",
  idempotentSubmit: false,
  configured: (env) => Boolean(env.OPENAI_API_KEY),
  capabilities,

  async submit(spec, ctx) {
    const { key, base } = configOf(ctx.env);
    const { url, init } = await request(spec, ctx, key, base);
    const res = await upstreamFetch("openai", url, init, generationTimeoutMs(ctx, ctx.env), "create");
    if (!res.ok) throw await openaiError(res, ctx.now);
    if (!res.body) throw new UpstreamError({ class: "retryable", message: "openai answered without a body", unknownOutcome: true });
    // From here the generation has happened (and is billed): any failure is an unknown outcome, never re-sent.
    const { files, count, cost } = await readAnswer(res.body, res.headers, spec, ctx);
    if (count !== spec.quantity || files.length !== spec.quantity) {
      throw new UpstreamError({ class: "retryable", message: `openai answered with ${files.length} of ${spec.quantity} images`, unknownOutcome: true });
    }
    return { kind: "completed", images: files.map((file) => ({ stored: file })), cost };
  },

  async poll() {
    throw new UpstreamError({ class: "fatal", message: "openai jobs are synchronous: there is nothing to poll" });
  },

  async open() {
    throw new UpstreamError({ class: "fatal", message: "openai images are stored while the answer arrives" });
  },

  classifyError: (err) => classifyThrown("openai", err),
};
