// Shared simulator state: config, models' shutdown dates, received calls, unexpected calls, and outgoing callbacks (outbox or
// delivery).
import type { Context } from "hono";
import { createFaultStore } from "./faults.ts";
import { LEONARDO_MODELS } from "./leonardo-models.ts";
import { createLifecycle } from "./lifecycle.ts";
import { OPENAI_MODELS } from "./openai-models.ts";

export type Provider = "leonardo" | "apiframe" | "openai";

export type SimOptions = {
  /** Default time an upstream job takes (ms). */
  latencyMs?: number;
  /** true: POST callbacks with fetch (standalone); false: keep them in the outbox for GET /_sim/callbacks (Vitest). */
  deliverCallbacks?: boolean;
  /** The clock models' shutdown dates are judged by (default Date.now, which TEST_CLOCK moves); tests may pin it. */
  now?: () => number;
};

/** Where the URLs the simulator hands out point: the real hosts, or back at a standalone simulator's prefixes. */
export type Bases = { leonardoCdn: string; leonardoUpload: string; apiframeCdn: string };

export type CallRecord = {
  provider: Provider;
  kind: "api" | "image" | "upload";
  method: string;
  path: string;
  idempotencyKey: string | null;
  /** Epoch ms when the call arrived. */
  at: number;
  /** Null while the answer is pending (e.g. a hang). */
  status: number | null;
  jobId: string | null;
  prompt: string | null;
  fault: string | null;
  /** The reference images a create named (Leonardo image ids, apiframe input_images URLs, OpenAI image file types). */
  inputs: string[] | null;
  /** The `model` a create was sent (whether or not it was accepted); null on other calls. */
  model: string | null;
};

export type UnexpectedCall = { method: string; url: string; at: number };

export type OutgoingCallback = {
  id: string;
  provider: Provider;
  event: string;
  url: string;
  headers: Record<string, string>;
  /** The raw body, byte for byte what is (or would be) sent: signatures cover it. */
  body: string;
  jobId: string;
  prompt: string;
};

type Scheduled = {
  /** When the callback is due; null once it will never be sent (job deleted or cancelled). */
  dueAt: () => number | null;
  /** Builds the callback at fire time; null: nothing to send. */
  build: () => Promise<OutgoingCallback | null>;
  /** Delivery outcome (taken from the outbox counts as delivered). */
  settle: (delivered: boolean) => void;
};

export type LeonardoHook = { callbackUrl: string; callbackToken: string | null };

export type SimConfig = {
  latencyMs: number;
  deliverCallbacks: boolean;
  /** Leonardo sets one callback per API key; `byKey` wins over `fallback`. */
  leonardo: { fallback: LeonardoHook | null; byKey: Map<string, LeonardoHook | null> };
};

export type SimEnv = { Variables: { bases: Bases; call: CallRecord } };

const MAX_CALLS = 20_000;

export function createState(options: SimOptions = {}) {
  const freshConfig = (): SimConfig => ({
    latencyMs: options.latencyMs ?? 300,
    deliverCallbacks: options.deliverCallbacks ?? false,
    leonardo: { fallback: null, byKey: new Map() },
  });
  let scheduled: Scheduled[] = [];
  let outbox: { callback: OutgoingCallback; settle: Scheduled["settle"] }[] = [];

  const state = {
    config: freshConfig(),
    faults: createFaultStore(),
    /** Shutdown dates per provider and model (lifecycle.ts); not part of the config, so DELETE /_sim/faults keeps them. */
    models: createLifecycle(
      {
        openai: new Map(OPENAI_MODELS.map((m) => [m.id, m.shutdownDate])),
        leonardo: new Map(LEONARDO_MODELS.map((m) => [m.id, m.shutdownDate])),
      },
      options.now ?? (() => Date.now()),
    ),
    calls: [] as CallRecord[],
    unexpected: [] as UnexpectedCall[],
    /** Providers register how to age their jobs (POST /_sim/advance) and how to forget them (POST /_sim/reset). */
    advancers: [] as ((ms: number, match: string | undefined, id: string | undefined) => number)[],
    resetters: [] as (() => void)[],

    resetConfig(): void {
      state.config = freshConfig();
    },

    record(call: CallRecord): void {
      state.calls.push(call);
      if (state.calls.length > MAX_CALLS) state.calls.splice(0, state.calls.length - MAX_CALLS);
    },

    /** Queues a callback; it fires on the first sweep after it is due (sweeps run on every request). */
    schedule(entry: Scheduled): void {
      scheduled.push(entry);
      const due = entry.dueAt();
      // In delivery mode a timer makes the callback go out without waiting for another request.
      if (state.config.deliverCallbacks && due !== null) {
        const timer = setTimeout(() => void state.sweep(), Math.max(0, due - Date.now()) + 5);
        (timer as { unref?: () => void }).unref?.();
      }
    },

    async sweep(): Promise<void> {
      const now = Date.now();
      const due: Scheduled[] = [];
      scheduled = scheduled.filter((s) => {
        const at = s.dueAt();
        if (at === null) return false;
        if (at > now) return true;
        due.push(s);
        return false;
      });
      for (const s of due) {
        const callback = await s.build();
        if (callback === null) continue;
        if (state.config.deliverCallbacks) void deliver(callback, s.settle);
        else outbox.push({ callback, settle: s.settle });
      }
    },

    /** Removes and returns the pending callbacks that match; waits up to waitMs for at least one. */
    async takeCallbacks(filter: { provider?: string; match?: string }, waitMs: number): Promise<OutgoingCallback[]> {
      const deadline = Date.now() + waitMs;
      const fits = (cb: OutgoingCallback) =>
        (filter.provider === undefined || cb.provider === filter.provider) &&
        (filter.match === undefined || cb.prompt.includes(filter.match));
      for (;;) {
        await state.sweep();
        const taken = outbox.filter((o) => fits(o.callback));
        if (taken.length > 0 || Date.now() >= deadline) {
          outbox = outbox.filter((o) => !fits(o.callback));
          for (const o of taken) o.settle(true);
          return taken.map((o) => o.callback);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },

    reset(): void {
      state.resetConfig();
      state.faults.clear();
      state.models.reset();
      state.calls.length = 0;
      state.unexpected.length = 0;
      scheduled = [];
      outbox = [];
      for (const r of state.resetters) r();
    },
  };

  async function deliver(callback: OutgoingCallback, settle: Scheduled["settle"]): Promise<void> {
    try {
      const res = await fetch(callback.url, {
        method: "POST",
        headers: callback.headers,
        body: callback.body,
        signal: AbortSignal.timeout(15_000),
      });
      await res.body?.cancel();
      settle(res.ok);
    } catch {
      // Unreachable from here (e.g. a host only the gateway's runtime resolves): keep it for the test to forward.
      outbox.push({ callback, settle });
    }
  }

  return state;
}

export type SimState = ReturnType<typeof createState>;

/** Adds what a handler learnt (job id, prompt, model) to the record of the call it is answering. */
export function note(c: Context<SimEnv>, fields: Partial<Pick<CallRecord, "jobId" | "prompt" | "fault" | "inputs" | "model">>): void {
  Object.assign(c.var.call, fields);
}

/** Epoch ms → ISO string, the timestamp format every provider uses in bodies. */
export const iso = (ms: number): string => new Date(ms).toISOString();

export async function readJson(request: Request): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  const text = await request.text();
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** The `model` of a parsed create body, when it is a string. */
export function modelOf(body: unknown): string | null {
  const model = typeof body === "object" && body !== null ? (body as { model?: unknown }).model : undefined;
  return typeof model === "string" ? model : null;
}

/** The prompt of a parsed body, when it has one at `prompt` or `parameters.prompt` (used to match faults). */
export function promptOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const b = body as { prompt?: unknown; parameters?: { prompt?: unknown } };
  if (typeof b.prompt === "string") return b.prompt;
  if (typeof b.parameters?.prompt === "string") return b.parameters.prompt;
  return null;
}

/** Canonical JSON (sorted keys), so two bodies that differ only in key order compare equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
