// Helpers for tests that drive the simulator (they run inside workerd: web APIs only). The simulator is shared by
// every test file of a run, so each test tags its prompts with a fresh `tag()` and scopes faults with `match`.
import { expect } from "vitest";

export const LEONARDO_KEY = "0f8fad5b-d9cb-469f-a165-70867728950e";
export const APIFRAME_KEY = "afk_simtest_0123456789abcdef";
export const OPENAI_KEY = "sk-simtest-0123456789abcdef";

export const tag = (): string => `t${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;

export const postJson = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** The control interface, reached the way the gateway's tests reach it: any host, path /_sim/…. */
export const sim = (path: string, init?: RequestInit): Promise<Response> => fetch(`https://sim.test/_sim${path}`, init);

export async function addFault(fault: Record<string, unknown>): Promise<{ id: string }> {
  const res = await sim("/faults", postJson(fault));
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

/**
 * Sets a model's shutdown date at a simulated provider (null: none announced). Without `match` everyone sees it (OpenAI
 * lists it in GET /v1/models); with it, only creates whose prompt contains `match` are judged by it: the way for a test
 * to keep a retired model served for its own prompts (or to retire one) without touching other files' tests.
 */
export async function setShutdownDate(provider: "openai" | "leonardo", model: string, shutdownDate: string | null, match?: string): Promise<void> {
  const res = await sim(`/${provider}/models/${encodeURIComponent(model)}`, postJson({ shutdown_date: shutdownDate, match }));
  expect(res.status, await res.clone().text()).toBe(200);
}

/** Back to the simulator's own shutdown date for the model (or, with `match`, drops only that override). */
export async function restoreShutdownDate(provider: "openai" | "leonardo", model: string, match?: string): Promise<void> {
  const query = match === undefined ? "" : `?match=${encodeURIComponent(match)}`;
  const res = await sim(`/${provider}/models/${encodeURIComponent(model)}${query}`, { method: "DELETE" });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** Ages the jobs whose prompt contains `match` (or the job/upload `id`) by `ms`. */
export async function advance(body: { ms: number; match?: string; id?: string }): Promise<number> {
  const res = await sim("/advance", postJson(body));
  expect(res.status).toBe(200);
  return ((await res.json()) as { advanced: number }).advanced;
}

export type Callback = { provider: string; event: string; url: string; headers: Record<string, string>; body: string; jobId: string };

export async function takeCallbacks(match: string, waitMs = 0): Promise<Callback[]> {
  const res = await sim(`/callbacks?match=${encodeURIComponent(match)}&wait=${waitMs}`);
  expect(res.status).toBe(200);
  return res.json();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const bytesOf = async (res: Response): Promise<Uint8Array> => new Uint8Array(await res.arrayBuffer());

export const fromBase64 = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

/** Reads a PNG's IHDR (checking signature and chunk type), or throws. */
export function pngInfo(bytes: Uint8Array): { width: number; height: number; colourType: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!signature.every((b, i) => bytes[i] === b)) throw new Error("not a PNG signature");
  if (new TextDecoder().decode(bytes.subarray(12, 16)) !== "IHDR") throw new Error("first chunk is not IHDR");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20), colourType: bytes[25]! };
}

/** A PNG's IDAT data inflated: each row's filter byte, then its pixels. */
export async function pngScanlines(bytes: Uint8Array): Promise<Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Uint8Array[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = view.getUint32(at);
    if (new TextDecoder().decode(bytes.subarray(at + 4, at + 8)) === "IDAT") parts.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return new Uint8Array(await new Response(new Blob(parts).stream().pipeThrough(new DecompressionStream("deflate"))).arrayBuffer());
}

/** Inflates every IDAT and checks it holds exactly height × (1 + width × channels) bytes and IEND ends it: a complete image. */
export async function pngIsComplete(bytes: Uint8Array): Promise<boolean> {
  const { width, height, colourType } = pngInfo(bytes);
  const sawEnd = new TextDecoder().decode(bytes.subarray(bytes.length - 8, bytes.length - 4)) === "IEND";
  const channels = colourType === 6 ? 4 : 3;
  return sawEnd && (await pngScanlines(bytes)).length === height * (1 + width * channels);
}

/**
 * The attributes of an SVG document's root element, after an optional XML declaration; throws when the root is not
 * `<svg>` or the document does not end by closing it.
 */
export function svgRoot(bytes: Uint8Array): Record<string, string> {
  const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  const root = /^(?:<\?xml[^>]*\?>\s*)?<svg(\s[^>]*)?>/.exec(text);
  if (root === null) throw new Error("the document's root element is not <svg>");
  if (!text.trimEnd().endsWith("</svg>")) throw new Error("the document does not end by closing <svg>");
  return Object.fromEntries([...(root[1] ?? "").matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

/** apiframe's signature: hex HMAC-SHA256 of the raw body, keyed with the raw SHA-256 of the API key. */
export async function apiframeSignatureValid(apiKey: string, body: string, header: string): Promise<boolean> {
  const m = /^sha256=([0-9a-f]{64})$/.exec(header);
  if (m === null) return false;
  const keyBytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(apiKey));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const mac = Uint8Array.from(m[1]!.match(/../g)!, (h) => parseInt(h, 16));
  return crypto.subtle.verify("HMAC", key, mac, new TextEncoder().encode(body));
}

/** Splits an SSE body into its events. */
export function parseSse(text: string): { event: string; data: unknown }[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "";
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? "null";
      return { event, data: JSON.parse(data) };
    });
}
