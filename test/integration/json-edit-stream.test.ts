import { env, SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEEP_ALIVE } from "../../src/surfaces/openai/answer";
import { mintAccount, type TestAccount } from "../helpers/accounts";
import { BASE, runToEnd, sha256Hex, storedJob } from "../helpers/api";
import { bytesToB64, pngBytes } from "../helpers/compat";
import { activeModel, withLifecycle } from "../helpers/models";

// POST /v1/images/edits with JSON, read as a stream (json-edit-body.ts): a data: URL of several megabytes is decoded
// into R2 as it arrives and gives the job and files it gave when the body was parsed whole; a body that breaks says
// where; and an edit refused after its images were stored (402, 429, 410, a bad mask, an invalid field, an invalid
// second image, malformed JSON, an idempotent replay) leaves no upload of it in R2.

const saved = { ...KEEP_ALIVE };
beforeAll(() => Object.assign(KEEP_ALIVE, { graceMs: 0, intervalMs: 20 }));
afterAll(() => Object.assign(KEEP_ALIVE, saved));

const model = activeModel().id;

function edit(key: string, body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`${BASE}/v1/images/edits`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body,
  });
}

/** The account's uploads in R2 (keys), and anything left in staging. */
async function uploadsOf(accountId: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.FILES.list({ prefix: "uploads/", cursor, include: ["customMetadata"] });
    keys.push(...page.objects.filter((o) => o.customMetadata?.accountId === accountId).map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

/** A real PNG followed by `extra` bytes of noise: a multi-megabyte image whose bytes are all checked. */
async function bigPng(extra: number): Promise<Uint8Array> {
  const head = await pngBytes(32, 24);
  const out = new Uint8Array(head.length + extra);
  out.set(head);
  for (let i = head.length, x = 7; i < out.length; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

const dataUrl = (bytes: Uint8Array, type = "png"): string => `data:image/${type};base64,${bytesToB64(bytes)}`;

/** `text` as a stream of 64 KiB chunks with no declared length, as a client streaming its body sends it. */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, (at += 64 * 1024)));
    },
  });
}

describe("a streamed JSON edit", () => {
  it.each([
    ["with its length declared", (s: string) => s],
    ["in chunks of no declared length", chunked],
  ])("stores a 6 MB data: URL byte for byte and makes the job it made before (%s)", async (_how, send) => {
    const { key, accountId } = await mintAccount({ credits: 100 });
    const png = await bigPng(6 * 1024 * 1024);
    // "/" escaped as "\/", as some JSON encoders write it.
    const body = JSON.stringify({ model, prompt: "streamed edit", quality: "low", images: [{ image_url: dataUrl(png) }] }).replaceAll("/", "\\/");
    const res = await edit(key, send(body));
    expect(res.status).toBe(200);
    const jobId = res.headers.get("x-imagegate-job-id")!;
    await runToEnd(jobId);
    const answer = (await res.json()) as { data: { b64_json: string }[] };
    expect(answer.data).toHaveLength(1);

    const rec = await storedJob(jobId);
    expect(rec.spec.references).toHaveLength(1);
    const [ref] = rec.spec.references as [{ kind: string; id: string }];
    expect(ref.kind).toBe("upload");
    expect(rec.input).toMatchObject({ prompt: "streamed edit", images: [{ image_url: ref.id }] });
    const object = await env.FILES.get(`uploads/${ref.id}.png`);
    expect(object!.customMetadata).toMatchObject({ accountId, sha256: await sha256Hex(png), width: "32", height: "24" });
    expect(await sha256Hex(new Uint8Array(await object!.arrayBuffer()))).toBe(await sha256Hex(png));
    expect(await uploadsOf(accountId)).toEqual([`uploads/${ref.id}.png`]);
  });

  it("says where a malformed body broke, after a data: URL it had already begun to store", async () => {
    const { key, accountId } = await mintAccount({ credits: 100 });
    const body = `{"model":"${model}","prompt":"p","images":[{"image_url":"${dataUrl(await bigPng(1024 * 1024))}"}],}`;
    const res = await edit(key, body);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string; code: string | null; param: string | null } };
    expect(error).toMatchObject({ code: null, param: null });
    expect(error.message).toBe(
      `The body is not valid JSON: expected a property name in double quotes at line 1, column ${body.length} (position ${body.length - 1}), found "}".`,
    );
    expect(await uploadsOf(accountId)).toEqual([]);
  });

  it("refuses a body past the edit limit with no declared length, without reading all of it", async () => {
    const { key, accountId } = await mintAccount({ credits: 100 });
    const body = `{"model":"${model}","prompt":"p","images":[{"image_url":"${dataUrl(await bigPng(25 * 1024 * 1024 - 64))}"}]}`;
    expect(body.length).toBeGreaterThan(32 * 1024 * 1024);
    const res = await edit(key, chunked(body));
    expect(res.status).toBe(413);
    expect(await uploadsOf(accountId)).toEqual([]);
  });
});

describe("an edit refused after its images were stored leaves none of them in R2", () => {
  const png = pngBytes(16, 16);
  const editBody = async (extra: Record<string, unknown> = {}) =>
    JSON.stringify({ model, prompt: "refused edit", quality: "low", images: [{ image_url: dataUrl(await png) }], ...extra });

  async function refused(account: TestAccount, body: string, status: number, headers: Record<string, string> = {}): Promise<{ message: string; param: string | null }> {
    const res = await edit(account.key, body, headers);
    const answer = (await res.json()) as { error: { message: string; param: string | null } };
    expect([res.status, answer.error.message]).toEqual([status, expect.any(String)]);
    expect(await uploadsOf(account.accountId)).toEqual([]);
    return answer.error;
  }

  it("402: the account has no credits", async () => {
    expect((await refused(await mintAccount(), await editBody(), 402)).message).toMatch(/credits/);
  });

  it("429: the key's rate limit is spent (the admitted edit keeps its one upload)", async () => {
    const account = await mintAccount({ credits: 100, requestsPerMinute: 1 });
    const first = await edit(account.key, await editBody());
    expect(first.status).toBe(200);
    await runToEnd(first.headers.get("x-imagegate-job-id")!);
    await first.text();
    const kept = await uploadsOf(account.accountId);
    expect(kept).toHaveLength(1);
    const res = await edit(account.key, await editBody());
    expect(res.status).toBe(429);
    await res.text();
    expect(await uploadsOf(account.accountId)).toEqual(kept);
  });

  it("410: the model is retired", async () => {
    const retired = { deprecatedOn: "2020-01-01", sunsetOn: "2020-06-01", successors: [], note: "test: retired" };
    const error = await withLifecycle(model, retired, async () => refused(await mintAccount({ credits: 100 }), await editBody(), 410));
    expect(error.message).toContain(`${model} was retired on 2020-06-01`);
  });

  it("400: the mask is not a PNG", async () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
    const error = await refused(await mintAccount({ credits: 100 }), await editBody({ mask: { image_url: dataUrl(jpeg, "jpeg") } }), 400);
    expect(error).toEqual({ message: "mask.image_url: must be a png image, not image/jpeg", param: "mask.image_url", type: "invalid_request_error", code: "invalid_value" });
  });

  it("400: another field is invalid", async () => {
    const error = await refused(await mintAccount({ credits: 100 }), await editBody({ quality: "astonishing" }), 400);
    expect(error.param).toBe("quality");
  });

  it("400: a later image is not valid base64, or not an image, each named as before", async () => {
    const body = JSON.stringify({
      model,
      prompt: "p",
      images: [{ image_url: dataUrl(await png) }, { image_url: "data:image/png;base64,@@@@" }, { image_url: `data:image/png;base64,${btoa("not an image at all")}` }],
    });
    const error = await refused(await mintAccount({ credits: 100 }), body, 400);
    expect(error.message).toBe("images.1.image_url: is not valid base64; images.2.image_url: is not a png, jpeg or webp image");
    expect(error.param).toBe("images[1].image_url");
  });

  it("an idempotent replay: the first request's job answers and the replay's copy is deleted", async () => {
    const account = await mintAccount({ credits: 100 });
    const headers = { "idempotency-key": "json-edit-replay" };
    const first = await edit(account.key, await editBody(), headers);
    const jobId = first.headers.get("x-imagegate-job-id")!;
    await runToEnd(jobId);
    await first.text();
    const kept = await uploadsOf(account.accountId);
    expect(kept).toHaveLength(1);
    const again = await edit(account.key, await editBody(), headers);
    expect([again.status, again.headers.get("x-imagegate-job-id"), again.headers.get("idempotent-replayed")]).toEqual([200, jobId, "true"]);
    await again.text();
    expect(await uploadsOf(account.accountId)).toEqual(kept);
  });

  it("a repeated key: the image it replaced is not kept", async () => {
    const account = await mintAccount({ credits: 100 });
    const image = `{"image_url":"${dataUrl(await png)}"}`;
    const res = await edit(account.key, `{"model":"${model}","prompt":"p","quality":"low","images":[${image}],"images":[${image}]}`);
    expect(res.status).toBe(200);
    await runToEnd(res.headers.get("x-imagegate-job-id")!);
    await res.text();
    expect(await uploadsOf(account.accountId)).toHaveLength(1);
  });
});
