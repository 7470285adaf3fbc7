import * as z from "../../lib/zod";
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

const described = <T extends z.ZodMiniType>(schema: T, description: string) => z.withMeta(schema, { description });
const int = () => z.number().check(z.int());

const paramsShape = (entry: ModelEntry) => ({
  quality: described(
    z.optional(modelChoice(entry, "quality", entry.qualities, (o, v) => (o.qualities as readonly string[]).includes(v))),
    `Default ${entry.defaultQuality}; sets the price per image.`,
  ),
  aspect_ratio: described(
    z.optional(z.enum(Object.keys(entry.presets) as [string, ...string[]])),
    `A preset size (default ${entry.defaultAspectRatio}); or give width and height instead.`,
  ),
  width: described(z.optional(int().check(z.positive())), `Exact width in pixels, with height. ${sizeRule(entry)}`),
  height: described(z.optional(int().check(z.positive())), `Exact height in pixels, with width. ${sizeRule(entry)}`),
  output_format: described(
    z.optional(modelChoice(entry, "output_format", entry.outputFormats, (o, v) => (o.outputFormats as readonly string[]).includes(v))),
    `Default ${entry.defaultOutputFormat}.`,
  ),
  ...(entry.complexity
    ? {
        complexity: described(
          z.optional(z.enum(entry.complexity.values as [string, ...string[]])),
          `How much the model plans the layout (default ${entry.complexity.default}); no extra charge.`,
        ),
      }
    : {}),
  ...(entry.gif
    ? {
        frame_count: described(
          z.optional(int().check(z.gte(entry.gif.frameCount.min), z.lte(entry.gif.frameCount.max))),
          `Frames of a gif (default ${entry.gif.frameCount.default}); only with output_format gif.`,
        ),
        frame_duration_ms: described(
          z.optional(int().check(z.gte(entry.gif.frameDurationMs.min), z.lte(entry.gif.frameDurationMs.max))),
          `Delay per gif frame (default ${entry.gif.frameDurationMs.default}), rounded to ${entry.gif.frameDurationMs.step} ms; only with output_format gif.`,
        ),
      }
    : {}),
  background: z.optional(z.enum(BACKGROUNDS.filter((b) => entry.backgrounds.includes(b)))),
  input_images: described(
    z.optional(z.nullable(z.array(z.string().check(z.minLength(1), z.maxLength(4096))).check(z.maxLength(entry.references.native)))),
    "Reference images: https URLs, or ids from POST /v2/uploads.",
  ),
  number_of_images: described(z.optional(int().check(z.gte(1), z.lte(entry.quantity.native))), "Default 1."),
  seed: described(z.optional(int().check(z.gte(0), z.lte(4_294_967_295))), "Honoured by the providers that support it."),
  prompt_enhance: z.optional(z.boolean()),
  moderation: z.optional(z.enum(MODERATIONS)),
  ...(entry.references.inputFidelity ? { input_fidelity: z.optional(z.enum(INPUT_FIDELITIES)) } : {}),
  ...(entry.references.strength ? { reference_strength: z.optional(z.enum(STRENGTHS)) } : {}),
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
    .check(z.superRefine((given, ctx) => {
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
    }));
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
function refuseProtoKey(metadata: unknown, ctx: z.TransformCtx): unknown {
  if (typeof metadata === "object" && metadata !== null && Object.hasOwn(metadata, "__proto__")) {
    z.addIssue(ctx, { path: ["__proto__"], message: "__proto__ cannot be a metadata key" });
  }
  return metadata;
}

const commonShape = {
  prompt: described(z.string().check(z.minLength(1, "prompt must not be empty")), "What to draw."),
  webhookUrl: described(z.optional(z.string().check(z.minLength(1), z.maxLength(2048))), "An https URL that receives signed Standard Webhooks events."),
  webhookEvents: described(z.optional(z.array(z.enum(WEBHOOK_EVENTS)).check(z.minLength(1))), "Default: completed, failed, cancelled."),
  provider: described(
    z.optional(z.union([z.literal("auto"), ProviderName, z.array(ProviderName).check(z.minLength(1), z.maxLength(PROVIDER_NAMES.length))])),
    "auto (default), one provider, or an ordered list to try.",
  ),
  public: described(z.optional(z.boolean()), "Public images get unsigned, permanent URLs (default false)."),
  metadata: described(
    z.optional(
      z.preprocess(
        refuseProtoKey,
        z
          .record(z.string().check(z.minLength(1), z.maxLength(64)), z.string().check(z.maxLength(512)))
          .check(z.refine((m) => Object.keys(m).length <= 16, "metadata takes at most 16 pairs")),
      ),
    ),
    "Up to 16 string pairs, echoed on the job and its webhooks.",
  ),
};

function modelRequest(entry: ModelEntry) {
  const otherKeys = modelEntries().filter((o) => o.paramsKey !== entry.paramsKey);
  return z
    .strictObject(
      { ...commonShape, model: z.literal(idsOf(entry)), [entry.paramsKey]: z.optional(paramsSchema(entry)) },
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
    .check(
      z.superRefine((body, ctx) => {
        if (body.prompt.length > entry.maxPromptLength) {
          ctx.addIssue({ code: "custom", path: ["prompt"], message: `prompt is ${body.prompt.length} characters: ${entry.id} takes at most ${entry.maxPromptLength}` });
        }
      }),
    );
}

const [first, ...rest] = modelEntries().map(modelRequest);

export const GenerateRequest = z.withMeta(
  z.discriminatedUnion("model", [first!, ...rest], {
    error: (iss) =>
      iss.code === "invalid_union" ? `model must be one of ${modelEntries().flatMap(idsOf).join(", ")}` : undefined,
  }),
  {
    id: "GenerateRequest",
    examples: [{ prompt: "A fox reading a book", model: "gpt-image-2", gptImage2Params: { quality: "low", aspect_ratio: "16:9" } }],
  },
);

export type GenerateRequest = z.infer<typeof GenerateRequest>;

/** The path parameters of the routes of one job. */
export const JobParams = z.object({ id: described(z.string().check(z.maxLength(64)), "The job's id, as returned on creation.") });

export const JobCreated = z.withMeta(z.object({ jobId: described(z.string(), "The job's id."), status: z.literal("QUEUED") }), { id: "JobCreated" });
export { WEBHOOK_EVENTS };
