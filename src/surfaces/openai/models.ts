import * as z from "zod";
import { modelEntries, type ModelEntry } from "../../catalogue";
import { lifecycleInForce, lifecycleStatus } from "../../catalogue/lifecycle";
import { readOpenAIDates } from "../../providers/openai/shutdown-dates";
import type { Env } from "../../env";

// GET /v1/models: the catalogue's models still served, in OpenAI's list shape, each with its `shutdown_date` in force
// (OpenAI's own where the cron has read it, else the catalogue's sunset; null when none is announced).

const EXAMPLE = { id: "gpt-image-2", object: "model", created: 1776729600, owned_by: "openai", shutdown_date: null } as const;

export const OpenAIModel = z
  .object({
    id: z.string(),
    object: z.literal("model"),
    created: z.number().int().meta({ description: "Release date, unix seconds." }),
    owned_by: z.string(),
    shutdown_date: z.string().nullable().meta({ description: "The day the model stops answering (YYYY-MM-DD), as OpenAI reports it; null if not announced." }),
  })
  .meta({ id: "OpenAIModel", examples: [EXAMPLE] });
export type OpenAIModel = z.infer<typeof OpenAIModel>;

export const OpenAIModelList = z
  .object({ object: z.literal("list"), data: z.array(OpenAIModel) })
  .meta({ id: "OpenAIModelList", examples: [{ object: "list", data: [EXAMPLE] }] });

/** The models not retired on the day, each in OpenAI's shape. */
export async function servedModels(env: Env, at: number): Promise<OpenAIModel[]> {
  const dates = await readOpenAIDates(env);
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
