// The simulator's OpenAI Images API, reached through the outbound service at the real hostname.
import { beforeAll, describe, expect, it } from "vitest";
import { openaiErrorSchema, openaiImagesResponseSchema, openaiStreamEventSchema } from "../sim/schemas.ts";
import { toBase64 } from "../sim/images.ts";
import {
  addFault,
  bytesOf,
  fromBase64,
  OPENAI_KEY,
  parseSse,
  pngInfo,
  pngIsComplete,
  postJson,
  setShutdownDate,
  svgRoot,
  tag,
} from "../sim/testing.ts";
import { decodeGif, gifPixel } from "../helpers/gif";
import { activeModel } from "../helpers/models";

const API = "https://api.openai.com/v1";
// Where the model does not matter: one OpenAI serves today. gpt-image-1.5 stays where its own rules are tested: the
// simulator keeps serving it, whatever the date, to the prompts that carry KEEP.
const MODEL = activeModel(["openai"]).id;
const KEEP = tag();
beforeAll(async () => {
  for (const model of ["gpt-image-1.5", "gpt-image-1.5-2025-12-16"]) await setShutdownDate("openai", model, null, KEEP);
});
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
    ["a gpt-image-2 size on gpt-image-1.5", { model: "gpt-image-1.5", prompt: `x ${KEEP}`, size: "1376x768" }, "size", "invalid_value"],
    ["auto on gpt-image-2", { model: "gpt-image-2", prompt: "x", size: "auto" }, "size", "invalid_value"],
    ["a side not a multiple of 16", { model: "gpt-image-2", prompt: "x", size: "1000x1000" }, "size", "invalid_value"],
    ["more than 3840x2160", { model: "gpt-image-2", prompt: "x", size: "3840x2176" }, "size", "invalid_value"],
    ["input_fidelity on generations", { model: "gpt-image-1.5", prompt: `x ${KEEP}`, input_fidelity: "high" }, "input_fidelity", "unknown_parameter"],
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
    for (const field of [["model", "gpt-image-1.5"], ["prompt", `edit ${KEEP}`], ["size", "1024x1536"], ["input_fidelity", "high"], ["n", "1"]])
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

const GIF_MODELS = ["gpt-image-2.6-flare", "gpt-image-2.6-sunburst"];
const XHIGH_MODELS = [
  "gpt-image-2.5-flare", "gpt-image-2.5-flare-2026-09-08", "gpt-image-2.5-sunburst", "gpt-image-2.5-sunburst-2026-09-08", ...GIF_MODELS,
];

async function ok(res: Response) {
  expect(res.status, await res.clone().text()).toBe(200);
  return openaiImagesResponseSchema.parse(await res.json());
}

/** A gpt-image-2.6 GIF, decoded: small frames keep these tests quick (a 3x3 sheet of 320x352 fits the size rules). */
async function gif(fields: Record<string, unknown>, model = GIF_MODELS[0]!) {
  const body = await ok(await generate({ model, prompt: `gif ${tag()}`, output_format: "gif", size: "320x352", quality: "low", ...fields }));
  expect(body.output_format).toBe("gif");
  return decodeGif(fromBase64(body.data[0]!.b64_json));
}

describe("OpenAI simulator: GPT Image 2.5 and 2.6", () => {
  it.each([...XHIGH_MODELS, "gpt-image-2", "gpt-image-2-2026-04-21", "gpt-image-1.5-2025-12-16"])("serves %s", async (model) => {
    const body = await ok(await generate({ model, prompt: `model ${KEEP}`, quality: "low" }));
    expect(pngInfo(fromBase64(body.data[0]!.b64_json))).toMatchObject({ width: 1024, height: 1024 });
  });

  it.each(XHIGH_MODELS.flatMap((model) => ["xhigh", "max"].map((quality) => [model, quality])))("takes %s at quality %s", async (model, quality) => {
    expect((await ok(await generate({ model, prompt: `q ${tag()}`, quality }))).quality).toBe(quality);
  });

  it.each([["gpt-image-2", "xhigh"], ["gpt-image-2-2026-04-21", "max"], ["gpt-image-1.5", "xhigh"]])("refuses %s at quality %s", async (model, quality) => {
    const error = await expectError(await generate({ model, prompt: `q ${KEEP}`, quality }), 400, "quality", "invalid_value");
    expect(error.message).toContain("'high', and 'auto'");
  });

  it.each(GIF_MODELS.flatMap((model) => ["low", "medium", "high"].map((complexity) => [model, complexity])))("takes %s at complexity %s", async (model, complexity) => {
    await ok(await generate({ model, prompt: `c ${tag()}`, complexity, quality: "low" }));
  });

  it.each(["gpt-image-2.5-flare", "gpt-image-2.5-sunburst", "gpt-image-2"])("refuses complexity on %s, and a complexity outside low|medium|high", async (model) => {
    await expectError(await generate({ model, prompt: "c", complexity: "high" }), 400, "complexity", "unsupported_parameter");
    await expectError(await generate({ model: GIF_MODELS[0], prompt: "c", complexity: "max" }), 400, "complexity", "invalid_value");
  });

  it.each(["gpt-image-2.5-flare-2026-09-08", "gpt-image-2.5-sunburst", "gpt-image-2"].flatMap((model) => ["gif", "svg"].map((f) => [model, f])))(
    "refuses %s with output_format %s",
    async (model, output_format) => {
      await expectError(await generate({ model, prompt: "f", output_format }), 400, "output_format", "invalid_value");
    },
  );

  it.each(GIF_MODELS)("makes %s GIFs of frame_count frames at the asked size, frame_duration_ms rounded to 10 ms", async (model) => {
    const decoded = await gif({ frame_count: 4, frame_duration_ms: 125 }, model);
    expect({ width: decoded.width, height: decoded.height, loops: decoded.loops, frames: decoded.frames.length }).toEqual({ width: 320, height: 352, loops: 0, frames: 4 });
    for (const frame of decoded.frames) expect(frame).toMatchObject({ left: 0, top: 0, width: 320, height: 352, delayMs: 130, transparentIndex: null });
    // It is an animation: each frame differs from the one before.
    for (let i = 1; i < decoded.frames.length; i++) expect(decoded.frames[i]!.indices).not.toEqual(decoded.frames[i - 1]!.indices);
  });

  it("defaults a GIF to 9 frames of 200 ms", async () => {
    const decoded = await gif({});
    expect(decoded.frames.map((f) => f.delayMs)).toEqual(Array(9).fill(200));
  });

  it("takes frame_count 2 and 16 and frame_duration_ms 20 and 655350, the bounds", async () => {
    expect((await gif({ frame_count: 2 })).frames).toHaveLength(2);
    expect((await gif({ frame_count: 16, size: "208x208" })).frames).toHaveLength(16);
    expect((await gif({ frame_count: 2, frame_duration_ms: 20 })).frames[0]!.delayMs).toBe(20);
    expect((await gif({ frame_count: 2, frame_duration_ms: 655_350 })).frames[0]!.delayMs).toBe(655_350);
  });

  it.each([
    ["frame_count 1", { frame_count: 1 }, "frame_count", "integer_below_min_value"],
    ["frame_count 17", { frame_count: 17 }, "frame_count", "integer_above_max_value"],
    ["frame_duration_ms 19", { frame_duration_ms: 19 }, "frame_duration_ms", "integer_below_min_value"],
    ["frame_duration_ms 655351", { frame_duration_ms: 655_351 }, "frame_duration_ms", "integer_above_max_value"],
    ["stream", { stream: true }, "stream", "unsupported_parameter"],
    ["partial_images", { partial_images: 1 }, "partial_images", "unsupported_parameter"],
    ["output_compression", { output_compression: 50 }, "output_compression", "unsupported_parameter"],
    ["a sheet above the pixel limit (9 frames of 976x976)", { size: "976x976" }, "size", "invalid_value"],
    ["a sheet below the pixel minimum (9 frames of 256x256)", { size: "256x256" }, "size", "invalid_value"],
    ["a sheet beyond 3840 px (16 frames of 976x528)", { frame_count: 16, size: "976x528" }, "size", "invalid_value"],
  ])("refuses a GIF with %s", async (_, fields, param, code) => {
    const body = { model: GIF_MODELS[1], prompt: "g", output_format: "gif", size: "320x352", ...fields };
    await expectError(await generate(body), 400, param, code);
  });

  it.each([[9, 960], [12, 816], [16, 720]])("takes %i frames of %ipx squares, the largest whose sheet fits", async (frames, side) => {
    const decoded = await gif({ frame_count: frames, size: `${side}x${side}` });
    expect({ width: decoded.width, height: decoded.height, frames: decoded.frames.length }).toEqual({ width: side, height: side, frames });
    await expectError(await generate({ model: GIF_MODELS[0], prompt: "g", output_format: "gif", frame_count: frames, size: `${side + 16}x${side + 16}` }), 400, "size", "invalid_value");
  });

  it("sizes a GIF without a size as the largest square frames that fit", async () => {
    const decoded = await gif({ size: undefined, frame_count: 5 });
    expect({ width: decoded.width, height: decoded.height, frames: decoded.frames.length }).toEqual({ width: 960, height: 960, frames: 5 });
  });

  it("takes a GIF with stream false and partial_images 0 (nothing it lacks), at the smallest sheet", async () => {
    expect((await gif({ stream: false, partial_images: 0, size: "272x272", frame_count: 3 })).frames).toHaveLength(3);
  });

  it("refuses frame_count and frame_duration_ms without output_format gif", async () => {
    await expectError(await generate({ model: GIF_MODELS[0], prompt: "p", frame_count: 4 }), 400, "frame_count", "unsupported_parameter");
    await expectError(await generate({ model: GIF_MODELS[0], prompt: "p", output_format: "svg", frame_duration_ms: 100 }), 400, "frame_duration_ms", "unsupported_parameter");
  });

  it("makes a transparent GIF whose transparent index shows through", async () => {
    const [frame] = (await gif({ background: "transparent", frame_count: 2 })).frames;
    expect(frame!.transparentIndex).not.toBeNull();
    const column = Array.from({ length: frame!.height }, (_, y) => gifPixel(frame!, 0, y));
    expect(column.some((p) => p === null)).toBe(true);
    expect(column.some((p) => p !== null)).toBe(true);
  });

  it("edits into a GIF, but refuses a GIF edit with a mask", async () => {
    const png = await samplePng();
    const edit = (withMask: boolean) => {
      const form = new FormData();
      for (const [k, v] of [["model", GIF_MODELS[0]!], ["prompt", `gif edit ${tag()}`], ["output_format", "gif"], ["size", "320x352"], ["frame_count", "3"]]) form.append(k!, v!);
      form.append("image[]", new Blob([png], { type: "image/png" }), "a.png");
      if (withMask) form.append("mask", new Blob([png], { type: "image/png" }), "mask.png");
      return fetch(`${API}/images/edits`, { method: "POST", headers: auth, body: form });
    };
    const body = await ok(await edit(false));
    expect(decodeGif(fromBase64(body.data[0]!.b64_json)).frames).toHaveLength(3);
    await expectError(await edit(true), 400, "mask", "unsupported_parameter");
  });

  it.each(GIF_MODELS)("makes %s SVG documents of the asked size", async (model) => {
    const body = await ok(await generate({ model, prompt: `svg ${tag()}`, output_format: "svg", size: "1536x1024" }));
    expect(body).toMatchObject({ output_format: "svg", size: "1536x1024" });
    expect(body.data).toHaveLength(1);
    expect(svgRoot(fromBase64(body.data[0]!.b64_json))).toMatchObject({ xmlns: "http://www.w3.org/2000/svg", width: "1536", height: "1024", viewBox: "0 0 1536 1024" });
  });

  it("refuses SVG with n above 1 and on edits", async () => {
    await expectError(await generate({ model: GIF_MODELS[0], prompt: "s", output_format: "svg", n: 2 }), 400, "n", "invalid_value");
    const png = await samplePng();
    const images = [{ image_url: `data:image/png;base64,${toBase64(png)}` }];
    const res = await fetch(`${API}/images/edits`, postJson({ model: GIF_MODELS[0], prompt: "s", images, output_format: "svg" }, auth));
    await expectError(res, 400, "output_format", "invalid_value");
  });

  it("sizes the 2.6 models as gpt-image-2", async () => {
    const body = await ok(await generate({ model: GIF_MODELS[1], prompt: `size ${tag()}`, size: "2048x1152", quality: "low" }));
    expect(pngInfo(fromBase64(body.data[0]!.b64_json))).toMatchObject({ width: 2048, height: 1152 });
    await expectError(await generate({ model: GIF_MODELS[1], prompt: "s", size: "3840x2176" }), 400, "size", "invalid_value");
    await expectError(await generate({ model: GIF_MODELS[1], prompt: "s", size: "auto" }), 400, "size", "invalid_value");
  });

  it("answers 404 model_not_found from a model's shutdown date on, and serves it before", async () => {
    const t = tag();
    await setShutdownDate("openai", "gpt-image-2.6-flare", "2000-01-01", `gone ${t}`);
    await setShutdownDate("openai", "gpt-image-2.6-flare", "2999-01-01", `later ${t}`);
    const error = await expectError(await generate({ model: "gpt-image-2.6-flare", prompt: `gone ${t}` }), 404, null, "model_not_found");
    expect(error.message).toBe("The model `gpt-image-2.6-flare` has been deprecated, learn more here: https://platform.openai.com/docs/deprecations");
    await ok(await generate({ model: "gpt-image-2.6-flare", prompt: `later ${t}`, quality: "low" }));
    await ok(await generate({ model: "gpt-image-2.6-flare", prompt: `other ${t}`, quality: "low" }));
  });
});
