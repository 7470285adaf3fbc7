import { modelEntries, type ModelEntry } from "../../catalogue";
import { lifecycleInForce, lifecycleStatus } from "../../catalogue/lifecycle";
import type { Env } from "../../env";
import { lifecycleDates } from "../../jobs/routing";
import type { OpenAIModel } from "./responses";

// GET /v1/models: the catalogue's models still served, in OpenAI's list shape, each with its `shutdown_date` in force
// (OpenAI's own where the cron has read it, else the catalogue's sunset; null when none is announced). The shapes'
// schemas are in responses.ts, documentation only.

/** The models not retired on the day, each in OpenAI's shape. */
export async function servedModels(env: Env, at: number): Promise<OpenAIModel[]> {
  const dates = await lifecycleDates(env);
  return modelEntries()
    .filter((e) => lifecycleStatus(e, at, dates) !== "retired")
    .map((entry: ModelEntry) => ({
      id: entry.id,
      object: "model",
      created: Math.floor(Date.parse(`${entry.releasedOn}T00:00:00Z`) / 1000),
      owned_by: "openai",
      shutdown_date: lifecycleInForce(entry, dates).sunsetOn,
    }));
}
