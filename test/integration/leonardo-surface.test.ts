import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { seed000Body } from "../helpers/seeds";
import { imageDimensions } from "../../src/lib/sniff";
import { uploadFields } from "../../src/surfaces/leonardo/upload-policy";
import { api, BASE, elapse, fireAlarm, patchJob, sha256Hex, storedJob } from "../helpers/api";
import { pngBytes } from "../helpers/compat";
import { pinLifecycle } from "../helpers/models";

// The Leonardo-compatible surface: the seeds' own sample bodies, every seed rule broken once, the two-step upload,
// GENERATED references, and polling as a Leonardo client does.

type Json = Record<string, any>;

// Seed 000 is gpt-image-1.5's (its three sizes, seed, reference strength): it stays active in this file whatever the
// date (its retirement: lifecycle.test.ts).
pinLifecycle("gpt-image-1.5");

// Seed 000's sample, its reference a made-up id (the tests that run it replace the guidance).
const SEED_000 = seed000Body("00000000-0000-0000-0000-000000000001");

// Seed 001's sample.
const SEED_001 = {
  public: false,
  model: "gpt-image-2",
  parameters: {
    quality: "MEDIUM",
    prompt: "Koala with purple hat",
    quantity: 2,
    width: 1376,
    height: 768,
    prompt_enhance: "OFF",
    guidances: { image_reference: [{ image: { id: "00000000-0000-0000-0000-000000000001", type: "UPLOADED" } }] },
  },
};

const withoutReferences = <T extends { parameters: object }>(sample: T): T => {
  const { guidances: _g, ...parameters } = sample.parameters as Json;
  return { ...sample, parameters };
};
const withParams = (sample: Json, patch: Json): Json => ({ ...sample, parameters: { ...sample.parameters, ...patch } });

const create = (body: unknown, key?: string | null) => api("/api/rest/v2/generations", { method: "POST", body: JSON.stringify(body), key });
const read = async (id: string): Promise<Json> => (await (await api(`/api/rest/v1/generations/${id}`)).json()) as Json;

async function generate(body: unknown): Promise<string> {
  const res = await create(body);
  const json = (await res.json()) as Json;
  if (res.status !== 200) throw new Error(`create answered ${res.status}: ${JSON.stringify(json)}`);
  return json.generate.generationId as string;
}

/** Polls as a Leonardo client would, moving the job's clock on between polls instead of sleeping. */
async function pollUntilDone(id: string): Promise<Json> {
  for (let i = 0; i < 50; i++) {
    const generation = (await read(id)).generations_by_pk;
    if (generation.status !== "PENDING") return generation;
    await elapse(id, 400);
    await fireAlarm(id);
  }
  throw new Error(`generation ${id} never finished`);
}

async function refused(body: unknown, status = 400): Promise<Json> {
  const res = await create(body);
  const json = (await res.json()) as Json;
  expect(res.status, JSON.stringify(json)).toBe(status);
  expect(Object.keys(json).sort()).toEqual(["code", "error", "path"]);
  return json;
}

/** Leonardo's two steps: init-image, then the form (every field, then the file) to the URL it gave, with no key. */
async function uploadInitImage(bytes: Uint8Array, extension = "png"): Promise<{ id: string; res: Response; init: Json }> {
  const initRes = await api("/api/rest/v1/init-image", { method: "POST", body: JSON.stringify({ extension }) });
  expect(initRes.status).toBe(200);
  const init = ((await initRes.json()) as Json).uploadInitImage;
  const form = new FormData();
  for (const [name, value] of Object.entries(JSON.parse(init.fields) as Record<string, string>)) form.append(name, value);
  form.append("file", new File([bytes], `ref.${extension}`));
  const res = await SELF.fetch(init.url, { method: "POST", body: form });
  return { id: init.id, res, init };
}

describe("the seeds' sample requests", () => {
  it("seed 000 (gpt-image-1.5), minus its unknown reference, runs to COMPLETE with its images", async () => {
    const res = await create(withoutReferences(SEED_000));
    expect(res.status).toBe(200);
    const { generate: created } = (await res.json()) as Json;
    expect(created).toEqual({ generationId: expect.stringMatching(/^[0-9a-f-]{36}$/), apiCreditCost: 18 }); // medium 9 × 2
    expect((await read(created.generationId)).generations_by_pk.status).toBe("PENDING");
    const generation = await pollUntilDone(created.generationId);
    expect(generation).toMatchObject({
      id: created.generationId, status: "COMPLETE", prompt: "Koala with purple hat", imageWidth: 1024, imageHeight: 1024,
      seed: 4294967295, modelId: "gpt-image-1.5", public: false, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(generation.generated_images.map((g: Json) => g.id)).toEqual([`${created.generationId}-0`, `${created.generationId}-1`]);
    for (const image of generation.generated_images) {
      expect(image.nsfw).toBe(false);
      const file = await SELF.fetch(image.url);
      expect(imageDimensions(new Uint8Array(await file.arrayBuffer()))).toEqual({ width: 1024, height: 1024 });
    }
    expect((await storedJob(created.generationId)).spec).toMatchObject({ quality: "medium", quantity: 2, seed: 4294967295, promptEnhance: false });
  });

  it("seed 001 (gpt-image-2), minus its unknown reference, runs to COMPLETE at 1376x768", async () => {
    const id = await generate(withoutReferences(SEED_001));
    const generation = await pollUntilDone(id);
    expect(generation).toMatchObject({ status: "COMPLETE", imageWidth: 1376, imageHeight: 768, seed: null, modelId: "gpt-image-2" });
    expect(generation.generated_images).toHaveLength(2);
    const file = await SELF.fetch(generation.generated_images[1].url);
    expect(imageDimensions(new Uint8Array(await file.arrayBuffer()))).toEqual({ width: 1376, height: 768 });
  });

  it("refuses the samples as printed, naming the reference id nobody uploaded", async () => {
    for (const sample of [SEED_000, SEED_001]) {
      const error = await refused(sample);
      expect(error).toMatchObject({ path: "$.parameters.guidances.image_reference[0].image.id", code: "validation-failed" });
      expect(error.error).toMatch(/00000000-0000-0000-0000-000000000001 does not exist/);
    }
  });
});

describe("every seed rule, broken once", () => {
  const one = withoutReferences(SEED_000);
  const two = withoutReferences(SEED_001);
  const ref = (id: string, extra: Json = {}) => ({ guidances: { image_reference: [{ image: { id, type: "UPLOADED" }, ...extra }] } });
  it.each([
    ["1.5: a size that is not one of its three", withParams(one, { width: 1376, height: 768 }), "$.parameters.width", /1376x768 is not a gpt-image-1.5 size/],
    ["1.5: width without height", withParams(one, { height: undefined }), "$.parameters.height", /both width and height/],
    ["quality outside LOW|MEDIUM|HIGH", withParams(one, { quality: "ULTRA" }), "$.parameters.quality", /must be LOW, MEDIUM, HIGH/],
    ["quality in the native spelling", withParams(two, { quality: "medium" }), "$.parameters.quality", /must be LOW, MEDIUM, HIGH/],
    ["the retired mode", withParams(one, { mode: "FAST" }), "$.parameters.mode", /mode was retired on 2026-05-04: use quality \(LOW, MEDIUM, HIGH\) instead/],
    ["the retired mode on gpt-image-2", withParams(two, { mode: "QUALITY" }), "$.parameters.mode", /use quality/],
    ["1.5: quantity 0", withParams(one, { quantity: 0 }), "$.parameters.quantity", /at least 1/],
    ["1.5: quantity above the catalogue's 10", withParams(one, { quantity: 11 }), "$.parameters.quantity", /11 is too many: gpt-image-1.5 makes 1 to 10/],
    ["2: quantity above seed 001's 8", withParams(two, { quantity: 9 }), "$.parameters.quantity", /9 is too many: gpt-image-2 makes 1 to 8/],
    ["quantity not a whole number", withParams(two, { quantity: 1.5 }), "$.parameters.quantity", /whole number/],
    ["1.5: seed below 0", withParams(one, { seed: -1 }), "$.parameters.seed", /0 to 4294967295/],
    ["1.5: seed above 4294967295", withParams(one, { seed: 4294967296 }), "$.parameters.seed", /0 to 4294967295/],
    ["2: seed (seed 001 does not list it)", withParams(two, { seed: 7 }), "$.parameters.seed", /not a gpt-image-2 parameter: only gpt-image-1.5 takes it/],
    ["prompt_enhance not ON|OFF", withParams(one, { prompt_enhance: "YES" }), "$.parameters.prompt_enhance", /ON or OFF/],
    ["prompt_enhance as a boolean", withParams(two, { prompt_enhance: true }), "$.parameters.prompt_enhance", /ON or OFF/],
    ["prompt missing", withParams(one, { prompt: undefined }), "$.parameters.prompt", /is required/],
    ["prompt empty", withParams(two, { prompt: "" }), "$.parameters.prompt", /must not be empty/],
    ["prompt over 32000 characters", withParams(two, { prompt: "x".repeat(32001) }), "$.parameters.prompt", /longer than 32000/],
    ["more than 6 references", withParams(one, { guidances: { image_reference: Array.from({ length: 7 }, () => ref("a").guidances.image_reference[0]) } }), "$.parameters.guidances.image_reference", /has 7 references: gpt-image-1.5 takes at most 6/],
    ["reference type outside GENERATED|UPLOADED", withParams(one, { guidances: { image_reference: [{ image: { id: "a", type: "URL" } }] } }), "$.parameters.guidances.image_reference[0].image.type", /GENERATED or UPLOADED/],
    ["reference without an id", withParams(one, { guidances: { image_reference: [{ image: { type: "UPLOADED" } }] } }), "$.parameters.guidances.image_reference[0].image.id", /is required/],
    ["1.5: strength outside LOW|MID|HIGH", withParams(one, ref("a", { strength: "MEDIUM" })), "$.parameters.guidances.image_reference[0].strength", /LOW, MID, HIGH/],
    ["2: any strength", withParams(two, ref("a", { strength: "MID" })), "$.parameters.guidances.image_reference[0].strength", /not used by gpt-image-2/],
    ["an unknown guidance", withParams(one, { guidances: { style_reference: [] } }), "$.parameters.guidances.style_reference", /use image_reference/],
    ["2: max(width, height) must be < 3840", withParams(two, { width: 3840, height: 2160 }), "$.parameters.width", /width 3840 is too large: gpt-image-2 needs max\(width, height\) < 3840/],
    ["2: sides must be multiples of 16", withParams(two, { width: 1000, height: 1008 }), "$.parameters.width", /width 1000 is not a multiple of 16/],
    ["2: ratio at most 3", withParams(two, { width: 3088, height: 1024 }), "$.parameters.width", /too elongated/],
    ["2: at least 655,360 pixels", withParams(two, { width: 1024, height: 624 }), "$.parameters.width", /638976 pixels, too few/],
    ["2: at most 8,294,400 pixels", withParams(two, { width: 3824, height: 2176 }), "$.parameters.width", /too many: gpt-image-2 allows at most 8294400/],
    ["width not positive", withParams(two, { width: 0, height: 768 }), "$.parameters.width", /positive/],
    ["public not a boolean", { ...two, public: "yes" }, "$.public", /true or false/],
    ["an unknown model", { ...two, model: "gpt-image-3" }, "$.model", /must be one of gpt-image-1.5, gpt-image-2/],
    ["an unknown parameter", withParams(two, { negative_prompt: "x" }), "$.parameters.negative_prompt", /not a parameter/],
    ["an unknown top-level field", { ...two, modelId: "x" }, "$.modelId", /not a field of this request/],
    ["no parameters", { model: "gpt-image-2" }, "$.parameters", /./],
  ])("%s", async (_rule, body, path, message) => {
    const error = await refused(body);
    expect(error.path).toBe(path);
    expect(error.code).toBe("validation-failed");
    expect(error.error).toMatch(message);
  });

  it.each([
    ["1.5: seed 0 and 4294967295", [withParams(one, { seed: 0 }), one]],
    ["1.5: quantity 10", [withParams(one, { quantity: 10 })]],
    ["2: quantity 8", [withParams(two, { quantity: 8 })]],
    ["2: every preset", [[1024, 1024], [848, 1264], [1264, 848], [1376, 768], [768, 1376]].map(([width, height]) => withParams(two, { width, height }))],
    ["2: custom sizes on the bounds", [[3824, 2160], [1024, 640], [3072, 1024], [1024, 3072]].map(([width, height]) => withParams(two, { width, height }))],
    ["1.5: its three sizes, and none", [[1024, 1024], [1536, 1024], [1024, 1536]].map(([width, height]) => withParams(one, { width, height })).concat([withParams(one, { width: undefined, height: undefined })])],
    ["quality LOW and HIGH, prompt_enhance ON", [withParams(one, { quality: "LOW", prompt_enhance: "ON" }), withParams(two, { quality: "HIGH" })]],
  ])("accepts %s", async (_what, bodies) => {
    for (const body of bodies as Json[]) {
      const res = await create(body);
      expect(res.status, await res.clone().text()).toBe(200);
    }
  });

  it("gives every reference the same strength, since a job has one", async () => {
    const { id } = await uploadInitImage(await pngBytes(8, 8));
    const image = { id, type: "UPLOADED" };
    const error = await refused(withParams(one, { guidances: { image_reference: [{ image, strength: "LOW" }, { image, strength: "HIGH" }] } }));
    expect(error).toMatchObject({ path: "$.parameters.guidances.image_reference", error: expect.stringMatching(/same strength \(got LOW, HIGH\)/) });
  });
});

describe("reference images", () => {
  it("takes Leonardo's two-step upload, then a generation that references it", async () => {
    const png = await pngBytes(48, 32);
    const { id, res, init } = await uploadInitImage(png);
    expect(res.status).toBe(204);
    expect(init).toMatchObject({ id: expect.stringMatching(/^upl_/), url: `${BASE}/api/rest/v1/init-image/upload`, key: `uploads/${id}.png` });
    expect(typeof init.fields).toBe("string");
    const stored = await env.FILES.get(`uploads/${id}.png`);
    expect(await sha256Hex(new Uint8Array(await stored!.arrayBuffer()))).toBe(await sha256Hex(png));

    const generationId = await generate({ ...SEED_000, parameters: { ...SEED_000.parameters, guidances: { image_reference: [{ image: { id, type: "UPLOADED" }, strength: "HIGH" }] } } });
    expect((await storedJob(generationId)).spec).toMatchObject({ references: [{ kind: "upload", id }], referenceStrength: "HIGH" });
    expect((await pollUntilDone(generationId)).status).toBe("COMPLETE");

    // Seed 001's sample with the real upload in place of its unknown id.
    const second = await generate({ ...SEED_001, parameters: { ...SEED_001.parameters, guidances: { image_reference: [{ image: { id, type: "UPLOADED" } }] } } });
    expect((await storedJob(second)).spec).toMatchObject({ references: [{ kind: "upload", id }], referenceStrength: null });
  });

  it("refers to an image imagegate generated with type GENERATED", async () => {
    const first = await generate(withParams(withoutReferences(SEED_001), { quantity: 1 }));
    const imageId = (await pollUntilDone(first)).generated_images[0].id;
    const second = await generate(withParams(withoutReferences(SEED_001), { guidances: { image_reference: [{ image: { id: imageId, type: "GENERATED" } }] } }));
    expect((await storedJob(second)).spec.references).toEqual([{ kind: "generated", id: imageId }]);
    const unknown = await refused(withParams(withoutReferences(SEED_001), { guidances: { image_reference: [{ image: { id: `${crypto.randomUUID()}-0`, type: "GENERATED" } }] } }));
    expect(unknown.path).toBe("$.parameters.guidances.image_reference[0].image.id");
    const wrongType = await refused(withParams(withoutReferences(SEED_001), { guidances: { image_reference: [{ image: { id: imageId, type: "UPLOADED" } }] } }));
    expect(wrongType.error).toMatch(/does not exist/);
  });

  it("refuses uploads whose fields were altered, expired, reused, of another type, or not images", async () => {
    const png = await pngBytes(8, 8);
    const post = (fields: Record<string, string>, file: Blob | null) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      if (file) form.append("file", file);
      return SELF.fetch(`${BASE}/api/rest/v1/init-image/upload`, { method: "POST", body: form });
    };
    const fresh = async (extension = "png") => {
      const res = await api("/api/rest/v1/init-image", { method: "POST", body: JSON.stringify({ extension }) });
      return JSON.parse(((await res.json()) as Json).uploadInitImage.fields) as Record<string, string>;
    };
    const expect4xx = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      expect(((await res.json()) as Json).code).toBe(code);
    };
    const fields = await fresh();
    await expect4xx(await post({ ...fields, "x-imagegate-signature": "0".repeat(64) }, new Blob([png])), 403, "access-denied");
    await expect4xx(await post({ ...fields, key: "uploads/upl_000000000000000000000000.png" }, new Blob([png])), 403, "access-denied");
    const expired = await uploadFields(env, { accountId: "dev", keyId: "key_dev", requestsPerMinute: 60, uploadId: "upl_expiredexpiredexpired01", extension: "png", expiresAt: Date.now() - 1 });
    await expect4xx(await post(expired, new Blob([png])), 403, "access-denied");
    await expect4xx(await post(fields, null), 400, "validation-failed");
    await expect4xx(await post(fields, new Blob(["GIF89a not allowed"])), 400, "validation-failed");
    expect((await post(fields, new Blob([png]))).status).toBe(204);
    await expect4xx(await post(fields, new Blob([png])), 409, "conflict");
    await expect4xx(await post(await fresh("jpg"), new Blob([png])), 400, "validation-failed");
    await expect4xx(await SELF.fetch(`${BASE}/api/rest/v1/init-image/upload`, { method: "POST", body: "x" }), 415, "unsupported-media-type");
  });

  it("refuses an upload made for another account as a reference", async () => {
    const fields = await uploadFields(env, { accountId: "someone-else", keyId: "key_someoneelse", requestsPerMinute: 60, uploadId: "upl_someoneelsesomeoneelse1", extension: "png", expiresAt: Date.now() + 60_000 });
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append("file", new Blob([await pngBytes(8, 8)]));
    expect((await SELF.fetch(`${BASE}/api/rest/v1/init-image/upload`, { method: "POST", body: form })).status).toBe(204);
    const error = await refused(withParams(withoutReferences(SEED_001), { guidances: { image_reference: [{ image: { id: "upl_someoneelsesomeoneelse1", type: "UPLOADED" } }] } }));
    expect(error.error).toMatch(/not yours/);
  });

  it("validates init-image and needs the key for it", async () => {
    const bad = await api("/api/rest/v1/init-image", { method: "POST", body: JSON.stringify({ extension: "gif" }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: expect.stringMatching(/must be png, jpg, jpeg, webp/), path: "$.extension", code: "validation-failed" });
    const anonymous = await api("/api/rest/v1/init-image", { method: "POST", body: JSON.stringify({ extension: "png" }), key: null });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as Json).code).toBe("access-denied");
  });
});

describe("reading generations", () => {
  it("reads a failed or cancelled job as FAILED with no images", async () => {
    const failed = await generate(withoutReferences(SEED_001));
    await patchJob(failed, (r) => ({ ...r, deadlineAt: Date.now() - 1, wakeAt: Date.now() - 1 }));
    await fireAlarm(failed);
    expect((await read(failed)).generations_by_pk).toMatchObject({ status: "FAILED", generated_images: [] });
    const cancelled = await generate(withoutReferences(SEED_001));
    await patchJob(cancelled, (r) => ({ ...r, status: "CANCELLED", errorCode: "cancelled", step: { kind: "end" }, wakeAt: null }));
    expect((await read(cancelled)).generations_by_pk.status).toBe("FAILED");
  });

  it("answers an unknown id with null, as Leonardo does", async () => {
    for (const id of [crypto.randomUUID(), "not-a-uuid"]) {
      const res = await api(`/api/rest/v1/generations/${id}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ generations_by_pk: null });
    }
  });

  it("answers errors and unknown routes in Leonardo's envelope", async () => {
    const malformed = await api("/api/rest/v2/generations", { method: "POST", body: '{"model": ' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ error: expect.stringMatching(/not valid JSON/), path: "$", code: "invalid-json" });
    const anonymous = await create(SEED_001, null);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as Json).code).toBe("access-denied");
    const missing = await api("/api/rest/v1/me");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: expect.any(String), path: "$", code: "not-found" });
  });
});
