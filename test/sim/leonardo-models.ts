// Leonardo's GPT Image models as the simulator knows them (PROVIDERS.md, MODELS-2026-12.md §5): the ids (2.5 and 2.6
// carry an `openai/` prefix, the older two are bare), what each takes, and the checks a create must pass beyond the
// body schema. The simulator's own table: it never reads the gateway's catalogue.

type LeonardoModel = {
  id: string;
  /** false: only gpt-image-1.5's three sizes; true: gpt-image-2's presets and custom sizes. */
  customSizes: boolean;
  /** Most references a create may name. */
  references: number;
  strength: boolean;
  seed: boolean;
  complexity: boolean;
  /** Extra reference types and `order` (the 2.5/2.6 guides); the older models take UPLOADED and GENERATED only. */
  richReferences: boolean;
  /** `annotation`: the first reference carries drawn marks (2.6). */
  annotation: boolean;
  styleIds: boolean;
  /** Inferred (PROVIDERS.md): Leonardo's GPT Image models run on OpenAI, so 1.5 ends with OpenAI's shutdown. */
  shutdownDate: string | null;
};

const GPT_IMAGE_2: Omit<LeonardoModel, "id"> = {
  customSizes: true,
  references: 6,
  strength: false,
  seed: false,
  complexity: false,
  richReferences: false,
  annotation: false,
  styleIds: false,
  shutdownDate: null,
};
const GPT_IMAGE_25 = { ...GPT_IMAGE_2, references: 16, richReferences: true, styleIds: true };
const GPT_IMAGE_26 = { ...GPT_IMAGE_25, complexity: true, annotation: true };

export const LEONARDO_MODELS: readonly LeonardoModel[] = [
  { ...GPT_IMAGE_2, id: "gpt-image-1.5", customSizes: false, strength: true, seed: true, shutdownDate: "2026-12-01" },
  { ...GPT_IMAGE_2, id: "gpt-image-2" },
  { ...GPT_IMAGE_25, id: "openai/gpt-image-2.5-flare" },
  { ...GPT_IMAGE_25, id: "openai/gpt-image-2.5-sunburst" },
  { ...GPT_IMAGE_26, id: "openai/gpt-image-2.6-flare" },
  { ...GPT_IMAGE_26, id: "openai/gpt-image-2.6-sunburst" },
];

export const LEONARDO_MODEL_IDS = LEONARDO_MODELS.map((m) => m.id) as [string, ...string[]];
const modelOf = (id: string): LeonardoModel => LEONARDO_MODELS.find((m) => m.id === id)!;

/** Whether the model takes sizes beyond gpt-image-1.5's three. */
export const takesCustomSizes = (id: string): boolean => modelOf(id).customSizes;
/** Whether the model takes (and reports) a seed. */
export const takesSeed = (id: string): boolean => modelOf(id).seed;

/** The message for a prefixed model named without its `openai/` prefix, or null. */
export function missingPrefix(model: unknown): string | null {
  if (typeof model !== "string" || !LEONARDO_MODEL_IDS.includes(`openai/${model}`)) return null;
  return `model "${model}" was not found: GPT Image 2.5 and 2.6 are named with the openai/ prefix, e.g. "openai/${model}"`;
}

type LeonardoAsk = {
  model: string;
  parameters: {
    seed?: number;
    complexity?: string;
    annotation?: boolean;
    style_ids?: string[];
    guidances?: { image_reference?: { image: { type: string }; strength?: string; order?: number }[] };
  };
};

/** What the model refuses in an otherwise well-formed create (a validation message), or null. */
export function modelRefusal({ model, parameters: p }: LeonardoAsk): string | null {
  const m = modelOf(model);
  const refs = p.guidances?.image_reference ?? [];
  if (refs.length > m.references)
    return `guidances.image_reference has ${refs.length} images: ${model} takes at most ${m.references}`;
  if (!m.strength && refs.some((ref) => ref.strength !== undefined)) return `guidances.image_reference[].strength is not supported by ${model}`;
  if (!m.richReferences) {
    if (refs.some((ref) => ref.order !== undefined)) return `guidances.image_reference[].order is not supported by ${model}`;
    const other = refs.find((ref) => ref.image.type !== "UPLOADED" && ref.image.type !== "GENERATED");
    if (other !== undefined) return `guidances.image_reference[].image.type ${other.image.type} is not supported by ${model}: use UPLOADED or GENERATED`;
  }
  if (!m.seed && p.seed !== undefined) return `parameters.seed is not supported by ${model}`;
  if (!m.complexity && p.complexity !== undefined) return `parameters.complexity is not supported by ${model}`;
  if (!m.annotation && p.annotation !== undefined) return `parameters.annotation is not supported by ${model}`;
  if (!m.styleIds && p.style_ids !== undefined) return `parameters.style_ids is not supported by ${model}`;
  return null;
}
