import * as z from "zod";
import {
  BACKGROUNDS, COMPLEXITIES, INPUT_FIDELITIES, MODERATIONS, STRENGTHS, idsOf, modelEntries, outputProblems,
  sizeProblem, type AskNames, type ModelEntry,
} from "../../catalogue";
import { PROVIDER_NAMES } from "../../jobs/routing";
import { OPENAI_ASK_NAMES, modelChoice } from "../model-rules";

// Every rule here is read from the catalogue; nothing restates a model's limits.

const WEBHOOK_EVENTS = ["progress", "completed", "failed", "cancelled"] as const;

const sizeRule = ({ customSize: c, presets }: ModelEntry): string =>
  c
    ? `Both multiples of ${c.multipleOf}, max(width, height) < ${c.maxEdgeExclusive}, ratio at most ${c.maxRatio}:1, ${c.minPixels}..${c.maxPixels} pixels.`
    : `One of the presets: ${Object.values(presets).map((p) => `${p.width}x${p.height}`).join(", ")}.`;

const paramsShape = (entry: ModelEntry) => ({
  quality: modelChoice(entry, "quality", entry.qualities, (o, v) => (o.qualities as readonly string[]).includes(v))
    .optional()
    .meta({ description: `Default ${entry.defaultQuality}; sets the price per image.` }),
  aspect_ratio: z
    .enum(Object.keys(entry.presets) as [string, ...string[]])
    .optional()
    .meta({ description: `A preset size (default ${entry.defaultAspectRatio}); or give width and height instead.` }),
  width: z.number().int().positive().optional().meta({ description: `Exact width in pixels, with height. ${sizeRule(entry)}` }),
  height: z.number().int().positive().optional().meta({ description: `Exact height in pixels, with width. ${sizeRule(entry)}` }),
  output_format: modelChoice(entry, "output_format", entry.outputFormats, (o, v) => (o.outputFormats as readonly string[]).includes(v))
    .optional()
    .meta({ description: `Default ${entry.defaultOutputFormat}.` }),
  ...(entry.complexity
    ? {
        complexity: z
          .enum(entry.complexity.values as [string, ...string[]])
          .optional()
          .meta({ description: `How much the model plans the layout (default ${entry.complexity.default}); no extra charge.` }),
      }
    : {}),
  ...(entry.gif
    ? {
        frame_count: z
          .number()
          .int()
          .min(entry.gif.frameCount.min)
          .max(entry.gif.frameCount.max)
          .optional()
          .meta({ description: `Frames of a gif (default ${entry.gif.frameCount.default}); only with output_format gif.` }),
        frame_duration_ms: z
          .number()
          .int()
          .min(entry.gif.frameDurationMs.min)
          .max(entry.gif.frameDurationMs.max)
          .optional()
          .meta({ description: `Delay per gif frame (default ${entry.gif.frameDurationMs.default}), rounded to ${entry.gif.frameDurationMs.step} ms; only with output_format gif.` }),
      }
    : {}),
  background: z.enum(BACKGROUNDS.filter((b) => entry.backgrounds.includes(b))).optional(),
  input_images: z
    .array(z.string().min(1).max(4096))
    .max(entry.references.native)
    .nullable()
    .optional()
    .meta({ description: "Reference images: https URLs, or ids from POST /v2/uploads." }),
  number_of_images: z.number().int().min(1).max(entry.quantity.native).optional().meta({ description: "Default 1." }),
  seed: z.number().int().min(0).max(4_294_967_295).optional().meta({ description: "Honoured by the providers that support it." }),
  prompt_enhance: z.boolean().optional(),
  moderation: z.enum(MODERATIONS).optional(),
  ...(entry.references.inputFidelity ? { input_fidelity: z.enum(INPUT_FIDELITIES).optional() } : {}),
  ...(entry.references.strength ? { reference_strength: z.enum(STRENGTHS).optional() } : {}),
});


/** Names the model that does take an unknown parameter, so the message says where it belongs. */
function unknownParamMessage(entry: ModelEntry, keys: string[]): string {
  return keys
    .map((key) => {
      const owners = modelEntries().filter((other) => other.id !== entry.id && Object.hasOwn(paramsShape(other), key));
      return owners.length > 0
        ? `${key} is not a ${entry.id} parameter: only ${owners.map((o) => o.id).join(", ")} takes it`
        : `${key} is not a ${entry.paramsKey} field`;
    })
    .join("; ");
}

function paramsSchema(entry: ModelEntry) {
  return z
    .strictObject(paramsShape(entry), {
      error: (iss) => (iss.code === "unrecognized_keys" ? unknownParamMessage(entry, iss.keys) : undefined),
    })
    .superRefine((given, ctx) => {
      const p = given as typeof given & Pick<NativeParams, "frame_count" | "frame_duration_ms">;
      const hasWidth = p.width !== undefined;
      const hasHeight = p.height !== undefined;
      if (hasWidth !== hasHeight) {
        ctx.addIssue({ code: "custom", path: [hasWidth ? "height" : "width"], message: "give both width and height, or neither" });
        return;
      }
      if (hasWidth && p.aspect_ratio !== undefined) {
        ctx.addIssue({ code: "custom", path: ["aspect_ratio"], message: "give either aspect_ratio or width and height, not both" });
      }
      const format = p.output_format ?? entry.defaultOutputFormat;
      const gifFrames = format === "gif" && entry.gif ? (p.frame_count ?? entry.gif.frameCount.default) : undefined;
      if (hasWidth && hasHeight) {
        const problem = sizeProblem(entry, { width: p.width!, height: p.height! }, gifFrames);
        if (problem) ctx.addIssue({ code: "custom", path: ["width"], message: problem });
      } else if (gifFrames !== undefined) {
        const problem = sizeProblem(entry, entry.presets[p.aspect_ratio ?? entry.defaultAspectRatio]!, gifFrames);
        if (problem) ctx.addIssue({ code: "custom", path: [p.aspect_ratio ? "aspect_ratio" : "frame_count"], message: problem });
      }
      const ask = {
        format,
        background: p.background ?? "auto",
        quantity: p.number_of_images ?? 1,
        references: p.input_images?.length ?? 0,
        frameCount: p.frame_count,
        frameDurationMs: p.frame_duration_ms,
      };
      for (const problem of outputProblems(entry, ask, NATIVE_NAMES)) {
        ctx.addIssue({ code: "custom", path: [NATIVE_NAMES[problem.field]], message: problem.message });
      }
    });
}

/** The native dialect's names for the fields the catalogue's output rules read (apiframe's, where they differ). */
const NATIVE_NAMES: AskNames = { ...OPENAI_ASK_NAMES, quantity: "number_of_images", references: "input_images" };

export type NativeParams = z.infer<ReturnType<typeof paramsSchema>> & {
  input_fidelity?: (typeof INPUT_FIDELITIES)[number];
  reference_strength?: (typeof STRENGTHS)[number];
  complexity?: (typeof COMPLEXITIES)[number];
  frame_count?: number;
  frame_duration_ms?: number;
};

const ProviderName = z.enum(PROVIDER_NAMES);

/**
 * zod leaves `__proto__` out of a record without a word (writing it would set the prototype), and so would every copy
 * of the metadata down to a receiver's own merge of a webhook: refused, so that no key is dropped silently.
 */
function refuseProtoKey(metadata: unknown, ctx: z.core.$RefinementCtx): unknown {
  if (typeof metadata === "object" && metadata !== null && Object.hasOwn(metadata, "__proto__")) {
    ctx.addIssue({ code: "custom", path: ["__proto__"], message: "__proto__ cannot be a metadata key" });
  }
  return metadata;
}

const commonShape = {
  prompt: z.string().min(1, "prompt must not be empty").meta({ description: "What to draw." }),
  webhookUrl: z.string().min(1).max(2048).optional().meta({ description: "An https URL that receives signed Standard Webhooks events." }),
  webhookEvents: z.array(z.enum(WEBHOOK_EVENTS)).min(1).optional().meta({ description: "Default: completed, failed, cancelled." }),
  provider: z
    .union([z.literal("auto"), ProviderName, z.array(ProviderName).min(1).max(PROVIDER_NAMES.length)])
    .optional()
    .meta({ description: "auto (default), one provider, or an ordered list to try." }),
  public: z.boolean().optional().meta({ description: "Public images get unsigned, permanent URLs (default false)." }),
  metadata: z
    .preprocess(
      refuseProtoKey,
      z.record(z.string().min(1).max(64), z.string().max(512)).refine((m) => Object.keys(m).length <= 16, "metadata takes at most 16 pairs"),
    )
    .optional()
    .meta({ description: "Up to 16 string pairs, echoed on the job and its webhooks." }),
};

function modelRequest(entry: ModelEntry) {
  const otherKeys = modelEntries().filter((o) => o.paramsKey !== entry.paramsKey);
  return z
    .strictObject(
      { ...commonShape, model: z.literal(idsOf(entry)), [entry.paramsKey]: paramsSchema(entry).optional() },
      {
        error: (iss) => {
          if (iss.code !== "unrecognized_keys") return undefined;
          return iss.keys
            .map((key) => {
              const owner = otherKeys.find((o) => o.paramsKey === key);
              return owner
                ? `${key} is for ${owner.id}; ${entry.id} takes ${entry.paramsKey}`
                : `${key} is not a field of this request`;
            })
            .join("; ");
        },
      },
    )
    .superRefine((body, ctx) => {
      if (body.prompt.length > entry.maxPromptLength) {
        ctx.addIssue({ code: "custom", path: ["prompt"], message: `prompt is ${body.prompt.length} characters: ${entry.id} takes at most ${entry.maxPromptLength}` });
      }
    });
}

const [first, ...rest] = modelEntries().map(modelRequest);

export const GenerateRequest = z
  .discriminatedUnion("model", [first!, ...rest], {
    error: (iss) =>
      iss.code === "invalid_union" ? `model must be one of ${modelEntries().flatMap(idsOf).join(", ")}` : undefined,
  })
  .meta({
    id: "GenerateRequest",
    examples: [{ prompt: "A fox reading a book", model: "gpt-image-2", gptImage2Params: { quality: "low", aspect_ratio: "16:9" } }],
  });

export type GenerateRequest = z.infer<typeof GenerateRequest>;

/** The path parameters of the routes of one job. */
export const JobParams = z.object({ id: z.string().max(64).meta({ description: "The job's id, as returned on creation." }) });

export const JobCreated = z
  .object({ jobId: z.string().meta({ description: "The job's id." }), status: z.literal("QUEUED") })
  .meta({ id: "JobCreated" });
export { WEBHOOK_EVENTS };
