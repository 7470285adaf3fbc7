import * as z from "zod";
import { modelEntries, type ModelEntry } from "../../catalogue";
import { lifecycleStatus } from "../../catalogue/lifecycle";

// GET /v1/models: the catalogue's models still served, in OpenAI's list shape.

export const OpenAIModel = z
  .object({ id: z.string(), object: z.literal("model"), created: z.number().int().meta({ description: "Release date, unix seconds." }), owned_by: z.string() })
  .meta({ id: "OpenAIModel", examples: [{ id: "gpt-image-2", object: "model", created: 1776729600, owned_by: "openai" }] });
export type OpenAIModel = z.infer<typeof OpenAIModel>;

export const OpenAIModelList = z
  .object({ object: z.literal("list"), data: z.array(OpenAIModel) })
  .meta({ id: "OpenAIModelList", examples: [{ object: "list", data: [{ id: "gpt-image-2", object: "model", created: 1776729600, owned_by: "openai" }] }] });

export const openaiModel = (entry: ModelEntry): OpenAIModel => ({
  id: entry.id,
  object: "model",
  created: Math.floor(Date.parse(`${entry.releasedOn}T00:00:00Z`) / 1000),
  owned_by: "openai",
});

export const servedModels = (at: number): ModelEntry[] => modelEntries().filter((e) => lifecycleStatus(e, at) !== "retired");
