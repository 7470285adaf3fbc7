import { modelEntries, type ModelEntry } from "../../catalogue";
import { lifecycleStatus } from "../../catalogue/lifecycle";

// GET /v1/models: the catalogue's models still served, in OpenAI's list shape.

export interface OpenAIModel {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

export const openaiModel = (entry: ModelEntry): OpenAIModel => ({
  id: entry.id,
  object: "model",
  created: Math.floor(Date.parse(`${entry.releasedOn}T00:00:00Z`) / 1000),
  owned_by: "openai",
});

export const servedModels = (at: number): ModelEntry[] => modelEntries().filter((e) => lifecycleStatus(e, at) !== "retired");
