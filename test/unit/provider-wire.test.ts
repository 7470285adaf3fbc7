import { setShutdownDate } from "../sim/testing";
import { describe, expect, it } from "vitest";
import type { JobSpec } from "../../src/catalogue";
import { ApiframeJob, fromApiframeJob, toApiframeCreate } from "../../src/providers/apiframe/wire";
import { fromLeonardoCreate, fromLeonardoPoll, LeonardoCreateAnswer, LeonardoPollAnswer, leonardoErrorMessage, toLeonardoCreate } from "../../src/providers/leonardo/wire";
import { addUsage, fromOpenAIUsage, openaiErrorOf, OpenAIAnswerSkeleton, toOpenAIEditFields, toOpenAIGeneration } from "../../src/providers/openai/wire";
import { apiframeCreateBodySchema } from "../sim/apiframe";
import { leonardoCreateBodySchema } from "../sim/leonardo-wire";
import { openaiEditBodySchema, openaiGenerationBodySchema } from "../sim/openai";
import { apiframeJobSchema, leonardoPollResponseSchema } from "../sim/schemas";

// Each adapter's mapping both ways: JobSpec → the provider's request (checked against the simulator's strict request
// schemas too), and the provider's answers → what the job sees.

const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
  model: "gpt-image-1.5",
  prompt: "a koala",
  quality: "medium",
  width: 1536,
  height: 1024,
  aspectRatio: "3:2",
  outputFormat: "webp",
  background: "auto",
  quantity: 3,
  references: [],
  referenceStrength: null,
  inputFidelity: "low",
  seed: null,
  promptEnhance: false,
  moderation: "auto",
  ...over,
});

const gpt2 = (over: Partial<JobSpec> = {}): JobSpec =>
  spec({ model: "gpt-image-2", width: 1376, height: 768, aspectRatio: "16:9", inputFidelity: null, ...over });

describe("leonardo mapping", () => {
  it("maps quality to upper case (auto → HIGH), always sends quantity, sends the exact size and prompt_enhance", () => {
    const body = toLeonardoCreate(spec({ quality: "auto", seed: 42, promptEnhance: true }), []);
    expect(body).toEqual({
      public: false,
      model: "gpt-image-1.5",
      parameters: { prompt: "a koala", quality: "HIGH", quantity: 3, width: 1536, height: 1024, seed: 42, prompt_enhance: "ON" },
    });
    expect(leonardoCreateBodySchema.safeParse(body).success).toBe(true);
    for (const [q, wire] of [["low", "LOW"], ["medium", "MEDIUM"], ["high", "HIGH"]] as const) {
      expect(toLeonardoCreate(spec({ quality: q }), []).parameters.quality).toBe(wire);
    }
  });

  it("references are UPLOADED images with the strength on gpt-image-1.5, without it on gpt-image-2; no seed on gpt-image-2", () => {
    const refs: JobSpec["references"] = [{ kind: "upload", id: "upl_a" }, { kind: "upload", id: "upl_b" }];
    const v15 = toLeonardoCreate(spec({ references: refs, referenceStrength: "LOW" }), ["id-a", "id-b"]);
    expect(v15.parameters.guidances).toEqual({
      image_reference: [{ image: { id: "id-a", type: "UPLOADED" }, strength: "LOW" }, { image: { id: "id-b", type: "UPLOADED" }, strength: "LOW" }],
    });
    const v2 = toLeonardoCreate(gpt2({ references: refs, seed: 9 }), ["id-a"]);
    expect(v2.parameters).toEqual({
      prompt: "a koala", quality: "MEDIUM", quantity: 3, width: 1376, height: 768, prompt_enhance: "OFF",
      guidances: { image_reference: [{ image: { id: "id-a", type: "UPLOADED" } }] },
    });
    expect(leonardoCreateBodySchema.safeParse(v2).success).toBe(true);
  });

  it("reads the v2 create answer and the older v1 shape", () => {
    expect(fromLeonardoCreate(LeonardoCreateAnswer.parse({ generate: { generationId: "g1", apiCreditCost: 100 } }))).toEqual({ upstreamId: "g1", cost: { apiCreditCost: 100 } });
    expect(fromLeonardoCreate(LeonardoCreateAnswer.parse({ sdGenerationJob: { generationId: "g2", apiCreditCost: 7, cost: { amount: "0.0147", unit: "CREDITS" } } }))).toEqual({ upstreamId: "g2", cost: { apiCreditCost: 7 } });
    expect(LeonardoCreateAnswer.safeParse({ generate: {} }).success).toBe(false);
    expect(LeonardoCreateAnswer.safeParse({}).success).toBe(false);
  });

  it("maps poll answers: PENDING runs, COMPLETE gives the URLs, FAILED and a missing generation fail, short results fail", () => {
    const poll = (g: unknown) => LeonardoPollAnswer.parse({ generations_by_pk: g });
    const images = [{ id: "i1", url: "https://cdn.leonardo.ai/a_0.jpg", nsfw: false }, { id: "i2", url: "https://cdn.leonardo.ai/a_1.jpg", nsfw: false }];
    expect(fromLeonardoPoll(poll({ id: "g", status: "PENDING", generated_images: [] }), 2)).toEqual({ kind: "running", progress: null });
    expect(fromLeonardoPoll(poll({ id: "g", status: "COMPLETE", generated_images: images }), 2)).toEqual({ kind: "completed", images: images.map((i) => i.url) });
    expect(fromLeonardoPoll(poll({ id: "g", status: "COMPLETE", generated_images: images }), 3)).toMatchObject({ kind: "failed", error: { class: "retryable" } });
    expect(fromLeonardoPoll(poll({ id: "g", status: "FAILED", generated_images: [] }), 2)).toMatchObject({ kind: "failed", error: { class: "retryable" } });
    expect(fromLeonardoPoll(poll(null), 2)).toMatchObject({ kind: "failed", error: { class: "fatal" } });
  });

  it("reads both error forms", () => {
    expect(leonardoErrorMessage({ error: "content moderation filter", path: "$", code: "unexpected" })).toBe("content moderation filter");
    expect(leonardoErrorMessage([{ message: "a", extensions: { code: "x" } }, { message: "b", extensions: { code: "y" } }])).toBe("a; b");
    expect(leonardoErrorMessage("nonsense")).toBe("");
  });
});

describe("apiframe mapping", () => {
  it("puts the parameters under the model's params key, with only the fields that model takes", () => {
    const v15 = toApiframeCreate(spec({ background: "transparent", outputFormat: "png", inputFidelity: "high" }), ["https://i.test/a"], "https://gw.test/hooks/apiframe?job=j");
    expect(v15).toEqual({
      prompt: "a koala",
      model: "gpt-image-1.5",
      gptImageParams: { quality: "medium", aspect_ratio: "3:2", output_format: "png", background: "transparent", number_of_images: 3, input_images: ["https://i.test/a"], input_fidelity: "high" },
      webhookUrl: "https://gw.test/hooks/apiframe?job=j",
      webhookEvents: ["completed", "failed"],
    });
    expect(apiframeCreateBodySchema.safeParse(v15).success).toBe(true);
    const v2 = toApiframeCreate(gpt2({ aspectRatio: "2:3", width: 848, height: 1264, moderation: "low", quality: "auto" }), [], null);
    expect(v2).toEqual({
      prompt: "a koala",
      model: "gpt-image-2",
      gptImage2Params: { quality: "auto", aspect_ratio: "2:3", output_format: "webp", background: "auto", number_of_images: 3, moderation: "low" },
    });
    expect(apiframeCreateBodySchema.safeParse(v2).success).toBe(true);
  });

  it("maps job states, both result shapes, the credit cost, and content failures as moderation", () => {
    const job = (over: Record<string, unknown>) => ApiframeJob.parse({ id: "j", status: "QUEUED", progress: null, result: null, error: null, creditCost: 0, ...over });
    expect(fromApiframeJob(job({}), 1)).toEqual({ kind: "running", progress: null });
    expect(fromApiframeJob(job({ status: "PROCESSING", progress: 45 }), 1)).toEqual({ kind: "running", progress: 45 });
    expect(fromApiframeJob(job({ status: "COMPLETED", progress: 100, result: { images: ["https://c/1.png", "https://c/2.png"] }, creditCost: 18 }), 2)).toEqual({
      kind: "completed", images: ["https://c/1.png", "https://c/2.png"], cost: { creditCost: 18 },
    });
    expect(fromApiframeJob(job({ status: "COMPLETED", result: "https://c/1.png", creditCost: 9 }), 1)).toMatchObject({ kind: "completed", images: ["https://c/1.png"] });
    expect(fromApiframeJob(job({ status: "COMPLETED", result: { images: ["https://c/1.png"] } }), 2)).toMatchObject({ kind: "failed", error: { class: "retryable" } });
    expect(fromApiframeJob(job({ status: "COMPLETED", result: { images: ["https://c/1.png"] }, expired: true }), 1)).toMatchObject({ kind: "failed", error: { class: "fatal" } });
    expect(fromApiframeJob(job({ status: "FAILED", error: "Provider returned an error: content policy violation" }), 1)).toMatchObject({ kind: "failed", error: { class: "moderated" } });
    expect(fromApiframeJob(job({ status: "FAILED", error: "Provider returned an error: upstream server error" }), 1)).toMatchObject({ kind: "failed", error: { class: "retryable" } });
    expect(fromApiframeJob(job({ status: "CANCELLED" }), 1)).toMatchObject({ kind: "failed", error: { class: "fatal" } });
  });
});

describe("openai mapping", () => {
  it("sends model, n, size, quality, background, output_format and moderation — never response_format", () => {
    const body = toOpenAIGeneration(gpt2({ quantity: 2, moderation: "low" }));
    expect(body).toEqual({ model: "gpt-image-2", prompt: "a koala", n: 2, size: "1376x768", quality: "medium", background: "auto", output_format: "webp", moderation: "low" });
    expect(body).not.toHaveProperty("response_format");
    expect(openaiGenerationBodySchema.safeParse(body).success).toBe(true);
  });

  it("sends input_fidelity on edits of gpt-image-1.5 only", () => {
    const v15 = Object.fromEntries(toOpenAIEditFields(spec({ inputFidelity: "high", quantity: 1 })));
    expect(v15).toEqual({ model: "gpt-image-1.5", prompt: "a koala", n: "1", size: "1536x1024", quality: "medium", background: "auto", output_format: "webp", moderation: "auto", input_fidelity: "high" });
    expect(openaiEditBodySchema.safeParse({ ...v15, n: 1 }).success).toBe(true);
    expect(Object.fromEntries(toOpenAIEditFields(gpt2()))).not.toHaveProperty("input_fidelity");
  });

  it("asks for the event stream when the job wants partial renders, and forwards output_compression for lossy formats", () => {
    const streamed = toOpenAIGeneration(gpt2({ quantity: 1, partialImages: 2, outputCompression: 40 }));
    expect(streamed).toMatchObject({ stream: true, partial_images: 2, output_compression: 40, output_format: "webp" });
    expect(openaiGenerationBodySchema.safeParse(streamed).success).toBe(true);
    const png = toOpenAIGeneration(gpt2({ outputFormat: "png", outputCompression: 40 }));
    expect(png).not.toHaveProperty("output_compression");
    expect(png).not.toHaveProperty("stream");
    const edit = Object.fromEntries(toOpenAIEditFields(gpt2({ quantity: 1, partialImages: 1, outputCompression: 90 })));
    expect(edit).toMatchObject({ stream: "true", partial_images: "1", output_compression: "90" });
  });

  it("reads the usage and the error envelope", () => {
    const answer = OpenAIAnswerSkeleton.parse({ created: 1, data: [{ b64_json: "" }], usage: { input_tokens: 10, output_tokens: 20, total_tokens: 30, input_tokens_details: {} } });
    expect(fromOpenAIUsage(answer)).toEqual({ usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30 } });
    for (const details of [null, "6/4", [6, 4], { image_tokens: "6", text_tokens: 4 }]) {
      const odd = OpenAIAnswerSkeleton.parse({ data: [], usage: { input_tokens: 10, output_tokens: 20, total_tokens: 30, input_tokens_details: details } });
      expect(odd.usage).toEqual({ input_tokens: 10, output_tokens: 20, total_tokens: 30, input_tokens_details: undefined });
      expect(fromOpenAIUsage(odd)).toEqual({ usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30 } });
    }
    expect(OpenAIAnswerSkeleton.safeParse({ data: [], usage: { input_tokens: "10", output_tokens: 20, total_tokens: 30 } }).success).toBe(false);
    const split = OpenAIAnswerSkeleton.parse({ data: [], usage: { input_tokens: 10, output_tokens: 20, total_tokens: 30, input_tokens_details: { image_tokens: 6, text_tokens: 4 } } });
    expect(fromOpenAIUsage(split)).toEqual({ usage: { inputTokens: 10, inputImageTokens: 6, outputTokens: 20, totalTokens: 30 } });
    expect(addUsage(split.usage, split.usage!)).toEqual({ input_tokens: 20, output_tokens: 40, total_tokens: 60, input_tokens_details: { image_tokens: 12, text_tokens: 8 } });
    expect(addUsage(split.usage, answer.usage!)).toEqual({ input_tokens: 20, output_tokens: 40, total_tokens: 60 });
    expect(openaiErrorOf({ error: { message: "blocked", type: "image_generation_user_error", param: null, code: "moderation_blocked" } })).toEqual({ message: "blocked", code: "moderation_blocked" });
    expect(openaiErrorOf(null)).toEqual({ message: "", code: null });
  });
});

describe("the simulator's answers parse with the adapters' schemas", () => {
  it("Leonardo and apiframe create and poll answers", async () => {
    const t = `wire ${crypto.randomUUID()}`;
    // The spec is gpt-image-1.5's: the simulated Leonardo keeps serving it for this test's prompt.
    await setShutdownDate("leonardo", "gpt-image-1.5", null, t);
    const leoAuth = { authorization: "Bearer 0f8fad5b-d9cb-469f-a165-70867728950e", "content-type": "application/json" };
    const created = await fetch("https://cloud.leonardo.ai/api/rest/v2/generations", { method: "POST", headers: leoAuth, body: JSON.stringify(toLeonardoCreate(spec({ prompt: t, quantity: 1 }), [])) });
    const { upstreamId } = fromLeonardoCreate(LeonardoCreateAnswer.parse(await created.json()));
    await fetch("https://sim.test/_sim/advance", { method: "POST", body: JSON.stringify({ ms: 60_000, match: t }) });
    const polled = await (await fetch(`https://cloud.leonardo.ai/api/rest/v1/generations/${upstreamId}`, { headers: leoAuth })).json();
    expect(leonardoPollResponseSchema.safeParse(polled).success).toBe(true);
    expect(fromLeonardoPoll(LeonardoPollAnswer.parse(polled), 1)).toMatchObject({ kind: "completed", images: [expect.stringMatching(/^https:\/\/cdn\.leonardo\.ai\//)] });

    const afAuth = { "x-api-key": "afk_simtest_0123456789abcdef", "content-type": "application/json" };
    const job = await fetch("https://api.apiframe.ai/v2/images/generate", { method: "POST", headers: afAuth, body: JSON.stringify(toApiframeCreate(spec({ prompt: t, quantity: 2 }), [], null)) });
    expect(job.status).toBe(202);
    const { jobId } = (await job.json()) as { jobId: string };
    await fetch("https://sim.test/_sim/advance", { method: "POST", body: JSON.stringify({ ms: 60_000, match: t }) });
    const afPolled = await (await fetch(`https://api.apiframe.ai/v2/jobs/${jobId}`, { headers: afAuth })).json();
    expect(apiframeJobSchema.safeParse(afPolled).success).toBe(true);
    expect(fromApiframeJob(ApiframeJob.parse(afPolled), 2)).toMatchObject({ kind: "completed", cost: { creditCost: 18 } });
  });
});
