import { CATALOGUE } from "../catalogue";
import { lifecycleHeaders } from "../catalogue/lifecycle";
import { readOpenAIDates } from "../providers/openai/shutdown-dates";
import type { Env } from "../env";
import type { JobRecord } from "./record";

// What every surface's create answer says about the job's model (SPEC §3.4): Deprecation and Sunset while the serving
// model is deprecated, and which model served a retired model's request.

const UPGRADE_HEADER = "imagegate-model-upgrade";

export async function modelHeaders(env: Env, rec: JobRecord, now: number): Promise<Record<string, string>> {
  const headers = lifecycleHeaders(CATALOGUE[rec.spec.model], now, await readOpenAIDates(env));
  if (rec.upgrade) headers[UPGRADE_HEADER] = `${rec.upgrade.from} -> ${rec.upgrade.to}`;
  return headers;
}
