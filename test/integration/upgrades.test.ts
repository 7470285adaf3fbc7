import { SELF } from "cloudflare:test";
import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lifecycle } from "../../src/catalogue";
import { KEEP_ALIVE } from "../../src/surfaces/openai/answer";
import { api, runToEnd, storedJob } from "../helpers/api";
import { checkedLedger, mintAccount } from "../helpers/accounts";
import { openaiClient, pngBytes } from "../helpers/compat";
import { pinLifecycle } from "../helpers/models";
import { seed000Body } from "../helpers/seeds";
import { withVars } from "../helpers/vars";
import { createsOf } from "../helpers/upstream";
import { tag } from "../sim/testing";

// Retired-model upgrades (SPEC §3.4) end to end with the seeds' own sample bodies: gpt-image-1.5 is pinned retired for
// this file whatever the date, and RETIRED_MODEL_UPGRADES is set per test (the test isolate shares the Worker's env).

type Json = Record<string, any>;

const SUCCESSORS = ["gpt-image-2.6-sunburst", "gpt-image-2.6-flare"] as const;
const RETIRED: Lifecycle = { deprecatedOn: "2000-01-01", sunsetOn: "2000-06-01", successors: SUCCESSORS, note: "test: retired" };
pinLifecycle("gpt-image-1.5", RETIRED);

const UPGRADE = "gpt-image-1.5=gpt-image-2.6-sunburst";
const UPGRADE_HEADER = "gpt-image-1.5 -> gpt-image-2.6-sunburst";
const RETIRED_MESSAGE = "gpt-image-1.5 was retired on 2000-06-01; use gpt-image-2.6-sunburst or gpt-image-2.6-flare instead.";


// Seed 002's sample (apiframe's dialect, the native surface's).
const SEED_002 = {
  prompt: "A whimsical watercolor painting of a fox reading a book in a sunlit forest clearing",
  model: "gpt-image-1.5",
  gptImageParams: { quality: "high", aspect_ratio: "3:2", output_format: "png" },
};


/** Leonardo's two upload steps; the upload's id, for an UPLOADED reference. */
async function uploadReference(key: string): Promise<string> {
  const init = await api("/api/rest/v1/init-image", { method: "POST", body: JSON.stringify({ extension: "png" }), key });
  expect(init.status).toBe(200);
  const { uploadInitImage } = (await init.json()) as Json;
  const form = new FormData();
  for (const [name, value] of Object.entries(JSON.parse(uploadInitImage.fields) as Record<string, string>)) form.append(name, value);
  form.append("file", new File([await pngBytes(64, 64)], "ref.png"));
  expect((await SELF.fetch(uploadInitImage.url, { method: "POST", body: form })).status).toBe(204);
  return uploadInitImage.id;
}

const readJob = async (id: string, key: string): Promise<Json> => (await api(`/v2/jobs/${id}`, { key })).json() as Promise<Json>;

describe("with RETIRED_MODEL_UPGRADES on", () => {
  it("serves seed 002's sample (native) with the successor, at the successor's price", () =>
    withVars({ RETIRED_MODEL_UPGRADES: UPGRADE }, async () => {
      const account = await mintAccount({ credits: 100 });
      const res = await api("/v2/images/generate", { method: "POST", body: JSON.stringify(SEED_002), key: account.key });
      expect(res.status, await res.clone().text()).toBe(202);
      expect(res.headers.get("imagegate-model-upgrade")).toBe(UPGRADE_HEADER);
      const { jobId } = (await res.json()) as Json;

      // 3:2 is 1536x1024 for gpt-image-1.5: the exact size carries over (gpt-image-2.6's own 3:2 preset is 1264x848).
      const rec = await storedJob(jobId);
      expect(rec.spec).toMatchObject({ model: "gpt-image-2.6-sunburst", width: 1536, height: 1024, aspectRatio: null, quality: "high", outputFormat: "png", quantity: 1, inputFidelity: null, complexity: "high" });
      expect(rec.candidates).not.toContain("apiframe"); // routed on the upgraded spec: apiframe has no 2.6

      const ended = await runToEnd(jobId);
      expect(ended.status).toBe("COMPLETED");
      const job = await readJob(jobId, account.key);
      expect(job).toMatchObject({
        status: "COMPLETED",
        model: "gpt-image-2.6-sunburst",
        requestedModel: "gpt-image-1.5",
        modelUpgrade: { from: "gpt-image-1.5", to: "gpt-image-2.6-sunburst", dropped: [] },
        creditCost: 23, // gpt-image-2.6-sunburst high; gpt-image-1.5 high would be 24
        input: SEED_002,
      });
      expect(job.result.files[0]).toMatchObject({ width: 1536, height: 1024, contentType: "image/png" });
      expect(await checkedLedger(account.accountId)).toMatchObject({ spent: 23, reserved: 0, balance: 77 });
    }));

  it("sends the successor's id upstream and lists the references' input_fidelity as dropped", () =>
    withVars({ RETIRED_MODEL_UPGRADES: UPGRADE }, async () => {
      const account = await mintAccount({ credits: 100 });
      const prompt = `${SEED_002.prompt} ${tag()}`;
      const uploadId = await uploadReference(account.key);
      const body = { ...SEED_002, prompt, provider: "openai", gptImageParams: { ...SEED_002.gptImageParams, input_images: [uploadId], input_fidelity: "high" } };
      const res = await api("/v2/images/generate", { method: "POST", body: JSON.stringify(body), key: account.key });
      expect(res.status, await res.clone().text()).toBe(202);
      const { jobId } = (await res.json()) as Json;
      expect((await runToEnd(jobId)).status).toBe("COMPLETED");
      expect(await readJob(jobId, account.key)).toMatchObject({
        provider: "openai",
        model: "gpt-image-2.6-sunburst",
        requestedModel: "gpt-image-1.5",
        modelUpgrade: { dropped: ["inputFidelity"] },
      });
      const creates = await createsOf(prompt.slice(-13), "openai");
      expect(creates.map((c) => c.model)).toEqual(["gpt-image-2.6-sunburst"]);
    }));

  it("serves seed 000's sample (Leonardo) with the successor, dropping the reference strength", () =>
    withVars({ RETIRED_MODEL_UPGRADES: UPGRADE }, async () => {
      const account = await mintAccount({ credits: 100 });
      const body = seed000Body(await uploadReference(account.key));
      const res = await api("/api/rest/v2/generations", { method: "POST", body: JSON.stringify(body), key: account.key });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(res.headers.get("imagegate-model-upgrade")).toBe(UPGRADE_HEADER);
      const { generate } = (await res.json()) as Json;
      expect(generate.apiCreditCost).toBe(18); // medium 9 x 2

      const rec = await storedJob(generate.generationId);
      expect(rec.spec).toMatchObject({ model: "gpt-image-2.6-sunburst", width: 1024, height: 1024, aspectRatio: "1:1", quality: "medium", quantity: 2, seed: 4294967295, referenceStrength: null, inputFidelity: null });
      expect(rec.spec.references).toHaveLength(1);

      expect((await runToEnd(generate.generationId)).status).toBe("COMPLETED");
      const job = await readJob(generate.generationId, account.key);
      expect(job).toMatchObject({
        model: "gpt-image-2.6-sunburst",
        requestedModel: "gpt-image-1.5",
        modelUpgrade: { from: "gpt-image-1.5", to: "gpt-image-2.6-sunburst", dropped: ["referenceStrength", "inputFidelity"] },
        creditCost: 18,
      });
      expect(job.result.files).toHaveLength(2);
      const generation = (await (await api(`/api/rest/v1/generations/${generate.generationId}`, { key: account.key })).json()) as Json;
      expect(generation.generations_by_pk).toMatchObject({ status: "COMPLETE", imageWidth: 1024, imageHeight: 1024 });
      expect(await checkedLedger(account.accountId)).toMatchObject({ spent: 18, reserved: 0 });
    }));

  it("still validates the request by gpt-image-1.5's own rules", () =>
    withVars({ RETIRED_MODEL_UPGRADES: UPGRADE }, async () => {
      // xhigh is a gpt-image-2.6 quality, not a gpt-image-1.5 one.
      const res = await api("/v2/images/generate", {
        method: "POST",
        body: JSON.stringify({ ...SEED_002, gptImageParams: { quality: "xhigh" } }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).code).toBe("invalid_request");
    }));

  it("says on GET /v2/models which model serves the retired one", () =>
    withVars({ RETIRED_MODEL_UPGRADES: UPGRADE }, async () => {
      const { data } = (await (await api("/v2/models", { key: null })).json()) as { data: Json[] };
      expect(data.find((m) => m.id === "gpt-image-1.5")?.lifecycle).toMatchObject({ upgradeTo: "gpt-image-2.6-sunburst" });
      expect(data.find((m) => m.id === "gpt-image-2")?.lifecycle).toMatchObject({ upgradeTo: null });
    }));
});

describe("RETIRED_MODEL_UPGRADES pairs that cannot apply", () => {
  const refusedWith = async (value: string) =>
    withVars({ RETIRED_MODEL_UPGRADES: value }, async () => {
      const res = await api("/v2/images/generate", { method: "POST", body: JSON.stringify(SEED_002) });
      return { status: res.status, body: (await res.json()) as Json };
    });

  it.each([
    ["an unknown successor", "gpt-image-1.5=gpt-image-9"],
    ["an unknown retired model", "gpt-image-0=gpt-image-2"],
    ["a successor that is retired itself", "gpt-image-1.5=gpt-image-1.5"],
    ["a pair without =", "gpt-image-1.5"],
  ])("%s is ignored: the retired model answers 410", async (_what, value) => {
    expect(await refusedWith(value)).toMatchObject({ status: 410, body: { code: "model_retired", successors: [...SUCCESSORS] } });
  });

  it("ignores a pair whose model is not retired, and applies the valid one beside it", () =>
    withVars({ RETIRED_MODEL_UPGRADES: `gpt-image-2=gpt-image-2.6-flare, ${UPGRADE}` }, async () => {
      const current = await api("/v2/images/generate", { method: "POST", body: JSON.stringify({ prompt: "current", model: "gpt-image-2" }) });
      expect(current.status).toBe(202);
      expect(current.headers.get("imagegate-model-upgrade")).toBeNull();
      const { jobId } = (await current.json()) as Json;
      expect((await storedJob(jobId)).spec.model).toBe("gpt-image-2");

      const retired = await api("/v2/images/generate", { method: "POST", body: JSON.stringify(SEED_002) });
      expect(retired.headers.get("imagegate-model-upgrade")).toBe(UPGRADE_HEADER);
    }));
});

describe("without RETIRED_MODEL_UPGRADES", () => {
  const saved = { ...KEEP_ALIVE };
  beforeAll(() => Object.assign(KEEP_ALIVE, { graceMs: 0, intervalMs: 20 }));
  afterAll(() => Object.assign(KEEP_ALIVE, saved));

  it("answers 410 on all three surfaces, naming both successors, and charges nothing", () =>
    withVars({ RETIRED_MODEL_UPGRADES: undefined }, async () => {
      const account = await mintAccount({ credits: 100 });
      const native = await api("/v2/images/generate", { method: "POST", body: JSON.stringify(SEED_002), key: account.key });
      expect(native.status).toBe(410);
      expect(await native.json()).toMatchObject({ code: "model_retired", successors: [...SUCCESSORS], detail: RETIRED_MESSAGE });

      const leonardo = await api("/api/rest/v2/generations", { method: "POST", body: JSON.stringify(seed000Body(await uploadReference(account.key))), key: account.key });
      expect(leonardo.status).toBe(410);
      expect(await leonardo.json()).toEqual({ error: RETIRED_MESSAGE, path: "$.model", code: "model-retired" });

      const client = openaiClient({ apiKey: account.key });
      const err = (await client.images.generate({ model: "gpt-image-1.5", prompt: "retired" }).catch((e: unknown) => e)) as APIError;
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err.status).toBe(410);
      expect(err.error).toEqual({ message: RETIRED_MESSAGE, type: "invalid_request_error", param: "model", code: "model_retired" });

      expect(await checkedLedger(account.accountId)).toMatchObject({ balance: 100, reserved: 0, spent: 0 });
    }));
});

describe("the OpenAI surface with upgrades on", () => {
  const saved = { ...KEEP_ALIVE };
  beforeAll(() => Object.assign(KEEP_ALIVE, { graceMs: 0, intervalMs: 20 }));
  afterAll(() => Object.assign(KEEP_ALIVE, saved));

  it("answers with the successor's images and the upgrade header", () =>
    withVars({ RETIRED_MODEL_UPGRADES: UPGRADE }, async () => {
      const client = openaiClient({ drive: true });
      const { data, response } = await client.images.generate({ model: "gpt-image-1.5", prompt: "upgraded", size: "1024x1536", quality: "low" }).withResponse();
      expect(response.headers.get("imagegate-model-upgrade")).toBe(UPGRADE_HEADER);
      expect(data.data).toHaveLength(1);
      expect(data.size).toBe("1024x1536");
      const rec = await storedJob(response.headers.get("x-imagegate-job-id")!);
      expect(rec).toMatchObject({ spec: { model: "gpt-image-2.6-sunburst", width: 1024, height: 1536 }, upgrade: { from: "gpt-image-1.5" }, creditCost: 4 });
    }));
});
