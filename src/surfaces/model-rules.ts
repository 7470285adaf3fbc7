import * as z from "../lib/zod";
import { modelsThat, notTaken, type AskField, type AskNames, type ModelEntry } from "../catalogue";

// Zod pieces every dialect builds its per-model schemas from, so each refusal names the field, the value, what the
// model takes and which models take the value instead.

/** An enum of the model's values; a value it does not take is refused naming the models that do. */
export const modelChoice = <T extends string>(entry: ModelEntry, field: string, values: readonly T[], takes: (other: ModelEntry, value: string) => boolean) =>
  z.enum(values as [T, ...T[]], {
    error: (iss) => notTaken(entry, field, iss.input, values, modelsThat((other) => typeof iss.input === "string" && takes(other, iss.input))),
  });

/** A field only some models take: for the others, any value is refused naming the models that take it. */
export const notForModel = (entry: ModelEntry, field: string, takes: (other: ModelEntry) => boolean) =>
  z.never({ error: `${field} is not a ${entry.id} parameter: only ${modelsThat(takes).join(", ")} takes it` });

/** OpenAI's names for the fields the catalogue's output rules read; a dialect overrides the ones it spells otherwise. */
export const OPENAI_ASK_NAMES: AskNames = {
  format: "output_format",
  background: "background",
  quantity: "n",
  references: "image",
  frameCount: "frame_count",
  frameDurationMs: "frame_duration_ms",
  stream: "stream",
  partialImages: "partial_images",
  mask: "mask",
  compression: "output_compression",
} satisfies Record<AskField, string>;
