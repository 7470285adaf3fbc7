import { describe, expect, it } from "vitest";
import type { JobRecord } from "../../src/jobs/record";
import { env } from "cloudflare:test";
import { completedEvents, usageOf } from "../../src/surfaces/openai/images-body";
import { createJob } from "../helpers/api";
import { driveToEnd } from "../helpers/upstream";

// OpenAI's `usage` on /v1 answers: known only when the job's images came from the OpenAI provider.

const attempt = (provider: string, outcome: string, usage?: { inputTokens: number; outputTokens: number; totalTokens: number }) =>
  ({ provider, outcome, ms: 1, at: 0, ...(usage ? { cost: { usage } } : {}) }) as JobRecord["attempts"][number];

describe("usage", () => {
  it("sums the delivering provider's completed calls (a fanned-out job's parts), and nothing else", () => {
    const rec = {
      provider: "openai",
      attempts: [
        attempt("leonardo", "retryable"),
        attempt("openai", "fatal", { inputTokens: 99, outputTokens: 99, totalTokens: 198 }),
        attempt("openai", "completed", { inputTokens: 10, outputTokens: 272, totalTokens: 282 }),
        attempt("openai", "completed", { inputTokens: 10, outputTokens: 544, totalTokens: 554 }),
      ],
    } as JobRecord;
    expect(usageOf(rec)).toEqual({ input_tokens: 20, output_tokens: 816, total_tokens: 836 });
    expect(usageOf({ ...rec, provider: "sandbox" } as JobRecord)).toBeNull();
    expect(usageOf({ ...rec, attempts: [attempt("openai", "completed")] } as JobRecord)).toBeNull();
  });

  it("is on the record of a job the OpenAI provider made, as the provider reported it", async () => {
    const tag = `usage-${crypto.randomUUID()}`;
    const jobId = await createJob({ prompt: `${tag} a teapot`, model: "gpt-image-2", provider: "openai", gptImage2Params: { quality: "low" } });
    const rec = await driveToEnd(jobId, tag);
    expect(rec.status).toBe("COMPLETED");
    const usage = usageOf(rec)!;
    expect(usage.input_tokens).toBeGreaterThan(0);
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
  });

  it("is on a streamed completed event when the job made one image, since OpenAI reports it per image", async () => {
    const file = { key: "jobs/x/0.png", width: 8, height: 8, contentType: "image/png", byteSize: 1, sha256: "0" };
    const rec = {
      id: "x", origin: "https://imagegate.test", public: false, createdAt: 0, provider: "openai", files: [file],
      spec: { background: "auto", quality: "low", outputFormat: "png", width: 8, height: 8 },
      attempts: [attempt("openai", "completed", { inputTokens: 10, outputTokens: 272, totalTokens: 282 })],
    } as unknown as JobRecord;
    const dataOf = async (r: JobRecord) => {
      let text = "";
      for await (const chunk of completedEvents(env, r, "url", "image_generation")) text += chunk;
      return text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)) as { usage?: unknown });
    };
    expect((await dataOf(rec))[0]!.usage).toEqual({ input_tokens: 10, output_tokens: 272, total_tokens: 282 });
    const two = await dataOf({ ...rec, files: [file, { ...file, key: "jobs/x/1.png" }] });
    expect(two).toHaveLength(2);
    expect(two.every((d) => d.usage === undefined)).toBe(true);
  });
});
