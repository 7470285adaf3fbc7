import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ReferenceNotFound, referenceKey } from "../../src/files/references";
import { storeImage, UnsupportedImage } from "../../src/files/store";
import { OUTPUT_IMAGES } from "../../src/lib/sniff";
import { svgRoot } from "../../src/lib/svg";
import { renderSandboxImage } from "../../src/providers/sandbox/render";
import { api, createJob, runToEnd, sha256Hex } from "../helpers/api";
import { decodeGif, gifPixel } from "../helpers/gif";

// GPT Image 2.6's gif and svg output, end to end on the sandbox: a real animated GIF and a real SVG document in R2
// (sniffed type, extension, dimensions), served with their types, and an SVG so that it can run no script (SPEC §8).
// Neither may come back in as an upload or a reference image (SPEC §9).

const MODEL = "gpt-image-2.6-flare";
const SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

type Json = Record<string, any>;

async function completedJob(params: Json, prompt: string): Promise<{ jobId: string; job: Json; rec: Awaited<ReturnType<typeof runToEnd>> }> {
  const jobId = await createJob({ prompt, model: MODEL, provider: "sandbox", gptImage2Params: { seed: 11, ...params } });
  const rec = await runToEnd(jobId);
  expect(rec.status).toBe("COMPLETED");
  const job = (await (await api(`/v2/jobs/${jobId}`)).json()) as Json;
  return { jobId, job, rec };
}

const r2Bytes = async (key: string): Promise<Uint8Array> => new Uint8Array(await (await env.FILES.get(key))!.arrayBuffer());
const served = (url: string, method = "GET") => api(new URL(url).pathname + new URL(url).search, { key: null, method });

describe("gif output", () => {
  it("stores a real animated GIF: image/gif, .gif, its size, its frames and their delay", async () => {
    const { jobId, job, rec } = await completedJob({ output_format: "gif", frame_count: 4, frame_duration_ms: 120, width: 480, height: 320 }, "a bouncing ball");
    expect(rec.spec.gif).toEqual({ frameCount: 4, frameDurationMs: 120 });
    const file = job.result.files[0] as Json;
    expect(file).toMatchObject({ width: 480, height: 320, contentType: "image/gif" });
    const key = `jobs/${jobId}/0.gif`;
    expect(rec.files[0]!.key).toBe(key);

    const object = await env.FILES.head(key);
    expect(object?.httpMetadata?.contentType).toBe("image/gif");
    expect(object?.customMetadata).toMatchObject({ jobId, width: "480", height: "320", sha256: file.sha256 });

    const bytes = await r2Bytes(key);
    expect(await sha256Hex(bytes)).toBe(file.sha256);
    const gif = decodeGif(bytes);
    expect({ version: gif.version, width: gif.width, height: gif.height, loops: gif.loops }).toEqual({ version: "GIF89a", width: 480, height: 320, loops: 0 });
    expect(gif.frames.map((f) => [f.width, f.height, f.delayMs, f.transparentIndex])).toEqual(Array(4).fill([480, 320, 120, null]));
    // It moves: no two frames alike.
    const frames = new Set(await Promise.all(gif.frames.map((f) => sha256Hex(f.indices))));
    expect(frames.size).toBe(4);
    // Deterministic: the same spec renders the same bytes.
    expect(await sha256Hex(new Uint8Array(await new Response(renderSandboxImage(rec.spec, 0)).arrayBuffer()))).toBe(file.sha256);

    const res = await served(file.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/gif");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toBeNull();
    expect(await sha256Hex(await res.arrayBuffer())).toBe(file.sha256);
  });

  it("draws a transparent background with the GIF's transparent index", async () => {
    const { rec } = await completedJob({ output_format: "gif", frame_count: 2, width: 320, height: 320, background: "transparent" }, "a cut-out");
    const gif = decodeGif(await r2Bytes(rec.files[0]!.key));
    expect(gif.frames).toHaveLength(2);
    expect(gif.frames.map((f) => f.delayMs)).toEqual([200, 200]); // the model's default delay
    const frame = gif.frames[0]!;
    expect(frame.transparentIndex).not.toBeNull();
    expect(frame.disposal).toBe(2);
    let clear = 0;
    for (let y = 0; y < 320; y += 8) for (let x = 0; x < 320; x += 8) if (gifPixel(frame, x, y) === null) clear++;
    expect(clear).toBeGreaterThan(0);
    expect(clear).toBeLessThan(40 * 40); // the discs are opaque
  });
});

describe("svg output", () => {
  it("stores a real SVG document: image/svg+xml, .svg, its size from the root element", async () => {
    const { jobId, job, rec } = await completedJob({ output_format: "svg", width: 1024, height: 768 }, "a vector fox");
    const file = job.result.files[0] as Json;
    expect(file).toMatchObject({ width: 1024, height: 768, contentType: "image/svg+xml" });
    const key = `jobs/${jobId}/0.svg`;
    expect(rec.files[0]!.key).toBe(key);
    const object = await env.FILES.head(key);
    expect(object?.httpMetadata?.contentType).toBe("image/svg+xml");
    expect(object?.customMetadata).toMatchObject({ jobId, width: "1024", height: "768", sha256: file.sha256 });

    const text = new TextDecoder().decode(await r2Bytes(key));
    expect(svgRoot(text)).toEqual({ xmlns: "http://www.w3.org/2000/svg", width: "1024", height: "768", viewBox: "0 0 1024 768" });
    expect(text.trimEnd().endsWith("</svg>")).toBe(true);
    expect(text.match(/<circle /g)!.length).toBeGreaterThanOrEqual(3);
    expect(text).toContain("<linearGradient");
    // Nothing that runs or fetches: no script, no event handler, no link outside the document.
    expect(text).not.toMatch(/<script|\son\w+=|href=|url\((?!#)/i);
  });

  it("is served as image/svg+xml under a CSP that runs nothing, on GET, HEAD and 304 alike", async () => {
    const { job } = await completedJob({ output_format: "svg" }, "a vector owl");
    const url = job.result.files[0].url as string;
    const res = await served(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/svg+xml");
    expect(res.headers.get("content-security-policy")).toBe(SVG_POLICY);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toContain("<svg ");
    const head = await served(url, "HEAD");
    expect(head.headers.get("content-security-policy")).toBe(SVG_POLICY);
    const again = await api(new URL(url).pathname + new URL(url).search, { key: null, headers: { "If-None-Match": res.headers.get("etag")! } });
    expect(again.status).toBe(304);
    expect(again.headers.get("content-security-policy")).toBe(SVG_POLICY);
  });
});

describe("gif and svg never come back in", () => {
  it("refuses a generated gif or svg as a reference image", async () => {
    const gif = await completedJob({ output_format: "gif", frame_count: 2, width: 320, height: 320 }, "ref gif");
    const svg = await completedJob({ output_format: "svg" }, "ref svg");
    for (const { jobId, rec } of [gif, svg]) {
      await expect(referenceKey(env, rec.accountId, { kind: "generated", id: `${jobId}-0` }, Date.now())).rejects.toThrow(ReferenceNotFound);
      await expect(referenceKey(env, rec.accountId, { kind: "generated", id: `${jobId}-0` }, Date.now())).rejects.toThrow(/not a png, jpeg or webp/);
    }
  });

  it("refuses the sandbox's own gif and svg as uploads (415), storing nothing", async () => {
    const { rec: gifRec } = await completedJob({ output_format: "gif", frame_count: 2, width: 320, height: 320 }, "upload gif");
    const { rec: svgRec } = await completedJob({ output_format: "svg" }, "upload svg");
    for (const [rec, name, type] of [[gifRec, "a.gif", "image/gif"], [svgRec, "a.svg", "image/svg+xml"]] as const) {
      const form = new FormData();
      form.append("file", new File([await r2Bytes(rec.files[0]!.key)], name, { type }));
      const before = (await env.FILES.list({ prefix: "uploads/" })).objects.length;
      const res = await api("/v2/uploads", { method: "POST", body: form });
      expect(res.status).toBe(415);
      expect((await env.FILES.list({ prefix: "uploads/" })).objects.length).toBe(before);
    }
  });
});

describe("storeImage of a model's output", () => {
  const encode = (s: string) => new TextEncoder().encode(s);
  /** A stream made in JavaScript handing out `bytes` a few at a time. */
  const trickle = (bytes: Uint8Array, size: number) => {
    let at = 0;
    return new ReadableStream<Uint8Array>({
      pull(c) {
        if (at >= bytes.length) return c.close();
        c.enqueue(bytes.slice(at, (at += size)));
      },
    });
  };
  const store = (bytes: Uint8Array, name: string, size = 5) =>
    storeImage(env.FILES, trickle(bytes, size), { keyFor: (ext) => `test-formats/${name}.${ext}`, metadata: {}, accept: OUTPUT_IMAGES });

  it("waits past the first bytes for an SVG's root element, through a long prolog", async () => {
    const svg = encode(`<?xml version="1.0"?>\n<!-- ${"x".repeat(3000)} -->\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 480"/>`);
    const file = await store(svg, "prolog");
    expect(file).toMatchObject({ key: "test-formats/prolog.svg", contentType: "image/svg+xml", width: 640, height: 480, byteSize: svg.length });
  });

  it.each([
    ["an HTML page holding an svg", '<!doctype html><html><body><svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/></body></html>'],
    ["an SVG whose prolog outlasts 64 KiB", `<!--${"x".repeat(70_000)}--><svg/>`],
    ["a root tag that never closes", '<svg xmlns="http://www.w3.org/2000/svg" width="10'],
  ])("refuses %s", async (name, text) => {
    await expect(store(encode(text), name.replace(/\W+/g, "-"), 4096)).rejects.toBeInstanceOf(UnsupportedImage);
    expect((await env.FILES.list({ prefix: `test-formats/${name.replace(/\W+/g, "-")}` })).objects).toHaveLength(0);
  });

  it("stores a GIF signature with junk after it as a gif, with the size its header claims", async () => {
    const junk = Uint8Array.from([...encode("GIF89a"), 7, 0, 3, 0, ...encode("not the blocks of a GIF")]);
    expect(await store(junk, "junk")).toMatchObject({ contentType: "image/gif", width: 7, height: 3, key: "test-formats/junk.gif" });
  });

  it("still refuses gif and svg when not asked to take them (uploads, references)", async () => {
    const gif = Uint8Array.from([...encode("GIF89a"), 1, 0, 1, 0, 0, 0, 0, 0x3b]);
    const svg = encode('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
    for (const [bytes, name] of [[gif, "plain-gif"], [svg, "plain-svg"]] as const) {
      await expect(storeImage(env.FILES, trickle(bytes, 64), { keyFor: (ext) => `test-formats/${name}.${ext}`, metadata: {} })).rejects.toBeInstanceOf(UnsupportedImage);
    }
  });
});
