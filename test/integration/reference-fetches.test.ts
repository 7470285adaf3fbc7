import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, createJob, runToEnd } from "../helpers/api";
import { checkedLedger, mintAccount } from "../helpers/accounts";
import { activeModel, jobBody } from "../helpers/models";
import { renderPng } from "../sim/images";

// Reference URLs are outbound fetches made for the caller: each counts toward the key's rate limit at admission, and
// a job whose fetches fail stops at the first failure and keeps none of the copies it made (issue 16, point 4).

const REFS = "https://refs.example.com";

function create(key: string, urls: string[]): Promise<Response> {
  const entry = activeModel(["sandbox"]);
  const body = jobBody(entry, { prompt: "references", provider: "sandbox" }, { quality: "low", input_images: urls });
  return api("/v2/images/generate", { method: "POST", body: JSON.stringify(body), key });
}

/** Serves `good` URLs a PNG and anything else on REFS a 404, passing other fetches through; records what it served. */
function referenceServer(good: string[]): string[] {
  const fetched: string[] = [];
  const original = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(REFS)) return original(input, init);
    fetched.push(url);
    if (!good.includes(url)) return new Response("not found", { status: 404 });
    return new Response(await renderPng(64, 64, url), { headers: { "content-type": "image/png" } });
  });
  return fetched;
}

async function uploadsOf(accountId: string): Promise<string[]> {
  const { objects } = await env.FILES.list({ prefix: "uploads/", include: ["customMetadata"] });
  return objects.filter((o) => o.customMetadata?.accountId === accountId).map((o) => o.key);
}

describe("reference URLs count toward the rate limit", () => {
  it("takes one token per reference URL besides the create's own", async () => {
    const { key } = await mintAccount({ credits: 100, requestsPerMinute: 5 });
    const first = await create(key, [`${REFS}/a.png`, `${REFS}/b.png`]);
    expect(first.status).toBe(202);
    expect(first.headers.get("ratelimit-remaining")).toBe("2");
    expect((await create(key, [`${REFS}/c.png`])).status).toBe(202);
    const refused = await create(key, []);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/each reference URL fetched counting as one more/);
  });

  it("admits a job with more URLs than the limit while a token is left, then holds the key until the debt is paid", async () => {
    const { key, accountId } = await mintAccount({ credits: 100, requestsPerMinute: 3 });
    const urls = [1, 2, 3, 4].map((i) => `${REFS}/${i}.png`);
    const first = await create(key, urls);
    expect(first.status).toBe(202);
    expect(first.headers.get("ratelimit-remaining")).toBe("0");
    const refused = await create(key, []);
    expect(refused.status).toBe(429);
    // 3 tokens - 5 = -2: three tokens must come back (at 3 a minute, 60 s) before the next create.
    expect(Number(refused.headers.get("retry-after"))).toBe(60);
    expect((await checkedLedger(accountId)).reserved).toBeGreaterThan(0);
  });
});

describe("a job's reference fetches", () => {
  afterEach(() => vi.restoreAllMocks());

  it("stop at the first failure and delete the copies already made", async () => {
    const { key, accountId } = await mintAccount({ credits: 100 });
    const [good1, bad, good2] = [`${REFS}/good1.png`, `${REFS}/missing.png`, `${REFS}/good2.png`];
    const fetched = referenceServer([good1, good2]);
    const jobId = await createJob(jobBody(activeModel(["sandbox"]), { prompt: "refs: fail", provider: "sandbox" }, { quality: "low", input_images: [good1, bad, good2] }), key);
    const rec = await runToEnd(jobId);
    expect(rec.status).toBe("FAILED");
    expect(rec.error).toMatch(/Reference image 1 .*could not be fetched/);
    expect(fetched).toEqual([good1, bad]);
    expect(await uploadsOf(accountId)).toEqual([]);
    expect(await checkedLedger(accountId)).toMatchObject({ reserved: 0, spent: 0 });
  });

  it("keep every copy of a job that runs", async () => {
    const { key, accountId } = await mintAccount({ credits: 100 });
    const urls = [`${REFS}/keep1.png`, `${REFS}/keep2.png`];
    const fetched = referenceServer(urls);
    const jobId = await createJob(jobBody(activeModel(["sandbox"]), { prompt: "refs: ok", provider: "sandbox" }, { quality: "low", input_images: urls }), key);
    const rec = await runToEnd(jobId);
    expect(rec.status).toBe("COMPLETED");
    expect(fetched).toEqual(urls);
    expect((await uploadsOf(accountId)).length).toBe(2);
  });
});
