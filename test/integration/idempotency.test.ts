import { runInDurableObject } from "cloudflare:test";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDEMPOTENCY_TTL_MS } from "../../src/accounts/idempotency";
import { requestHash } from "../../src/surfaces/idempotency-key";
import { KEEP_ALIVE } from "../../src/surfaces/openai/answer";
import { api, runToEnd } from "../helpers/api";
import { accountOf, checkedLedger, grant, mintAccount } from "../helpers/accounts";
import { bytesToB64, openaiClient, pngBytes } from "../helpers/compat";

// Idempotency-Key (SPEC §2.1) on every surface's create: per account, 24 h; replay → the original answer; other
// body → 422 in the surface's envelope; in flight → 409. Bodies count in canonical form (key order, spacing ignored).

// /v1 answers start at once (grace 0), so the test runs the job through its alarms before reading the body.
const saved = { ...KEEP_ALIVE };
beforeAll(() => Object.assign(KEEP_ALIVE, { graceMs: 0, intervalMs: 20 }));
afterAll(() => Object.assign(KEEP_ALIVE, saved));

const LOW = 4;
const body = (prompt: string) => JSON.stringify({ prompt, model: "gpt-image-2", gptImage2Params: { quality: "low" } });
const post = (raw: string, key: string, idempotencyKey?: string) =>
  api("/v2/images/generate", { method: "POST", body: raw, key, headers: idempotencyKey === undefined ? {} : { "idempotency-key": idempotencyKey } });

async function problem(res: Response, status: number): Promise<Record<string, any>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as Record<string, any>;
}

describe("Idempotency-Key", () => {
  it("replays the first answer for the same body, charging once", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const raw = body("idem: replay");
    const first = await post(raw, key, "order-1");
    expect(first.status).toBe(202);
    const firstBody = await first.json();
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    for (let i = 0; i < 3; i++) {
      const again = await post(raw, key, "order-1");
      expect(again.status).toBe(202);
      expect(await again.json()).toEqual(firstBody);
      expect(again.headers.get("location")).toBe(first.headers.get("location"));
      expect(again.headers.get("idempotent-replayed")).toBe("true");
    }
    expect(await checkedLedger(accountId)).toEqual({ granted: 20, balance: 20 - LOW, reserved: LOW, spent: 0 });
    const list = (await (await api("/v2/jobs", { key })).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(1);
  });

  it("refuses the same key with a different body (422), charging nothing more", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    expect((await post(body("idem: one"), key, "k-mismatch")).status).toBe(202);
    const p = await problem(await post(body("idem: two"), key, "k-mismatch"), 422);
    expect(p.code).toBe("unprocessable");
    expect(p.detail).toMatch(/different request body/);
    expect(await checkedLedger(accountId)).toMatchObject({ reserved: LOW, balance: 20 - LOW });
  });

  it("replays a job the account has not yet seen exist by asking its JobDO, and marks it admitted then", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const raw = body("idem: unconfirmed");
    const first = (await (await post(raw, key, "k-unconfirmed")).json()) as { jobId: string };
    const admitting = () =>
      runInDurableObject(accountOf(accountId), (_i, state) => state.storage.sql.exec<{ admitting: number }>("SELECT admitting FROM jobs WHERE id = ?", first.jobId).one().admitting);
    // The create made one hop to the AccountDO and one to the JobDO; nothing has told the account the JobDO exists.
    expect(await admitting()).toBe(1);
    const again = await post(raw, key, "k-unconfirmed");
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as { jobId: string }).jobId).toBe(first.jobId);
    expect(await admitting()).toBe(0);
  });

  it("counts a job's settlement as word that its JobDO exists", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const { jobId } = (await (await post(body("idem: settled"), key, "k-settled")).json()) as { jobId: string };
    await runToEnd(jobId);
    const row = await runInDurableObject(accountOf(accountId), (_i, state) =>
      state.storage.sql.exec<{ admitting: number; status: string }>("SELECT admitting, status FROM jobs WHERE id = ?", jobId).one(),
    );
    expect(row).toEqual({ admitting: 0, status: "COMPLETED" });
  });

  it("answers 409 while the first request with the key is still being admitted", async () => {
    const { key, keyId, accountId } = await mintAccount({ credits: 20 });
    const raw = body("idem: in flight");
    // The first request is between its reservation and its JobDO (as if still running).
    const gate = await accountOf(accountId).admit({
      keyId,
      requestsPerMinute: 60,
      jobId: crypto.randomUUID(),
      model: "gpt-image-2",
      cost: LOW,
      fetches: 0,
      idempotency: { key: "k-flight", bodyHash: await requestHash("POST /v2/images/generate", JSON.parse(raw)) },
    });
    expect(gate.kind).toBe("reserved");
    const p = await problem(await post(raw, key, "k-flight"), 409);
    expect(p.code).toBe("conflict");
    // A different body under the same key is still a mismatch, not a conflict.
    expect((await post(body("idem: other"), key, "k-flight")).status).toBe(422);
    expect(await checkedLedger(accountId)).toMatchObject({ reserved: LOW });
  });

  it("keeps keys per account", async () => {
    const a = await mintAccount({ credits: 20 });
    const b = await mintAccount({ credits: 20 });
    const raw = body("idem: shared key");
    const fromA = (await (await post(raw, a.key, "same-key")).json()) as { jobId: string };
    const fromB = (await (await post(raw, b.key, "same-key")).json()) as { jobId: string };
    expect(fromB.jobId).not.toBe(fromA.jobId);
    expect((await api(`/v2/jobs/${fromA.jobId}`, { key: b.key })).status).toBe(404);
  });

  it("does not record a refused admission: the retry after a top-up is admitted", async () => {
    const { key, accountId } = await mintAccount({ credits: 1 });
    const raw = body("idem: refused");
    await problem(await post(raw, key, "k-402"), 402);
    await grant(accountId, LOW);
    const res = await post(raw, key, "k-402");
    expect(res.status).toBe(202);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
  });

  it("forgets a key after 24 hours", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const raw = body("idem: expiry");
    const first = (await (await post(raw, key, "k-old")).json()) as { jobId: string };
    await runInDurableObject(accountOf(accountId), (_i, state) => {
      state.storage.sql.exec("UPDATE idempotency SET created = created - ?", IDEMPOTENCY_TTL_MS);
    });
    const second = (await (await post(raw, key, "k-old")).json()) as { jobId: string };
    expect(second.jobId).not.toBe(first.jobId);
  });

  it("refuses a key longer than 255 characters or with control characters", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    expect((await post(body("idem: 255"), key, "k".repeat(255))).status).toBe(202);
    const long = await problem(await post(body("idem: 256"), key, "k".repeat(256)), 400);
    expect(long.errors).toEqual([{ path: "Idempotency-Key", message: expect.stringMatching(/255/) }]);
    await problem(await post(body("idem: tab"), key, "a\tb"), 400);
    expect(await checkedLedger(accountId)).toMatchObject({ reserved: LOW });
  });

  it("takes the same JSON with its keys reordered and other whitespace as the same request", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const first = (await (await post(body("idem: canonical"), key, "k-order")).json()) as { jobId: string };
    const reordered = `{ "gptImage2Params": {"quality":"low"},\n  "model": "gpt-image-2", "prompt": "idem: canonical" }`;
    const again = await post(reordered, key, "k-order");
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as { jobId: string }).jobId).toBe(first.jobId);
    expect(await checkedLedger(accountId)).toMatchObject({ reserved: LOW, balance: 20 - LOW });
  });

  it("counts the route: the same key and body on another create is a different request", async () => {
    const { key } = await mintAccount({ credits: 20 });
    const v1 = JSON.stringify({ model: "gpt-image-2", prompt: "idem: routes", quality: "low" });
    const first = await api("/v1/images/generations", { method: "POST", body: v1, key, headers: { "idempotency-key": "k-route" } });
    await runToEnd(first.headers.get("x-imagegate-job-id")!);
    await first.text();
    const edit = JSON.stringify({ model: "gpt-image-2", prompt: "idem: routes", quality: "low", images: [{ image_url: "https://example.com/a.png" }] });
    const other = await api("/v1/images/edits", { method: "POST", body: edit, key, headers: { "idempotency-key": "k-route" } });
    expect(other.status).toBe(422);
  });
});

describe("Idempotency-Key on /v1 (OpenAI)", () => {
  const generate = { model: "gpt-image-2", prompt: "idem v1: a fox", quality: "low" } as const;

  it("the openai SDK sends no Idempotency-Key of its own: only a caller's header makes a create idempotent", async () => {
    const { key } = await mintAccount({ credits: 20 });
    const seen: (string | null)[] = [];
    const client = new OpenAI({
      baseURL: "https://imagegate.test/v1",
      apiKey: key,
      maxRetries: 0,
      fetch: async (url: RequestInfo | URL, init?: RequestInit) => {
        seen.push(new Headers(init?.headers).get("idempotency-key"));
        return new Response(JSON.stringify({ created: 1, data: [] }), { headers: { "content-type": "application/json" } });
      },
    });
    await client.images.generate(generate);
    await client.images.generate(generate, { headers: { "Idempotency-Key": "mine" } });
    expect(seen).toEqual([null, "mine"]);
  });

  it("replays the same job's answer for the same key and body (reordered), charging once", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const client = openaiClient({ drive: true, apiKey: key });
    const headers = { "Idempotency-Key": "v1-order-1" };
    const first = await client.images.generate(generate, { headers }).withResponse();
    const jobId = first.response.headers.get("x-imagegate-job-id");
    expect(first.response.headers.get("idempotent-replayed")).toBeNull();
    const reordered = { quality: "low", prompt: generate.prompt, model: "gpt-image-2" } as const;
    const again = await client.images.generate(reordered, { headers }).withResponse();
    expect(again.response.headers.get("x-imagegate-job-id")).toBe(jobId);
    expect(again.response.headers.get("idempotent-replayed")).toBe("true");
    expect(again.data.data![0]!.b64_json).toBe(first.data.data![0]!.b64_json);
    expect(await checkedLedger(accountId)).toEqual({ granted: 20, balance: 20 - LOW, reserved: 0, spent: LOW });
  });

  it("refuses the same key with another body in OpenAI's envelope (422, not retried by the SDK)", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const client = openaiClient({ drive: true, apiKey: key });
    const headers = { "Idempotency-Key": "v1-mismatch" };
    await client.images.generate(generate, { headers });
    const err = await client.images.generate({ ...generate, prompt: "idem v1: a cat" }, { headers }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    expect((err as InstanceType<typeof OpenAI.APIError>).error).toEqual({
      message: expect.stringMatching(/Idempotency-Key was used with a different request body/),
      type: "invalid_request_error",
      param: null,
      code: "unprocessable",
    });
    expect(await checkedLedger(accountId)).toMatchObject({ spent: LOW, reserved: 0 });
  });

  it("refuses a malformed key in OpenAI's envelope before storing anything", async () => {
    const { key } = await mintAccount({ credits: 20 });
    const res = await api("/v1/images/generations", { method: "POST", body: JSON.stringify(generate), key, headers: { "idempotency-key": "k".repeat(256) } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { param: "Idempotency-Key", type: "invalid_request_error" } });
  });

  it("replays a JSON edit with a data: URL; another image under the key is refused", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const dataUrl = async (w: number) => `data:image/png;base64,${bytesToB64(await pngBytes(w, 16))}`;
    const edit = async (raw: string) => {
      const res = await api("/v1/images/edits", { method: "POST", body: raw, key, headers: { "idempotency-key": "v1-edit-json" } });
      const jobId = res.headers.get("x-imagegate-job-id");
      if (jobId) await runToEnd(jobId);
      return { res, jobId, text: await res.text() };
    };
    const image = await dataUrl(16);
    const first = await edit(JSON.stringify({ model: "gpt-image-2", prompt: "idem: json edit", quality: "low", images: [{ image_url: image }] }));
    expect(first.res.status).toBe(200);
    const again = await edit(JSON.stringify({ images: [{ image_url: image }], quality: "low", prompt: "idem: json edit", model: "gpt-image-2" }, null, 2));
    expect(again.jobId).toBe(first.jobId);
    expect(again.res.headers.get("idempotent-replayed")).toBe("true");
    const other = await edit(JSON.stringify({ model: "gpt-image-2", prompt: "idem: json edit", quality: "low", images: [{ image_url: await dataUrl(17) }] }));
    expect(other.res.status).toBe(422);
    expect(JSON.parse(other.text)).toMatchObject({ error: { code: "unprocessable" } });
    expect(await checkedLedger(accountId)).toMatchObject({ spent: LOW, reserved: 0 });
  });

  it("replays a multipart edit with the same fields and file bytes (names aside); other bytes are refused", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const client = openaiClient({ drive: true, apiKey: key });
    const headers = { "Idempotency-Key": "v1-edit-form" };
    const [a, b] = [await pngBytes(24, 24), await pngBytes(25, 24)];
    const form = async (bytes: Uint8Array, name: string) => ({ model: "gpt-image-2", prompt: "idem: form edit", quality: "low" as const, image: await toFile(bytes, name, { type: "image/png" }) });
    const first = await client.images.edit(await form(a, "a.png"), { headers }).withResponse();
    const again = await client.images.edit(await form(a, "renamed.png"), { headers }).withResponse();
    expect(again.response.headers.get("x-imagegate-job-id")).toBe(first.response.headers.get("x-imagegate-job-id"));
    expect(again.response.headers.get("idempotent-replayed")).toBe("true");
    const err = await client.images.edit(await form(b, "a.png"), { headers }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    expect(await checkedLedger(accountId)).toMatchObject({ spent: LOW, reserved: 0 });
  });
});

describe("Idempotency-Key on /api/rest (Leonardo)", () => {
  const generation = { model: "gpt-image-2", parameters: { prompt: "idem leonardo: koala", quality: "LOW", quantity: 1, width: 1024, height: 1024 } };
  const create = (raw: string, key: string, idem: string) =>
    api("/api/rest/v2/generations", { method: "POST", body: raw, key, headers: { "idempotency-key": idem } });

  it("answers the same generation for the same key and body (reordered), charging once", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const first = await create(JSON.stringify(generation), key, "leo-1");
    expect(first.status).toBe(200);
    const firstBody = (await first.json()) as { generate: { generationId: string; apiCreditCost: number } };
    const reordered = JSON.stringify({ parameters: { height: 1024, width: 1024, quantity: 1, quality: "LOW", prompt: generation.parameters.prompt }, model: "gpt-image-2" });
    const again = await create(reordered, key, "leo-1");
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(firstBody);
    expect(await checkedLedger(accountId)).toMatchObject({ reserved: firstBody.generate.apiCreditCost, balance: 20 - firstBody.generate.apiCreditCost });
  });

  it("refuses the same key with another body in Leonardo's envelope", async () => {
    const { key } = await mintAccount({ credits: 20 });
    expect((await create(JSON.stringify(generation), key, "leo-2")).status).toBe(200);
    const other = { ...generation, parameters: { ...generation.parameters, prompt: "idem leonardo: wombat" } };
    const res = await create(JSON.stringify(other), key, "leo-2");
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/different request body/), path: "$", code: "unprocessable" });
  });
});
