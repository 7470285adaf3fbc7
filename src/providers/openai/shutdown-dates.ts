import * as z from "../../lib/zod";
import { modelById, type ModelId } from "../../catalogue";
import type { OpenAIDates, SourcedShutdown } from "../../catalogue/lifecycle";
import type { Env } from "../../env";
import { now as clockNow } from "../../lib/clock";
import { baseUrl } from "../config";
import { readAnswer, upstreamFetch } from "../http";
import { UpstreamError } from "../types";

// Dates from the source (SPEC §3.4): OpenAI's GET /v1/models carries each model's `shutdown_date`. The hourly cron
// reads it at most once a day and keeps what it learnt in KV; requests read that copy, cached at the edge, so the next
// retirement is data, not a release.

const KEY = "lifecycle:openai";
/** How long an edge location may serve its copy of the dates: a new shutdown date is known within minutes of the read. */
const CACHE_TTL_SECONDS = 300;
const READ_EVERY_MS = 24 * 60 * 60 * 1000;
const TIMEOUT_MS = 30_000;
const DEFAULT_BASE_URL = "https://api.openai.com/v1";
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

const ModelsAnswer = z.object({ data: z.array(z.looseObject({ id: z.string(), shutdown_date: z.optional(z.unknown()) })) });

/** An isolate keeps its copy this long: every admission reads the dates, and they change once a day at most. */
const MEMO_MS = 60_000;
const memo = new WeakMap<KVNamespace, { dates: OpenAIDates | null; until: number }>();

/** The dates in force from OpenAI, or null when no OpenAI key is configured or the cron has not read them yet. */
export async function readOpenAIDates(env: Env): Promise<OpenAIDates | null> {
  if (!env.OPENAI_API_KEY) return null;
  const kept = memo.get(env.KEYS);
  if (kept && kept.until > clockNow()) return kept.dates;
  const dates = await env.KEYS.get<OpenAIDates>(KEY, { type: "json", cacheTtl: CACHE_TTL_SECONDS });
  memo.set(env.KEYS, { dates, until: clockNow() + MEMO_MS });
  return dates;
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The catalogue's models with a shutdown date in OpenAI's list (ids matched through the catalogue's aliases; the
 * earliest date wins). A model OpenAI no longer lists keeps what was read before: a model past its shutdown may leave
 * the list, and must stay retired. A date first seen today is seen today; one seen before keeps its day.
 */
export function mergeShutdowns(previous: OpenAIDates | null, listed: { id: string; shutdown_date?: unknown }[], now: number): OpenAIDates {
  const dates = new Map<ModelId, string | null>();
  for (const item of listed) {
    const entry = modelById(item.id);
    if (!entry) continue;
    const date = typeof item.shutdown_date === "string" && ISO_DATE.test(item.shutdown_date) ? item.shutdown_date : null;
    const known = dates.get(entry.id);
    if (date === null) {
      if (known === undefined) dates.set(entry.id, null);
    } else if (!known || date < known) dates.set(entry.id, date);
  }
  const models: Partial<Record<ModelId, SourcedShutdown>> = { ...previous?.models };
  for (const [id, shutdownOn] of dates) {
    if (shutdownOn === null) delete models[id];
    else models[id] = { shutdownOn, seenOn: previous?.models[id]?.seenOn ?? dayOf(now) };
  }
  return { checkedAt: new Date(now).toISOString(), models };
}

export type RefreshOutcome = "unconfigured" | "fresh" | "refreshed" | "failed";

/** The cron's read: at most once a day, only with an OpenAI key; a failed read changes nothing and is tried next hour. */
export async function refreshOpenAIDates(env: Env, now: number): Promise<RefreshOutcome> {
  if (!env.OPENAI_API_KEY) return "unconfigured";
  const previous = await env.KEYS.get<OpenAIDates>(KEY, "json");
  if (previous && now - Date.parse(previous.checkedAt) < READ_EVERY_MS) return "fresh";
  const url = `${baseUrl(env.OPENAI_BASE_URL, DEFAULT_BASE_URL)}/models`;
  try {
    const res = await upstreamFetch("openai", url, { headers: { authorization: `Bearer ${env.OPENAI_API_KEY}` } }, TIMEOUT_MS, "other");
    if (!res.ok) {
      await res.body?.cancel();
      throw new UpstreamError({ class: "retryable", message: `openai answered ${res.status}` });
    }
    const { data } = await readAnswer("openai", res, ModelsAnswer, "other");
    const dates = mergeShutdowns(previous, data, now);
    await env.KEYS.put(KEY, JSON.stringify(dates));
    memo.set(env.KEYS, { dates, until: now + MEMO_MS });
    console.log(JSON.stringify({ msg: "openai shutdown dates read", models: dates.models }));
    return "refreshed";
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err;
    console.log(JSON.stringify({ msg: "openai shutdown dates not read", error: err.message }));
    return "failed";
  }
}
