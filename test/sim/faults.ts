// Fault injection. A fault belongs to one provider; `match` narrows it to calls concerning a job whose prompt contains
// that substring (creates: the body's prompt; polls, images, callbacks: the prompt of the job they belong to).
// `count` is how many calls (API faults) or jobs (job faults) it affects; null = until DELETE /_sim/faults.
// `rate` (0 < rate ≤ 1) makes a fault hit each call or job it applies to with that probability (the chaos run's mix).
//
// | fault             | kind   | hits                                                    | effect                                                          |
// |-------------------|--------|---------------------------------------------------------|-----------------------------------------------------------------|
// | http500           | api    | the next API call: create, poll, delete, cancel,        | 500 in the provider's error envelope                            |
// |                   |        | init-image, OpenAI generate/edit/models (never image    |                                                                 |
// |                   |        | downloads or the presigned upload); checked after auth, |                                                                 |
// |                   |        | before body validation                                  |                                                                 |
// | http503           | api    | same                                                    | 503 in the provider's envelope                                  |
// | http429           | api    | same                                                    | 429 + Retry-After: retryAfter (default 1; a string is sent as   |
// |                   |        |                                                         | is, e.g. an HTTP date) + x-ratelimit-* on OpenAI                |
// | hang              | api    | same                                                    | no answer until the client aborts (cap: latencyMs, default 120s)|
// | malformed         | api    | same                                                    | 200 application/json with truncated JSON                        |
// | hang_after_create | create | the next create only                                    | the job IS created (and its Idempotency-Key stored), then the   |
// |                   |        |                                                         | answer hangs like `hang` (OpenAI: just `hang`)                  |
// | job_failed        | job    | the next job created                                    | Leonardo FAILED; apiframe FAILED with a non-content error;      |
// |                   |        |                                                         | OpenAI 500 server_error                                         |
// | moderated         | job    | the next job created                                    | Leonardo create → 400 content moderation filter; apiframe job  |
// |                   |        |                                                         | FAILED "content policy violation"; OpenAI 400 moderation_blocked|
// | no_callback       | job    | the next job created (Leonardo, apiframe)               | the job completes, no callback is sent                          |
// | image_404         | job    | the next job created (Leonardo, apiframe)               | its image URLs answer 404                                       |
// | slow_image        | job    | the next job created                                    | its image bodies trickle over latencyMs (default 2000); OpenAI: |
// |                   |        |                                                         | the whole response body trickles                                |
// | latency           | job    | the next job created                                    | the job takes latencyMs (OpenAI: the call answers after it)     |
// | big_image         | job    | the next job created                                    | its images are padded to `bytes` (a private PNG chunk, streamed |
// |                   |        |                                                         | lazily): the 64 MB image of the ingest-memory benchmark; OpenAI:|
// |                   |        |                                                         | the answer's base64 of the padded PNG                           |
//
// Job faults are taken only when a job is really created (valid request, no API fault). Each job takes at most one
// fault of each name; a job that matches several different job faults takes them all.
import { z } from "zod";
import type { Provider } from "./state.ts";

const KIND = {
  http500: "api",
  http503: "api",
  http429: "api",
  hang: "api",
  malformed: "api",
  hang_after_create: "create",
  job_failed: "job",
  moderated: "job",
  no_callback: "job",
  image_404: "job",
  slow_image: "job",
  latency: "job",
  big_image: "job",
} as const;

export type FaultName = keyof typeof KIND;
const NAMES = Object.keys(KIND) as [FaultName, ...FaultName[]];

export const faultInputSchema = z.strictObject({
  provider: z.enum(["leonardo", "apiframe", "openai"]),
  fault: z.enum(NAMES),
  count: z.int().min(1).nullable().default(1),
  retryAfter: z.union([z.int().min(0), z.string().min(1)]).optional(),
  latencyMs: z.int().min(0).optional(),
  bytes: z.int().min(1).max(1024 * 1024 * 1024).optional(),
  rate: z.number().gt(0).max(1).optional(),
  match: z.string().min(1).optional(),
});

export type ActiveFault = z.infer<typeof faultInputSchema> & { id: string; remaining: number | null; hits: number };
export type JobFaults = Partial<Record<FaultName, ActiveFault>>;

/** Combinations that have no meaning: OpenAI hands out no URLs and sends no callbacks. */
const UNSUPPORTED: Partial<Record<Provider, FaultName[]>> = { openai: ["no_callback", "image_404"] };

export function createFaultStore() {
  let faults: ActiveFault[] = [];
  let seq = 0;

  const applies = (f: ActiveFault, provider: Provider, prompt: string | null) =>
    f.provider === provider &&
    (f.match === undefined || (prompt !== null && prompt.includes(f.match))) &&
    (f.rate === undefined || Math.random() < f.rate);

  function consume(f: ActiveFault): void {
    f.hits++;
    if (f.remaining === null) return;
    f.remaining--;
    if (f.remaining <= 0) faults = faults.filter((x) => x !== f);
  }

  return {
    /** Adds a fault; a string is the reason it was refused. */
    add(input: z.infer<typeof faultInputSchema>): ActiveFault | string {
      if (UNSUPPORTED[input.provider]?.includes(input.fault)) return `${input.fault} does not apply to ${input.provider}`;
      const fault: ActiveFault = { ...input, id: `fault_${++seq}`, remaining: input.count, hits: 0 };
      faults.push(fault);
      return fault;
    },
    list: (): ActiveFault[] => faults.map((f) => ({ ...f })),
    /** Removes every fault, or only those with exactly this `match`. Returns how many went. */
    clear(match?: string): number {
      const before = faults.length;
      faults = match === undefined ? [] : faults.filter((f) => f.match !== match);
      return before - faults.length;
    },
    remove(id: string): boolean {
      const before = faults.length;
      faults = faults.filter((f) => f.id !== id);
      return faults.length < before;
    },
    /** The first API fault (and, on creates, create fault) that applies to this call; consumed. */
    takeApi(provider: Provider, prompt: string | null, isCreate: boolean): ActiveFault | null {
      const hit = faults.find(
        (f) => applies(f, provider, prompt) && (KIND[f.fault] === "api" || (isCreate && KIND[f.fault] === "create")),
      );
      if (hit === undefined) return null;
      consume(hit);
      return { ...hit };
    },
    /** The job faults a newly created job takes; each consumed once. */
    takeJob(provider: Provider, prompt: string): JobFaults {
      const taken: JobFaults = {};
      for (const f of [...faults]) {
        if (KIND[f.fault] !== "job" || taken[f.fault] !== undefined || !applies(f, provider, prompt)) continue;
        consume(f);
        taken[f.fault] = { ...f };
      }
      return taken;
    },
  };
}

export type FaultStore = ReturnType<typeof createFaultStore>;

export const sleep = (ms: number, signal?: AbortSignal, unref = false): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (unref) (timer as { unref?: () => void }).unref?.();
    signal?.addEventListener("abort", done);
  });

/**
 * Never answers until the client aborts (recorded as 499), or until the cap (504) that keeps a forgotten request from
 * living forever. Under Vitest the outbound service never sees the abort, so there the cap is what ends it.
 */
export async function hang(signal: AbortSignal, capMs = 120_000): Promise<Response> {
  await sleep(capMs, signal, true);
  return Response.json({ error: "simulated hang ended" }, { status: signal.aborted ? 499 : 504 });
}

export const MALFORMED_JSON = '{"id": "sim-malformed", "status": "COMPL';

export type FaultRender = {
  /** The provider's error body for this status. */
  envelope: (status: 429 | 500 | 503) => unknown;
  /** Extra headers for a 429 beyond Retry-After. */
  rateLimitHeaders?: () => Record<string, string>;
};

/** The response an API fault produces, in the provider's envelope. */
export async function apiFaultResponse(fault: ActiveFault, signal: AbortSignal, render: FaultRender): Promise<Response> {
  switch (fault.fault) {
    case "hang":
    case "hang_after_create":
      return hang(signal, fault.latencyMs);
    case "malformed":
      return new Response(MALFORMED_JSON, { status: 200, headers: { "content-type": "application/json" } });
    case "http429":
      return Response.json(render.envelope(429), {
        status: 429,
        headers: { "retry-after": String(fault.retryAfter ?? 1), ...render.rateLimitHeaders?.() },
      });
    case "http503":
      return Response.json(render.envelope(503), { status: 503 });
    default:
      return Response.json(render.envelope(500), { status: 500 });
  }
}
