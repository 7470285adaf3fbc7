// The simulator's OpenAI Images API, reached through the outbound service at the real hostname.
import { describe, expect, it } from "vitest";
import { openaiErrorSchema, openaiImagesResponseSchema, openaiStreamEventSchema } from "../sim/schemas.ts";
import { addFault, bytesOf, fromBase64, OPENAI_KEY, parseSse, pngInfo, pngIsComplete, postJson, tag } from "../sim/testing.ts";
import { activeModel } from "../helpers/models";

const API = "https://api.openai.com/v1";
// Where the model does not matter: one OpenAI serves today. gpt-image-1.5 stays where its own rules are tested.
const MODEL = activeModel(["openai"]).id;
const auth = { authorization: `Bearer ${OPENAI_KEY}` };
const generate = (body: Record<string, unknown>) => fetch(`${API}/images/generations`, postJson(body, auth));

async function expectError(res: Response, status: number, param: string | null, code: string | null) {
  expect(res.status).toBe(status);
  const { error } = openaiErrorSchema.parse(await res.json());
  expect({ param: error.param, code: error.code }).toEqual({ param, code });
  return error;
}

/** A real PNG to send as an edit input. */
async function samplePng(): Promise<Uint8Array> {
  const res = await generate({ model: MODEL, prompt: `sample ${tag()}`, quality: "low" });
  return fromBase64(openaiImagesResponseSchema.parse(await res.json()).data[0]!.b64_json);
}

describe("OpenAI simulator", () => {
  it("answers 401 without a key and invalid_api_key for a wrong one", async () => {
    await expectError(await fetch(`${API}/images/generations`, postJson({ model: MODEL, prompt: "x" })), 401, null, null);
    const wrong = await fetch(`${API}/images/generations`, postJson({ model: MODEL, prompt: "x" }, { authorization: "Bearer nope" }));
    await expectError(wrong, 401, null, "invalid_api_key");
  });

  it("generates base64 PNGs of the requested size with usage", async () => {
    const res = await generate({ model: MODEL, prompt: `otter ${tag()}`, n: 2, size: "1536x1024", quality: "low" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const body = openaiImagesResponseSchema.parse(await res.clone().json());
    expect(Object.keys(await res.json()).sort()).toEqual(["background", "created", "data", "output_format", "quality", "size", "usage"]);
    expect(body).toMatchObject({ size: "1536x1024", quality: "low", output_format: "png", background: "opaque" });
    expect(body.data).toHaveLength(2);
    for (const { b64_json } of body.data) {
      const bytes = fromBase64(b64_json);
      expect(pngInfo(bytes)).toMatchObject({ width: 1536, height: 1024 });
      expect(await pngIsComplete(bytes)).toBe(true);
    }
    const u = body.usage;
    expect(u.input_tokens).toBe(u.input_tokens_details.text_tokens + u.input_tokens_details.image_tokens);
    expect(u.total_tokens).toBe(u.input_tokens + u.output_tokens);
  });

  it("renders a custom gpt-image-2 size, with alpha for a transparent background", async () => {
    const res = await generate({ model: "gpt-image-2", prompt: `glass ${tag()}`, size: "2048x1152", background: "transparent", output_format: "webp" });
    const body = openaiImagesResponseSchema.parse(await res.json());
    expect(body).toMatchObject({ size: "2048x1152", background: "transparent", output_format: "webp" });
    expect(pngInfo(fromBase64(body.data[0]!.b64_json))).toEqual({ width: 2048, height: 1152, colourType: 6 });
  });

  it.each([
    ["no model", { prompt: "x" }, "model", "missing_required_parameter"],
    ["response_format", { model: MODEL, prompt: "x", response_format: "b64_json" }, "response_format", "unknown_parameter"],
    ["n = 11", { model: MODEL, prompt: "x", n: 11 }, "n", "integer_above_max_value"],
    ["n = 0", { model: MODEL, prompt: "x", n: 0 }, "n", "integer_below_min_value"],
    ["a gpt-image-2 size on gpt-image-1.5", { model: "gpt-image-1.5", prompt: "x", size: "1376x768" }, "size", "invalid_value"],
    ["auto on gpt-image-2", { model: "gpt-image-2", prompt: "x", size: "auto" }, "size", "invalid_value"],
    ["a side not a multiple of 16", { model: "gpt-image-2", prompt: "x", size: "1000x1000" }, "size", "invalid_value"],
    ["more than 3840x2160", { model: "gpt-image-2", prompt: "x", size: "3840x2176" }, "size", "invalid_value"],
    ["input_fidelity on generations", { model: "gpt-image-1.5", prompt: "x", input_fidelity: "high" }, "input_fidelity", "unknown_parameter"],
    ["transparent jpeg", { model: MODEL, prompt: "x", background: "transparent", output_format: "jpeg" }, "background", "invalid_value"],
    ["partial_images = 4", { model: MODEL, prompt: "x", partial_images: 4 }, "partial_images", "integer_above_max_value"],
  ])("refuses %s", async (_, body, param, code) => {
    await expectError(await generate(body), 400, param, code);
  });

  it("streams partial images then the completed image as SSE", async () => {
    const res = await generate({ model: MODEL, prompt: `stream ${tag()}`, stream: true, partial_images: 2, size: "1024x1536" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual([
      "image_generation.partial_image",
      "image_generation.partial_image",
      "image_generation.completed",
    ]);
    const parsed = events.map((e) => openaiStreamEventSchema.parse(e.data));
    expect(parsed.map((e) => e.type)).toEqual(events.map((e) => e.event));
    expect(parsed.map((e) => ("partial_image_index" in e ? e.partial_image_index : "done"))).toEqual([0, 1, "done"]);
    for (const e of parsed) expect(pngInfo(fromBase64(e.b64_json))).toMatchObject({ width: 1024, height: 1536 });
    expect("usage" in parsed[2]! && parsed[2].usage.output_tokens).toBeGreaterThan(0);
  });

  it("edits with multipart image[] files and a mask", async () => {
    const png = await samplePng();
    const form = new FormData();
    for (const field of [["model", "gpt-image-1.5"], ["prompt", `edit ${tag()}`], ["size", "1024x1536"], ["input_fidelity", "high"], ["n", "1"]])
      form.append(field[0]!, field[1]!);
    form.append("image[]", new Blob([png], { type: "image/png" }), "a.png");
    form.append("image[]", new Blob([png], { type: "image/png" }), "b.png");
    form.append("mask", new Blob([png], { type: "image/png" }), "mask.png");
    const res = await fetch(`${API}/images/edits`, { method: "POST", headers: auth, body: form });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = openaiImagesResponseSchema.parse(await res.json());
    expect(body.usage.input_tokens_details.image_tokens).toBeGreaterThan(0);
    expect(pngInfo(fromBase64(body.data[0]!.b64_json))).toMatchObject({ width: 1024, height: 1536 });
  });

  it("refuses edits without an image, with a non-image file, or with input_fidelity on gpt-image-2", async () => {
    const png = await samplePng();
    const form = (fields: [string, string][], files: [string, Uint8Array][]) => {
      const f = new FormData();
      for (const [k, v] of fields) f.append(k, v);
      for (const [k, bytes] of files) f.append(k, new Blob([bytes]), "file.bin");
      return fetch(`${API}/images/edits`, { method: "POST", headers: auth, body: f });
    };
    const base: [string, string][] = [["model", MODEL], ["prompt", "x"]];
    await expectError(await form(base, []), 400, "image", "missing_required_parameter");
    await expectError(await form(base, [["image", new TextEncoder().encode("<svg/>")]]), 400, "image", "invalid_image_format");
    await expectError(await form([["model", "gpt-image-2"], ["prompt", "x"], ["input_fidelity", "high"]], [["image", png]]), 400, "input_fidelity", "unsupported_parameter");
  });

  it("edits from JSON image URLs and streams edit events", async () => {
    const png = await samplePng();
    let b64 = "";
    for (const byte of png) b64 += String.fromCharCode(byte);
    const images = [{ image_url: `data:image/png;base64,${btoa(b64)}` }, { image_url: "https://example.com/in.png" }];
    const res = await fetch(`${API}/images/edits`, postJson({ model: "gpt-image-2", prompt: `json ${tag()}`, images, stream: true }, auth));
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual(["image_edit.completed"]);
    const completed = openaiStreamEventSchema.parse(events[0]!.data);
    expect("usage" in completed && completed.usage.input_tokens_details.image_tokens).toBeGreaterThan(0);
  });

  it("answers moderation_blocked, server_error and rate limits with their headers", async () => {
    const t = tag();
    await addFault({ provider: "openai", fault: "moderated", match: `mod ${t}` });
    await addFault({ provider: "openai", fault: "job_failed", match: `fail ${t}` });
    await addFault({ provider: "openai", fault: "http429", retryAfter: 3, match: `slow ${t}` });
    await expectError(await generate({ model: MODEL, prompt: `mod ${t}` }), 400, null, "moderation_blocked");
    const failed = await expectError(await generate({ model: MODEL, prompt: `fail ${t}` }), 500, null, null);
    expect(failed.type).toBe("server_error");
    const limited = await generate({ model: MODEL, prompt: `slow ${t}` });
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(limited.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(limited.headers.get("x-ratelimit-reset-requests")).toBe("3s");
    await expectError(limited, 429, null, "rate_limit_exceeded");
    expect((await generate({ model: MODEL, prompt: `mod ${t}` })).status).toBe(200);
  });

  it("trickles the response body for slow_image", async () => {
    const t = tag();
    await addFault({ provider: "openai", fault: "slow_image", latencyMs: 600, match: t });
    const started = Date.now();
    const res = await generate({ model: MODEL, prompt: `trickle ${t}` });
    const bytes = await bytesOf(res);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    const body = openaiImagesResponseSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
    expect(pngInfo(fromBase64(body.data[0]!.b64_json)).width).toBe(1024);
  });
});
