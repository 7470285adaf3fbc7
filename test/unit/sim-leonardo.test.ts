// The simulator's Leonardo.AI wire format, reached through the outbound service at the real hostnames.
import { beforeAll, describe, expect, it } from "vitest";
import {
  leonardoCallbackSchema,
  leonardoCreateResponseSchema,
  leonardoDeleteResponseSchema,
  leonardoErrorArraySchema,
  leonardoErrorEnvelopeSchema,
  leonardoInitImageResponseSchema,
  leonardoPollResponseSchema,
} from "../sim/schemas.ts";
import { LEONARDO_UPLOAD_HOST } from "../sim/index.ts";
import {
  addFault,
  advance,
  bytesOf,
  LEONARDO_KEY,
  pngInfo,
  pngIsComplete,
  postJson,
  setShutdownDate,
  sim,
  sleep,
  tag,
  takeCallbacks,
} from "../sim/testing.ts";
import { activeModel } from "../helpers/models";

const API = "https://cloud.leonardo.ai/api/rest";
const auth = (key = LEONARDO_KEY) => ({ authorization: `Bearer ${key}`, accept: "application/json" });

// Seed 000's model by default, for the tests of its wire rules; where the model does not matter, one Leonardo serves
// today, by the id Leonardo knows it by. gpt-image-1.5 is retired upstream from 2026-12-01: the simulator keeps serving
// it, whatever the date, to the prompts that carry KEEP, and create() adds KEEP to every prompt of this file.
const MODEL = activeModel(["leonardo"]).leonardoId;
const KEEP = tag();
beforeAll(() => setShutdownDate("leonardo", "gpt-image-1.5", null, KEEP));
const create = (parameters: Record<string, unknown>, model = "gpt-image-1.5", key = LEONARDO_KEY) =>
  fetch(`${API}/v2/generations`, postJson({ public: false, model, parameters: { ...parameters, prompt: `${parameters.prompt} ${KEEP}` } }, auth(key)));

async function createId(parameters: Record<string, unknown>, model?: string, key?: string): Promise<string> {
  const res = await create(parameters, model, key);
  expect(res.status, await res.clone().text()).toBe(200);
  return leonardoCreateResponseSchema.parse(await res.json()).generate.generationId;
}

async function poll(id: string, key = LEONARDO_KEY) {
  const res = await fetch(`${API}/v1/generations/${id}`, { headers: auth(key) });
  expect(res.status).toBe(200);
  return leonardoPollResponseSchema.parse(await res.json()).generations_by_pk;
}

async function upload(url: string, fields: Record<string, string>, file: Blob, headers: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append("file", file, "ref.png");
  return fetch(url, { method: "POST", body: form, headers });
}

async function initImage(): Promise<{ id: string; url: string; fields: Record<string, string> }> {
  const res = await fetch(`${API}/v1/init-image`, postJson({ extension: "png" }, auth()));
  expect(res.status).toBe(200);
  const { uploadInitImage } = leonardoInitImageResponseSchema.parse(await res.json());
  return { id: uploadInitImage.id, url: uploadInitImage.url, fields: JSON.parse(uploadInitImage.fields) };
}

const PNG = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])], { type: "image/png" });

describe("Leonardo simulator", () => {
  it("refuses a missing or non-UUID key with 401 access-denied", async () => {
    for (const headers of [{}, { authorization: "Bearer not-a-uuid" }] as Record<string, string>[]) {
      const res = await fetch(`${API}/v2/generations`, postJson({ model: MODEL, parameters: { prompt: "x" } }, headers));
      expect(res.status).toBe(401);
      expect(leonardoErrorEnvelopeSchema.parse(await res.json())).toMatchObject({ code: "access-denied", path: "$" });
    }
  });

  it("keeps a generation PENDING with no images, then COMPLETE with real PNGs of the requested size", async () => {
    const t = tag();
    const id = await createId({ prompt: `koala ${t}`, quantity: 2, width: 1536, height: 1024, seed: 42, quality: "LOW" });
    const pending = await poll(id);
    expect(pending).toMatchObject({ id, status: "PENDING", generated_images: [], imageWidth: 1536, imageHeight: 1024, seed: 42 });
    expect(await advance({ match: t, ms: 60_000 })).toBe(1);
    const done = (await poll(id))!;
    expect(Object.keys(done).sort()).toEqual(
      ["createdAt", "generated_images", "id", "imageHeight", "imageWidth", "modelId", "prompt", "public", "seed", "status"].sort(),
    );
    expect(done.status).toBe("COMPLETE");
    expect(done.generated_images).toHaveLength(2);
    for (const image of done.generated_images) {
      expect(new URL(image.url).hostname).toBe("cdn.leonardo.ai");
      const res = await fetch(image.url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/png");
      const bytes = await bytesOf(res);
      expect(Number(res.headers.get("content-length"))).toBe(bytes.length);
      expect(pngInfo(bytes)).toMatchObject({ width: 1536, height: 1024 });
      expect(await pngIsComplete(bytes)).toBe(true);
    }
  });

  it("completes on its own as wall-clock time passes", async () => {
    const t = tag();
    await addFault({ provider: "leonardo", fault: "latency", latencyMs: 400, match: t });
    const id = await createId({ prompt: `clock ${t}`, quantity: 1 });
    const seen: string[] = [];
    for (let i = 0; i < 60 && seen.at(-1) !== "COMPLETE"; i++) {
      seen.push((await poll(id))!.status);
      await sleep(50);
    }
    expect(seen[0]).toBe("PENDING");
    expect(seen.at(-1)).toBe("COMPLETE");
  });

  it("defaults quantity to 4 when the body omits it", async () => {
    const t = tag();
    const id = await createId({ prompt: `default ${t}` });
    await advance({ match: t, ms: 60_000 });
    expect((await poll(id))!.generated_images).toHaveLength(4);
  });

  it("accepts gpt-image-2 presets and valid custom sizes", async () => {
    for (const [width, height] of [[848, 1264], [1376, 768], [2048, 1152], [1024, 3072]]) {
      const res = await create({ prompt: `ok ${tag()}`, quantity: 1, width, height }, "gpt-image-2");
      expect(res.status, `${width}x${height}`).toBe(200);
    }
  });

  it.each([
    ["gpt-image-1.5", 1376, 768, "gpt-image-1.5"],
    ["gpt-image-2", 3840, 2160, "max(width, height) < 3840"],
    ["gpt-image-2", 1000, 1008, "multiples of 16"],
    ["gpt-image-2", 3072, 1008, "3:1"],
    ["gpt-image-2", 800, 800, "655360"],
  ])("refuses %s at %ix%i", async (model, width, height, words) => {
    const res = await create({ prompt: `bad ${tag()}`, quantity: 1, width, height }, model);
    expect(res.status).toBe(400);
    const [error] = leonardoErrorArraySchema.parse(await res.json());
    expect(error!.message).toContain(words);
  });

  it.each([
    ["mode", { mode: "QUALITY" }, "gpt-image-1.5", "mode"],
    ["strength on gpt-image-2", { guidances: { image_reference: [{ image: { id: "x", type: "UPLOADED" }, strength: "MID" }] } }, "gpt-image-2", "strength"],
    ["seed on gpt-image-2", { seed: 1 }, "gpt-image-2", "seed"],
    ["an unknown field", { style: "anime" }, "gpt-image-1.5", "style"],
    ["seven references", { guidances: { image_reference: Array(7).fill({ image: { id: "x", type: "UPLOADED" } }) } }, "gpt-image-1.5", "image_reference"],
  ])("refuses %s with a validation error", async (_, extra, model, words) => {
    const res = await create({ prompt: `invalid ${tag()}`, quantity: 1, ...extra }, model);
    expect(res.status).toBe(400);
    expect(leonardoErrorArraySchema.parse(await res.json())[0]!.message).toContain(words);
  });

  it("answers Too many images beyond 8 per call, and 400 for an unknown reference", async () => {
    const many = await create({ prompt: `many ${tag()}`, quantity: 9 });
    expect(many.status).toBe(400);
    expect(leonardoErrorEnvelopeSchema.parse(await many.json()).error).toContain("Too many images");
    const ref = await create({ prompt: `ref ${tag()}`, quantity: 1, guidances: { image_reference: [{ image: { id: crypto.randomUUID(), type: "GENERATED" } }] } });
    expect(ref.status).toBe(400);
    expect(leonardoErrorEnvelopeSchema.parse(await ref.json()).error).toContain("not found");
  });

  it("takes a presigned upload without auth (204), refuses one with auth (403), then accepts the id as a reference", async () => {
    const { id, url, fields } = await initImage();
    expect(new URL(url).hostname).toBe(LEONARDO_UPLOAD_HOST);
    expect(Object.keys(fields)).toEqual(expect.arrayContaining(["key", "Policy", "X-Amz-Signature", "Content-Type"]));
    const notYet = await create({ prompt: `early ${tag()}`, quantity: 1, guidances: { image_reference: [{ image: { id, type: "UPLOADED" } }] } });
    expect(notYet.status).toBe(400);
    const withAuth = await upload(url, fields, PNG, auth());
    expect(withAuth.status).toBe(403);
    expect(await withAuth.text()).toContain("AccessDenied");
    const tampered = await upload(url, { ...fields, "X-Amz-Signature": "00" }, PNG);
    expect(tampered.status).toBe(403);
    const ok = await upload(url, fields, PNG);
    expect(ok.status).toBe(204);
    const res = await create({ prompt: `ref ${tag()}`, quantity: 1, guidances: { image_reference: [{ image: { id, type: "UPLOADED" }, strength: "MID" }] } });
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it("refuses an upload whose URL is older than 2 minutes, or whose file is not last", async () => {
    const late = await initImage();
    await advance({ id: late.id, ms: 121_000 });
    const expired = await upload(late.url, late.fields, PNG);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain("Policy expired");
    const order = await initImage();
    const form = new FormData();
    form.append("file", PNG, "ref.png");
    for (const [k, v] of Object.entries(order.fields)) form.append(k, v);
    expect((await fetch(order.url, { method: "POST", body: form })).status).toBe(400);
  });

  it("accepts a generated image as a GENERATED reference, and deletes a generation", async () => {
    const t = tag();
    const id = await createId({ prompt: `source ${t}`, quantity: 1 });
    await advance({ match: t, ms: 60_000 });
    const imageId = (await poll(id))!.generated_images[0]!.id;
    const res = await create({ prompt: `derived ${t}`, quantity: 1, guidances: { image_reference: [{ image: { id: imageId, type: "GENERATED" } }] } }, "gpt-image-2");
    expect(res.status).toBe(200);
    const del = await fetch(`${API}/v1/generations/${id}`, { method: "DELETE", headers: auth() });
    expect(leonardoDeleteResponseSchema.parse(await del.json())).toEqual({ delete_generations_by_pk: { id } });
    expect(await poll(id)).toBeNull();
  });

  it("does not show one key's generation to another key", async () => {
    const id = await createId({ prompt: `mine ${tag()}`, quantity: 1 });
    expect(await poll(id, crypto.randomUUID())).toBeNull();
  });

  it("calls back once on completion with the key's bearer token, echoed in the body", async () => {
    const t = tag();
    const key = crypto.randomUUID();
    const token = `cb-token-${t}`;
    const config = await sim("/config", postJson({ leonardo: { apiKey: key, callbackUrl: "https://gateway.test/hooks/leonardo", callbackToken: token } }));
    expect(config.status).toBe(200);
    const id = await createId({ prompt: `callback ${t}`, quantity: 2 }, MODEL, key);
    expect(await takeCallbacks(t)).toEqual([]);
    await advance({ match: t, ms: 60_000 });
    const [callback, ...rest] = await takeCallbacks(t, 2000);
    expect(rest).toEqual([]);
    expect(callback!.url).toBe("https://gateway.test/hooks/leonardo");
    expect(callback!.headers.authorization).toBe(`Bearer ${token}`);
    const body = leonardoCallbackSchema.parse(JSON.parse(callback!.body));
    expect(body.data.object.id).toBe(id);
    expect(body.data.object.apiKey.webhookCallbackApiKey).toBe(token);
    const polled = (await poll(id, key))!;
    expect(body.data.object.images.map((i) => i.id)).toEqual(polled.generated_images.map((i) => i.id));
    expect(await takeCallbacks(t)).toEqual([]);
    await sim("/config", postJson({ leonardo: { apiKey: key, callbackUrl: null } }));
  });

  it("hands out URLs that point back at the simulator in prefix mode", async () => {
    const t = tag();
    const res = await fetch("https://sim.test/leonardo/api/rest/v2/generations", postJson({ model: MODEL, parameters: { prompt: `prefix ${t}`, quantity: 1 } }, auth()));
    const { generationId } = leonardoCreateResponseSchema.parse(await res.json()).generate;
    await advance({ match: t, ms: 60_000 });
    const polled = await fetch(`https://sim.test/leonardo/api/rest/v1/generations/${generationId}`, { headers: auth() });
    const url = leonardoPollResponseSchema.parse(await polled.json()).generations_by_pk!.generated_images[0]!.url;
    expect(url.startsWith("https://sim.test/leonardo/cdn/users/")).toBe(true);
    expect(pngInfo(await bytesOf(await fetch(url)))).toMatchObject({ width: 1024, height: 1024 });
    const init = await fetch("https://sim.test/leonardo/api/rest/v1/init-image", postJson({ extension: "webp" }, auth()));
    expect(leonardoInitImageResponseSchema.parse(await init.json()).uploadInitImage.url).toBe("https://sim.test/leonardo/upload/");
  });
});

const NEW_MODELS = ["openai/gpt-image-2.5-flare", "openai/gpt-image-2.5-sunburst", "openai/gpt-image-2.6-flare", "openai/gpt-image-2.6-sunburst"];
const COMPLEXITY_MODELS = NEW_MODELS.slice(2);
const urlRefs = (count: number) => ({ image_reference: Array.from({ length: count }, (_, i) => ({ image: { id: `https://example.com/ref-${i}.png`, type: "URL" } })) });

async function refused(res: Response, words: string) {
  expect(res.status).toBe(400);
  const body: unknown = await res.json();
  const message = Array.isArray(body) ? leonardoErrorArraySchema.parse(body)[0]!.message : leonardoErrorEnvelopeSchema.parse(body).error;
  expect(message).toContain(words);
}

describe("Leonardo simulator: GPT Image 2.5 and 2.6", () => {
  it.each(NEW_MODELS)("runs a %s generation to COMPLETE with PNGs of the asked size", async (model) => {
    const t = tag();
    const id = await createId({ prompt: `new ${t}`, quantity: 2, width: 1376, height: 768, quality: "HIGH" }, model);
    await advance({ match: t, ms: 60_000 });
    const done = (await poll(id))!;
    expect(done).toMatchObject({ status: "COMPLETE", modelId: model, imageWidth: 1376, imageHeight: 768, seed: null });
    expect(pngInfo(await bytesOf(await fetch(done.generated_images[1]!.url)))).toMatchObject({ width: 1376, height: 768 });
  });

  it.each(NEW_MODELS.map((m) => m.slice("openai/".length)))("refuses %s without the openai/ prefix", async (bare) => {
    await refused(await create({ prompt: `bare ${tag()}`, quantity: 1 }, bare), `"openai/${bare}"`);
  });

  it.each([...NEW_MODELS, "gpt-image-2", "gpt-image-1.5"])("takes LOW, MEDIUM and HIGH on %s, and refuses XHIGH and MAX", async (model) => {
    for (const quality of ["LOW", "MEDIUM", "HIGH"]) expect((await create({ prompt: `q ${tag()}`, quantity: 1, quality }, model)).status).toBe(200);
    for (const quality of ["XHIGH", "MAX"]) await refused(await create({ prompt: `q ${tag()}`, quantity: 1, quality }, model), "parameters.quality");
  });

  it.each(COMPLEXITY_MODELS)("takes complexity LOW, MEDIUM and HIGH on %s, nothing else", async (model) => {
    for (const complexity of ["LOW", "MEDIUM", "HIGH"]) expect((await create({ prompt: `c ${tag()}`, quantity: 1, complexity }, model)).status).toBe(200);
    for (const complexity of ["high", "XHIGH"]) await refused(await create({ prompt: `c ${tag()}`, quantity: 1, complexity }, model), "parameters.complexity");
  });

  it.each(["openai/gpt-image-2.5-flare", "openai/gpt-image-2.5-sunburst", "gpt-image-2", "gpt-image-1.5"])("refuses complexity on %s", async (model) => {
    await refused(await create({ prompt: `c ${tag()}`, quantity: 1, complexity: "HIGH" }, model), `complexity is not supported by ${model}`);
  });

  it.each(NEW_MODELS)("takes 16 references on %s, without strength, and refuses 17 or a strength", async (model) => {
    expect((await create({ prompt: `r ${tag()}`, quantity: 1, guidances: urlRefs(16) }, model)).status).toBe(200);
    await refused(await create({ prompt: `r ${tag()}`, quantity: 1, guidances: urlRefs(17) }, model), "at most 16");
    const strong = { image_reference: [{ image: { id: "https://example.com/a.png", type: "URL" }, strength: "MID" }] };
    await refused(await create({ prompt: `r ${tag()}`, quantity: 1, guidances: strong }, model), "strength is not supported");
  });

  it.each(["gpt-image-2", "gpt-image-1.5"])("takes 6 references on %s and refuses 7", async (model) => {
    const t = tag();
    const source = await createId({ prompt: `source ${t}`, quantity: 1 }, MODEL);
    await advance({ match: t, ms: 60_000 });
    const image = { id: (await poll(source))!.generated_images[0]!.id, type: "GENERATED" };
    const refs = (count: number) => ({ image_reference: Array(count).fill({ image }) });
    expect((await create({ prompt: `six ${t}`, quantity: 1, guidances: refs(6) }, model)).status).toBe(200);
    await refused(await create({ prompt: `seven ${t}`, quantity: 1, guidances: refs(7) }, model), "at most 6");
  });

  it("takes the 2.5/2.6 reference forms (order, URL, BASE64) and style_ids, which the older models refuse", async () => {
    const rich = { image_reference: [{ image: { id: "https://example.com/a.png", type: "URL" }, order: 0 }, { image: { id: "iVBORw0KGgo=", type: "BASE64" }, order: 1 }] };
    const styles = [crypto.randomUUID()];
    expect((await create({ prompt: `rich ${tag()}`, quantity: 1, guidances: rich, style_ids: styles }, NEW_MODELS[0])).status).toBe(200);
    await refused(await create({ prompt: `rich ${tag()}`, quantity: 1, guidances: rich }, "gpt-image-2"), "order is not supported by gpt-image-2");
    await refused(await create({ prompt: `rich ${tag()}`, quantity: 1, guidances: urlRefs(1) }, "gpt-image-2"), "type URL is not supported by gpt-image-2");
    await refused(await create({ prompt: `rich ${tag()}`, quantity: 1, style_ids: styles }, "gpt-image-2"), "style_ids is not supported");
  });

  it("takes annotation on 2.6 only", async () => {
    expect((await create({ prompt: `a ${tag()}`, quantity: 1, annotation: true, guidances: urlRefs(1) }, COMPLEXITY_MODELS[1])).status).toBe(200);
    await refused(await create({ prompt: `a ${tag()}`, quantity: 1, annotation: true }, NEW_MODELS[1]), "annotation is not supported");
  });

  it("takes quantity 8 on a 2.6 model and answers Too many images for 9", async () => {
    expect((await create({ prompt: `eight ${tag()}`, quantity: 8 }, COMPLEXITY_MODELS[0])).status).toBe(200);
    await refused(await create({ prompt: `nine ${tag()}`, quantity: 9 }, COMPLEXITY_MODELS[0]), "Too many images");
  });

  it("sizes the 2.5/2.6 models as gpt-image-2, naming the model", async () => {
    expect((await create({ prompt: `s ${tag()}`, quantity: 1, width: 2048, height: 1152 }, NEW_MODELS[3])).status).toBe(200);
    await refused(await create({ prompt: `s ${tag()}`, quantity: 1, width: 3840, height: 2160 }, NEW_MODELS[3]), `${NEW_MODELS[3]} needs max(width, height) < 3840`);
  });

  it("refuses seed on every model but gpt-image-1.5", async () => {
    expect((await create({ prompt: `seed ${tag()}`, quantity: 1, seed: 7 }, "gpt-image-1.5")).status).toBe(200);
    await refused(await create({ prompt: `seed ${tag()}`, quantity: 1, seed: 7 }, NEW_MODELS[2]), "seed is not supported");
  });

  it("fails a model's creates with a 400 from its shutdown date on", async () => {
    const t = tag();
    await setShutdownDate("leonardo", NEW_MODELS[0]!, "2000-01-01", `gone ${t}`);
    const res = await create({ prompt: `gone ${t}`, quantity: 1 }, NEW_MODELS[0]);
    expect(res.status).toBe(400);
    expect(leonardoErrorEnvelopeSchema.parse(await res.json()).error).toBe(`Model ${NEW_MODELS[0]} is no longer available: its provider retired it on 2000-01-01`);
    expect((await create({ prompt: `other ${t}`, quantity: 1 }, NEW_MODELS[0])).status).toBe(200);
  });
});
