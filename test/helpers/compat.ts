import { SELF, env, listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import OpenAI from "openai";
import type { JobRecord } from "../../src/jobs/record";
import { encodePng } from "../../src/lib/png";
import { pngInfo, pngScanlines } from "../sim/testing";
import { BASE, DEV_KEY, runToEnd } from "./api";

// Helpers for the drop-in surfaces' tests: the official openai SDK wired to the Worker, images and their bytes.

/**
 * The openai SDK talking to the Worker. With `drive`, each answer's job (named by x-imagegate-job-id) is run to its
 * end through its alarms before the SDK reads the body, so nothing waits on the clock.
 */
export function openaiClient(options: { drive?: boolean; apiKey?: string } = {}): OpenAI {
  return new OpenAI({
    baseURL: `${BASE}/v1`,
    apiKey: options.apiKey ?? DEV_KEY,
    maxRetries: 0,
    fetch: async (url: RequestInfo | URL, init?: RequestInit) => {
      const res = await SELF.fetch(url as string, init);
      const jobId = res.headers.get("x-imagegate-job-id");
      if (options.drive && jobId) await runToEnd(jobId);
      return res;
    },
  });
}

/** The job whose prompt is `prompt`, once admission has stored it (for requests whose answer waits for the job). */
export async function jobWithPrompt(prompt: string, tries = 200): Promise<JobRecord> {
  for (let i = 0; i < tries; i++) {
    for (const id of await listDurableObjectIds(env.JOBS)) {
      const rec = await runInDurableObject(env.JOBS.get(id), async (_o, state) => state.storage.get<JobRecord>("job"));
      if (rec?.spec.prompt === prompt) return rec;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no job with prompt ${prompt}`);
}

/** A real PNG of the given size, as bytes. */
export async function pngBytes(width: number, height: number, alpha = false): Promise<Uint8Array> {
  const stream = encodePng(width, height, { alpha }, (y, row) => row.fill((y * 7) % 256));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export const b64ToBytes = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

export const bytesToB64 = (bytes: Uint8Array): string => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};

/** How many times a PNG's pixel rows change from one row to the next (our encoders write filter 0 on every row). */
export async function rowChanges(png: Uint8Array): Promise<number> {
  const { width, colourType } = pngInfo(png);
  const raw = await pngScanlines(png);
  const stride = 1 + width * (colourType === 6 ? 4 : 3);
  let changes = 0;
  for (let y = 1; y * stride < raw.length; y++) {
    if (raw[y * stride] !== 0) throw new Error(`row ${y} uses PNG filter ${raw[y * stride]}, not 0`);
    const row = raw.subarray(y * stride + 1, (y + 1) * stride);
    const above = raw.subarray((y - 1) * stride + 1, y * stride);
    if (row.some((b, i) => b !== above[i])) changes++;
  }
  return changes;
}
