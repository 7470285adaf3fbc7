import { env } from "cloudflare:test";
import { afterAll, beforeAll } from "vitest";
import { CATALOGUE, modelEntries, type Lifecycle, type ModelEntry, type ModelId } from "../../src/catalogue";
import { lifecycleStatus } from "../../src/catalogue/lifecycle";
import type { ProviderName } from "../../src/providers/names";
import { PROVIDERS } from "../../src/providers/registry";

// Models for tests, never by the calendar. Where the model does not matter, a test takes one the catalogue holds active
// at the test's clock (TEST_CLOCK moves it); a test of one model's own rules pins that model's lifecycle instead.

/** The newest model active now that each of `servedBy` offers; throws when there is none. */
export function activeModel(servedBy: readonly ProviderName[] = []): ModelEntry {
  const now = Date.now();
  const fits = modelEntries()
    .filter((e) => lifecycleStatus(e, now) === "active" && servedBy.every((p) => PROVIDERS[p]?.capabilities(e.id, env)))
    .sort((a, b) => b.releasedOn.localeCompare(a.releasedOn));
  if (!fits[0]) throw new Error(`no model is active on ${new Date(now).toISOString()} that ${servedBy.join(", ") || "any provider"} serves`);
  return fits[0];
}

/** A native create body (POST /v2/images/generate) for `entry`: `params` go under its own parameter key. */
export const jobBody = (entry: ModelEntry, fields: Record<string, unknown>, params: Record<string, unknown> = {}) => ({
  ...fields,
  model: entry.id,
  [entry.paramsKey]: params,
});

/** A lifecycle with no dates: active on any day. */
export const ALWAYS_ACTIVE: Lifecycle = { deprecatedOn: null, sunsetOn: null, successors: [], note: "test: pinned active" };

/** Runs `fn` with a model's lifecycle replaced (the test isolate shares the Worker's catalogue module). */
export async function withLifecycle<T>(model: ModelId, lifecycle: Lifecycle, fn: () => Promise<T>): Promise<T> {
  const entry = CATALOGUE[model] as { lifecycle: Lifecycle };
  const saved = entry.lifecycle;
  entry.lifecycle = lifecycle;
  try {
    return await fn();
  } finally {
    entry.lifecycle = saved;
  }
}

/**
 * For a test file about a model's own rules (seed 000's sizes, seed 002's input_fidelity): the model keeps `lifecycle`
 * for the whole file, whatever the date.
 */
export function pinLifecycle(model: ModelId, lifecycle: Lifecycle = ALWAYS_ACTIVE): void {
  const entry = CATALOGUE[model] as { lifecycle: Lifecycle };
  const saved = entry.lifecycle;
  beforeAll(() => {
    entry.lifecycle = lifecycle;
  });
  afterAll(() => {
    entry.lifecycle = saved;
  });
}
