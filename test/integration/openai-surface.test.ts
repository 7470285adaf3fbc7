import { env, SELF } from "cloudflare:test";
import OpenAI, { APIError, toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageDimensions } from "../../src/lib/sniff";
import { modelEntries } from "../../src/catalogue";
import { KEEP_ALIVE } from "../../src/surfaces/openai/answer";
import { BASE, DEV_KEY, fireAlarm, patchJob, runToEnd, sha256Hex, storedJob } from "../helpers/api";
import { b64ToBytes, bytesToB64, jobWithPrompt, openaiClient, pngBytes, rowChanges } from "../helpers/compat";
import { pinLifecycle } from "../helpers/models";
import { until } from "../helpers/hold";
import { simImageUrl } from "../helpers/upstream";

// The OpenAI-compatible surface, driven by the official openai SDK. Answers start at once (grace 0) so the test can
// read the job id from x-imagegate-job-id and run the job through its alarms before the SDK reads the body.

const saved = { ...KEEP_ALIVE };
beforeAll(() => Object.assign(KEEP_ALIVE, { graceMs: 0, intervalMs: 20 }));
afterAll(() => Object.assign(KEEP_ALIVE, saved));

// gpt-image-1.5's own rules are tested here (its three sizes, input_fidelity on edits), and GET /v1/models lists it
// beside gpt-image-2: it stays active in this file whatever the date (its retirement: lifecycle.test.ts).
pinLifecycle("gpt-image-1.5");

const client = openaiClient({ drive: true });
const fresh = (label: string) => `${label} ${crypto.randomUUID()}`;

async function r2Sha(key: string): Promise<string> {
  const object = await env.FILES.get(key);
  return sha256Hex(new Uint8Array(await object!.arrayBuffer()));
}

async function badRequest(call: Promise<unknown>): Promise<APIError> {
  const err = await call.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  return err as APIError;
}

describe("POST /v1/images/generations", () => {
  it("answers OpenAI's shape with base64 PNGs of the requested size, byte for byte what R2 holds", async () => {
    const { data: body, response } = await client.images
      .generate({ model: "gpt-image-2", prompt: fresh("a fox"), size: "1536x864", n: 2, quality: "low" })
      .withResponse();
    expect(body).toMatchObject({ created: expect.any(Number), size: "1536x864", output_format: "png", quality: "low" });
    expect(body.background).toBeUndefined(); // asked "auto": not known what the provider chose
    expect(body.data).toHaveLength(2);
    const rec = await storedJob(response.headers.get("x-imagegate-job-id")!);
    expect(rec.spec).toMatchObject({ model: "gpt-image-2", width: 1536, height: 864, quantity: 2, outputFormat: "png", aspectRatio: null });
    for (const [i, image] of body.data!.entries()) {
      const bytes = b64ToBytes(image.b64_json!);
      expect(imageDimensions(bytes)).toEqual({ width: 1536, height: 864 });
      expect(await sha256Hex(bytes)).toBe(rec.files[i]!.sha256);
      expect(await r2Sha(rec.files[i]!.key)).toBe(rec.files[i]!.sha256);
    }
    expect(body.data![0]!.b64_json).not.toBe(body.data![1]!.b64_json);
  });

  it("maps size auto (and none) to the model's default, and gpt-image-1.5's three sizes", async () => {
    for (const [model, size, expected] of [
      ["gpt-image-2", "auto", { width: 1024, height: 1024 }],
      ["gpt-image-1.5", undefined, { width: 1024, height: 1024 }],
      ["gpt-image-1.5", "1536x1024", { width: 1536, height: 1024 }],
      ["gpt-image-1.5", "1024x1536", { width: 1024, height: 1536 }],
    ] as const) {
      const body = await client.images.generate({ model, prompt: fresh("sizes"), ...(size ? { size } : {}) });
      expect(imageDimensions(b64ToBytes(body.data![0]!.b64_json!))).toEqual(expected);
      expect(body.size).toBe(`${expected.width}x${expected.height}`);
    }
  });

  it("uses the newest model when none is given", async () => {
    const { response } = await client.images.generate({ prompt: fresh("no model") }).withResponse();
    const newest = [...modelEntries()].sort((a, b) => b.releasedOn.localeCompare(a.releasedOn))[0]!;
    expect((await storedJob(response.headers.get("x-imagegate-job-id")!)).spec.model).toBe(newest.id);
  });

  it('answers signed imagegate URLs with response_format "url"', async () => {
    const body = await client.images.generate({ model: "gpt-image-2", prompt: fresh("urls"), size: "1376x768", response_format: "url" });
    const url = body.data![0]!.url!;
    expect(body.data![0]!.b64_json).toBeUndefined();
    expect(url).toMatch(new RegExp(`^${BASE}/v2/files/jobs/[0-9a-f-]{36}/0\\.png\\?exp=\\d+&sig=[0-9a-f]{64}$`));
    const file = await SELF.fetch(url);
    expect(file.status).toBe(200);
    expect(imageDimensions(new Uint8Array(await file.arrayBuffer()))).toEqual({ width: 1376, height: 768 });
  });

  it("streams partial images, then one image_generation.completed per image", async () => {
    const { data: stream, response } = await client.images
      .generate({ model: "gpt-image-2", prompt: fresh("stream"), size: "1024x1536", n: 2, stream: true, partial_images: 2 })
      .withResponse();
    const events = [];
    for await (const event of stream) events.push(event);
    // The sandbox makes each partial for both images before the next, coarsest first (64-pixel blocks, then 32).
    expect(events.map((e) => [e.type, "partial_image_index" in e ? e.partial_image_index : null])).toEqual([
      ["image_generation.partial_image", 0],
      ["image_generation.partial_image", 0],
      ["image_generation.partial_image", 1],
      ["image_generation.partial_image", 1],
      ["image_generation.completed", null],
      ["image_generation.completed", null],
    ]);
    const changes = [];
    for (const event of events) {
      expect(event).toMatchObject({ size: "1024x1536", output_format: "png", quality: "auto", background: "auto", created_at: expect.any(Number) });
      const bytes = b64ToBytes(event.b64_json);
      expect(imageDimensions(bytes)).toEqual({ width: 1024, height: 1536 });
      changes.push(await rowChanges(bytes));
    }
    expect(changes[0]).toBeLessThanOrEqual(1536 / 64);
    expect(changes[2]).toBeLessThanOrEqual(1536 / 32);
    expect(changes[4]).toBeGreaterThan(1536 / 16);
    const rec = await storedJob(response.headers.get("x-imagegate-job-id")!);
    expect(rec.spec.partialImages).toBe(2);
    expect(await sha256Hex(b64ToBytes(events[4]!.b64_json))).toBe(rec.files[0]!.sha256);
  });

  it("asks for no partial images without stream, as OpenAI ignores partial_images there", async () => {
    const { response } = await client.images.generate({ model: "gpt-image-2", prompt: fresh("no stream"), partial_images: 3 }).withResponse();
    const rec = await storedJob(response.headers.get("x-imagegate-job-id")!);
    expect(rec.status).toBe("COMPLETED");
    expect(rec.spec.partialImages).toBeUndefined();
  });

  it("keeps output_compression on the job for the providers that take it", async () => {
    const { response } = await client.images
      .generate({ model: "gpt-image-2", prompt: fresh("compressed"), output_format: "webp", output_compression: 40 })
      .withResponse();
    expect((await storedJob(response.headers.get("x-imagegate-job-id")!)).spec).toMatchObject({ outputFormat: "webp", outputCompression: 40 });
  });
});

describe("errors in OpenAI's envelope, as the SDK's error classes", () => {
  it.each([
    [{ model: "gpt-image-1.5", prompt: "p", size: "1536x1536" }, "size", "invalid_value", /not a gpt-image-1.5 size: use one of 1024x1024/],
    [{ model: "gpt-image-2", prompt: "p", size: "3840x2160" }, "size", "invalid_value", /width 3840 is too large/],
    [{ model: "gpt-image-2", prompt: "p", size: "big" }, "size", "invalid_value", /WIDTHxHEIGHT/],
    [{ model: "gpt-image-2", prompt: "p", n: 11 }, "n", "invalid_value", /n:/],
    [{ model: "gpt-image-2", prompt: "p", quality: "hd" }, "quality", "invalid_value", /quality:/],
    [{ model: "gpt-image-2", prompt: "p", background: "transparent", output_format: "jpeg" }, "background", "invalid_value", /needs output_format png or webp/],
    [{ model: "gpt-image-2", prompt: "p", output_compression: 101 }, "output_compression", "invalid_value", /output_compression/],
    [{ model: "gpt-image-2", prompt: "p", partial_images: 4 }, "partial_images", "invalid_value", /partial_images/],
    [{ model: "dall-e-3", prompt: "p" }, "model", "invalid_value", new RegExp(`must be one of ${modelEntries().flatMap((e) => [e.id, ...e.aliases]).join(", ").replaceAll(".", "\\.")}$`)],
    [{ model: "gpt-image-2" }, "prompt", "missing_required_parameter", /prompt/],
    [{ model: "gpt-image-2", prompt: "" }, "prompt", "invalid_value", /must not be empty/],
    [{ model: "gpt-image-2", prompt: "p", style: "vivid" }, "style", "unknown_parameter", /style: unknown parameter/],
    [{ model: "gpt-image-2", prompt: "p", input_fidelity: "high" }, "input_fidelity", "unknown_parameter", /input_fidelity/],
  ])("%j → 400 param %s", async (body, param, code, message) => {
    const err = await badRequest(client.images.generate(body as never));
    expect(err.status).toBe(400);
    expect(err.param).toBe(param);
    expect(err.code).toBe(code);
    expect(err.type).toBe("invalid_request_error");
    expect(err.message).toMatch(message);
  });

  it("401s a wrong key with AuthenticationError", async () => {
    const err = await openaiClient({ apiKey: "ig_test_wrong" }).images.generate({ model: "gpt-image-2", prompt: "p" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as APIError).code).toBe("invalid_api_key");
  });

  it("answers malformed JSON and unknown routes in the envelope, never a 500", async () => {
    const res = await SELF.fetch(`${BASE}/v1/images/generations`, {
      method: "POST",
      headers: { authorization: `Bearer ${DEV_KEY}`, "content-type": "application/json" },
      body: '{"prompt": ',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { message: expect.stringMatching(/not valid JSON/), type: "invalid_request_error", param: null, code: null } });
    for (const raw of ["null", "[]", "42"]) {
      const r = await SELF.fetch(`${BASE}/v1/images/generations`, { method: "POST", headers: { authorization: `Bearer ${DEV_KEY}`, "content-type": "application/json" }, body: raw });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    }
    const missing = await SELF.fetch(`${BASE}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${DEV_KEY}` } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});

describe("POST /v1/images/edits", () => {
  it("takes a multipart form with image[] and a mask, storing each file as an upload", async () => {
    const [a, b, mask] = [await pngBytes(64, 48), await pngBytes(32, 32), await pngBytes(64, 48, true)];
    const prompt = fresh("edit multipart");
    const { data: body, response } = await client.images
      .edit({
        model: "gpt-image-1.5",
        prompt,
        image: [await toFile(a, "a.png", { type: "image/png" }), await toFile(b, "b.png", { type: "image/png" })],
        mask: await toFile(mask, "mask.png", { type: "image/png" }),
        input_fidelity: "high",
        size: "1536x1024",
      })
      .withResponse();
    expect(imageDimensions(b64ToBytes(body.data![0]!.b64_json!))).toEqual({ width: 1536, height: 1024 });
    const rec = await storedJob(response.headers.get("x-imagegate-job-id")!);
    expect(rec.spec).toMatchObject({ prompt, inputFidelity: "high", width: 1536, height: 1024 });
    expect(rec.spec.references.map((r) => r.kind)).toEqual(["upload", "upload"]);
    expect(rec.spec.mask?.kind).toBe("upload");
    const ids = [...rec.spec.references, rec.spec.mask!].map((r) => (r as { id: string }).id);
    for (const [i, original] of [a, b, mask].entries()) {
      const object = await env.FILES.get(`uploads/${ids[i]}.png`);
      expect(await sha256Hex(new Uint8Array(await object!.arrayBuffer()))).toBe(await sha256Hex(original));
    }
    expect(rec.input).toMatchObject({ image: ids.slice(0, 2), mask: ids[2] });
  });

  it("takes a single image field, and streams image_edit events", async () => {
    const stream = await client.images.edit({ model: "gpt-image-2", prompt: fresh("edit stream"), image: await toFile(await pngBytes(16, 16), "x.png"), stream: true });
    const types = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(["image_edit.completed"]);
    const partials = await client.images.edit({ model: "gpt-image-2", prompt: fresh("edit partials"), image: await toFile(await pngBytes(16, 16), "x.png"), stream: true, partial_images: 1 });
    const partialTypes = [];
    for await (const event of partials) partialTypes.push(event.type);
    expect(partialTypes).toEqual(["image_edit.partial_image", "image_edit.completed"]);
  });

  it("takes the JSON variant with a data: URL (decoded into an upload) and an https URL", async () => {
    const png = await pngBytes(40, 30);
    const prompt = fresh("edit json");
    const catUrl = await simImageUrl(`cat for ${prompt}`); // a real image the job fetches through the SSRF guard
    const { data: body, response } = await client
      .post<OpenAI.ImagesResponse>("/images/edits", {
        body: { model: "gpt-image-2", prompt, images: [{ image_url: `data:image/png;base64,${bytesToB64(png)}` }, { image_url: catUrl }] },
      })
      .withResponse();
    expect(imageDimensions(b64ToBytes(body.data![0]!.b64_json!))).toEqual({ width: 1024, height: 1024 });
    const rec = await storedJob(response.headers.get("x-imagegate-job-id")!);
    const [upload, copied] = rec.spec.references;
    // The URL reference was fetched once through the SSRF guard and copied into R2 before any provider saw it.
    expect(copied!.kind).toBe("upload");
    expect(await sha256Hex(new Uint8Array(await (await fetch(catUrl)).arrayBuffer()))).toBe(
      await sha256Hex(new Uint8Array(await (await env.FILES.get(`uploads/${(copied as { id: string }).id}.png`))!.arrayBuffer())),
    );
    expect(upload!.kind).toBe("upload");
    const id = (upload as { id: string }).id;
    expect(await sha256Hex(new Uint8Array(await (await env.FILES.get(`uploads/${id}.png`))!.arrayBuffer()))).toBe(await sha256Hex(png));
    expect(rec.input).toMatchObject({ images: [{ image_url: id }, { image_url: catUrl }] });
  });

  it.each([
    [{ images: [{ image_url: "https://169.254.169.254/latest/meta-data" }] }, "images[0].image_url", /refused/],
    [{ images: [{ image_url: "http://10.0.0.1/a.png" }] }, "images[0].image_url", /refused/],
    [{ images: [{ image_url: "data:image/png;base64,@@@@" }] }, "images[0].image_url", /not valid base64/],
    [{ images: [{ image_url: `data:image/png;base64,${btoa("not an image at all")}` }] }, "images[0].image_url", /not a png, jpeg or webp/],
    [{ images: [{ file_id: "file-123" }] }, "images[0].file_id", /give image_url/],
    [{ images: [] }, "images", /at least one image/],
    [{}, "images", /images/],
    [{ images: [{ image_url: "https://example.com/a.png" }], input_fidelity: "high" }, "input_fidelity", /only gpt-image-1.5 takes it/],
  ])("refuses the JSON edit %j with param %s", async (extra, param, message) => {
    const err = await badRequest(client.post("/images/edits", { body: { model: "gpt-image-2", prompt: "p", ...extra } }));
    expect(err.param).toBe(param);
    expect(err.message).toMatch(message);
  });

  it("refuses multipart edits without an image, with a non-image, or with a mask that is not a PNG", async () => {
    const png = await toFile(await pngBytes(8, 8), "a.png");
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{}, "image", "missing_required_parameter"],
      [{ image: await toFile(new TextEncoder().encode("<svg></svg>"), "a.svg") }, "image", "invalid_value"],
      [{ image: png, mask: await toFile(jpeg, "m.jpg") }, "mask", "invalid_value"],
    ];
    for (const [files, param, code] of cases) {
      const err = await badRequest(client.images.edit({ model: "gpt-image-2", prompt: "p", ...files } as never));
      expect([err.param, err.code]).toEqual([param, code]);
    }
  });

  it("415s an edit that is neither JSON nor multipart", async () => {
    const res = await SELF.fetch(`${BASE}/v1/images/edits`, { method: "POST", headers: { authorization: `Bearer ${DEV_KEY}`, "content-type": "text/plain" }, body: "hi" });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unsupported_media_type");
  });
});

describe("GET /v1/models", () => {
  it("lists the catalogue's models in OpenAI's shape, and retrieves one", async () => {
    const page = await client.models.list();
    // Every model is active here (gpt-image-1.5 pinned above; the others have no dates): none has a shutdown date.
    expect(page.data).toEqual(
      modelEntries().map((e) => ({ id: e.id, object: "model", created: Date.parse(`${e.releasedOn}T00:00:00Z`) / 1000, owned_by: "openai", shutdown_date: null })),
    );
    expect(page.data[0]).toMatchObject({ id: "gpt-image-1.5", created: Date.parse("2025-12-16T00:00:00Z") / 1000 });
    expect(await client.models.retrieve("gpt-image-2")).toMatchObject({ id: "gpt-image-2", object: "model" });
    const err = await client.models.retrieve("dall-e-3").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as APIError).param).toBe("model");
  });
});

describe("waiting for long jobs", () => {
  const post = (body: object) =>
    SELF.fetch(`${BASE}/v1/images/generations`, { method: "POST", headers: { authorization: `Bearer ${DEV_KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });

  it("keeps the connection alive with whitespace, then sends a body JSON parsers read", async () => {
    const res = await post({ model: "gpt-image-2", prompt: fresh("slow"), size: "1024x1024" });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^ +$/); // the job has not ended: only keep-alive bytes so far
    await runToEnd(res.headers.get("x-imagegate-job-id")!);
    let text = first;
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
    const body = JSON.parse(text) as { data: Array<{ b64_json: string }> };
    expect(imageDimensions(b64ToBytes(body.data[0]!.b64_json))).toEqual({ width: 1024, height: 1024 });
  });

  it("reports a job that fails after the answer started as OpenAI's error object in the body", async () => {
    const res = await post({ model: "gpt-image-2", prompt: fresh("fails late") });
    const id = res.headers.get("x-imagegate-job-id")!;
    // The job's first step runs in its create (JobDO.createAndWait): once it has saved, the job is aged past its deadline.
    await until(async () => (await storedJob(id)).attempts.length > 0);
    await patchJob(id, (r) => ({ ...r, deadlineAt: Date.now() - 1, wakeAt: Date.now() - 1 }));
    await fireAlarm(id);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toMatch(/^ +\{"error":/); // keep-alive bytes, then the error
    expect(JSON.parse(text)).toEqual({ error: { message: expect.stringMatching(/deadline/), type: "server_error", param: null, code: "timeout" } });
  });

  it("sends a failure as an SSE error event, which the SDK throws", async () => {
    const prompt = fresh("stream fails");
    const stream = await openaiClient().images.generate({ model: "gpt-image-2", prompt, stream: true });
    const rec = await jobWithPrompt(prompt);
    await until(async () => (await storedJob(rec.id)).attempts.length > 0);
    await patchJob(rec.id, (r) => ({ ...r, deadlineAt: Date.now() - 1, wakeAt: Date.now() - 1 }));
    await fireAlarm(rec.id);
    const err = await (async () => {
      for await (const _event of stream) expect.unreachable();
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as APIError).code).toBe("timeout");
  });

  describe("a job that ends within the grace period", () => {
    beforeAll(() => Object.assign(KEEP_ALIVE, { graceMs: 30_000 }));
    afterAll(() => Object.assign(KEEP_ALIVE, { graceMs: 0 }));

    it("gets a plain answer with no leading whitespace", async () => {
      const prompt = fresh("quick");
      const pending = post({ model: "gpt-image-2", prompt });
      await runToEnd((await jobWithPrompt(prompt)).id);
      const res = await pending;
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(text.startsWith('{"created":')).toBe(true);
    });

    it("gets a failure as a real HTTP status the SDK raises, told not to retry", async () => {
      const prompt = fresh("quick failure");
      const pending = openaiClient().images.generate({ model: "gpt-image-2", prompt }).catch((e: unknown) => e);
      const rec = await jobWithPrompt(prompt);
      await patchJob(rec.id, (r) => ({ ...r, deadlineAt: Date.now() - 1, wakeAt: Date.now() - 1 }));
      await fireAlarm(rec.id);
      const err = (await pending) as APIError;
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect(err.status).toBe(504);
      expect(err.code).toBe("timeout");
      expect(err.headers?.get("x-should-retry")).toBe("false");
    });
  });
});
