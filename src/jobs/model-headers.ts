import { CATALOGUE } from "../catalogue";
import { lifecycleHeaders, type OpenAIDates } from "../catalogue/lifecycle";
import type { JobRecord } from "./record";

// What every surface's create answer says about the job's model (SPEC §3.4): Deprecation and Sunset while the serving
// model is deprecated, and which model served a retired model's request. Admission computes them from the dates it
// has already read, so a create reads OpenAI's dates once.

const UPGRADE_HEADER = "imagegate-model-upgrade";

export function modelHeaders(rec: JobRecord, now: number, dates: OpenAIDates | null): Record<string, string> {
  const headers = lifecycleHeaders(CATALOGUE[rec.spec.model], now, dates);
  if (rec.upgrade) headers[UPGRADE_HEADER] = `${rec.upgrade.from} -> ${rec.upgrade.to}`;
  return headers;
}
