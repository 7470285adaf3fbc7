import type * as z from "../lib/zod";
import type { Env } from "../env";
import { retryAfterMs } from "../lib/retry";
import { readCapped } from "../lib/capped-body";
import { UpstreamError, type ClassifiedError, type OpenedImage, type ProviderContext } from "./types";

// The one way adapters talk to an upstream: a time limit per call, and every failure turned into a classified
// UpstreamError. "create" calls are the ones that may make an upstream job: when they time out or answer
// unreadably, the outcome is unknown (SPEC §4.3).

export type Phase = "create" | "other";

const DEFAULT_TIMEOUT_SECONDS = 30;
const MIN_TIMEOUT_MS = 500;
const MAX_ANSWER_BYTES = 1024 * 1024;

const secondsVar = (value: string | undefined, fallback: number): number => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

/** The time limit of one upstream API call: UPSTREAM_TIMEOUT_SECONDS, never past the job's deadline. */
export function callTimeoutMs(ctx: ProviderContext, seconds = secondsVar(ctx.env.UPSTREAM_TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS)): number {
  return Math.max(MIN_TIMEOUT_MS, Math.min(seconds * 1000, ctx.deadlineAt - ctx.now));
}

/** For calls that take as long as a generation (OpenAI): OPENAI_TIMEOUT_SECONDS (default 300), within the deadline. */
export const generationTimeoutMs = (ctx: ProviderContext, env: Env): number => callTimeoutMs(ctx, secondsVar(env.OPENAI_TIMEOUT_SECONDS, 300));

/** Downloads of finished images may take until the job's deadline. */
export const downloadTimeoutMs = (ctx: ProviderContext): number => Math.max(MIN_TIMEOUT_MS, ctx.deadlineAt - ctx.now);

export async function upstreamFetch(provider: string, url: string, init: RequestInit, timeoutMs: number, phase: Phase): Promise<Response> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await fetch(url, { ...init, signal });
  } catch {
    if (signal.aborted) {
      throw new UpstreamError({ class: "retryable", message: `${provider} did not answer within ${timeoutMs} ms`, unknownOutcome: phase === "create" });
    }
    throw new UpstreamError({ class: "retryable", message: `could not connect to ${provider}` });
  }
}

/** The body as JSON matching `schema`; anything else is a retryable failure (unknown outcome on a create). */
export async function readAnswer<T>(provider: string, res: Response, schema: z.ZodMiniType<T>, phase: Phase): Promise<T> {
  const unreadable = (what: string): UpstreamError =>
    new UpstreamError({ class: "retryable", message: `${provider} answered ${res.status} with ${what}`, unknownOutcome: phase === "create" });
  let text: string;
  try {
    text = res.body ? new TextDecoder().decode(await readCapped(res.body, MAX_ANSWER_BYTES)) : "";
  } catch {
    throw unreadable("a body that broke off");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw unreadable("malformed JSON");
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw unreadable("an unexpected shape");
  return parsed.data;
}

/** An error answer's body, parsed as JSON when it is (null otherwise); never more than 64 KB is read. */
export async function errorBody(res: Response): Promise<unknown> {
  try {
    const text = res.body ? new TextDecoder().decode(await readCapped(res.body, 64 * 1024)) : "";
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Strips anything that looks like a credential from an upstream message before it is stored or shown. */
export function redact(message: string): string {
  return message
    .replace(/\b(sk|afk)[-_][A-Za-z0-9_*\-.]{3,}/g, "[redacted]")
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "[id]")
    .slice(0, 300);
}

/** The usual meaning of an HTTP status (adapters refine it: moderation, quota, …). */
export function classifyStatus(provider: string, res: Response, message: string, now: number): ClassifiedError {
  const status = res.status;
  if (status === 429) {
    return { class: "rate_limited", message: `${provider} is rate limiting us (429)`, retryAfterMs: retryAfterMs(res.headers.get("retry-after"), now) ?? undefined };
  }
  if (status >= 500) return { class: "retryable", message: `${provider} answered ${status}` };
  if (status === 401 || status === 403) return { class: "auth", message: `${provider} refused our credentials (${status})` };
  if (status === 400 || status === 422) return { class: "invalid", message: `${provider} refused the request: ${redact(message)}` };
  return { class: "fatal", message: `${provider} answered ${status}: ${redact(message)}` };
}

/** classifyError shared by the adapters: their own UpstreamErrors as they are, anything else as a retryable failure. */
export function classifyThrown(provider: string, err: unknown): ClassifiedError {
  if (err instanceof UpstreamError) return err.classified;
  return { class: "retryable", message: `${provider} call failed` };
}

/** Whether a URL an upstream handed us (an image, an upload form) may be fetched: https, or the configured base's origin. */
export function upstreamUrlAllowed(url: string, baseUrl: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.origin === new URL(baseUrl).origin;
  } catch {
    return false;
  }
}

/** Opens a finished image an upstream serves by URL (Leonardo's and apiframe's CDNs); a failure is retryable. */
export async function openUpstreamImage(provider: string, url: string, baseUrl: string, ctx: ProviderContext): Promise<OpenedImage> {
  if (!upstreamUrlAllowed(url, baseUrl)) throw new UpstreamError({ class: "fatal", message: `${provider} handed out an image URL we do not fetch` });
  const res = await upstreamFetch(provider, url, { headers: { accept: "image/*" } }, downloadTimeoutMs(ctx), "other");
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new UpstreamError({ class: "retryable", message: `${provider} image answered ${res.status}` });
  }
  const length = Number(res.headers.get("content-length") ?? "");
  return { body: res.body, contentType: res.headers.get("content-type"), length: Number.isFinite(length) && length > 0 ? length : null };
}
