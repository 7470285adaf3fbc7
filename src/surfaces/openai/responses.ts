import * as z from "zod";
import { BACKGROUNDS, OUTPUT_FORMATS, QUALITIES } from "../../catalogue";

// The bodies /v1 answers with, for the documentation only (the Worker imports types at most): images-body.ts writes
// the images as streamed text in these shapes, models.ts builds the models with the type.

const B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

const Image = z.object({
  b64_json: z.string().optional().meta({ description: "The image, base64 (response_format b64_json, the default)." }),
  url: z.string().optional().meta({ description: "A signed imagegate URL of the image (response_format url)." }),
});

export const ImagesResponse = z
  .object({
    created: z.number().int().meta({ description: "When the job was created, unix seconds." }),
    background: z.enum(BACKGROUNDS).optional().meta({ description: "When one was asked for." }),
    output_format: z.enum(OUTPUT_FORMATS).optional(),
    quality: z.enum(QUALITIES).optional().meta({ description: "When one was asked for." }),
    size: z.string().meta({ description: "WIDTHxHEIGHT of the images made." }),
    data: z.array(Image),
  })
  .meta({
    id: "ImagesResponse",
    examples: [{ created: 1795170930, output_format: "png", quality: "low", size: "1024x1024", data: [{ b64_json: B64 }] }],
  });

const MODEL_EXAMPLE = { id: "gpt-image-2", object: "model", created: 1776729600, owned_by: "openai", shutdown_date: null } as const;

export const OpenAIModel = z
  .object({
    id: z.string(),
    object: z.literal("model"),
    created: z.number().int().meta({ description: "Release date, unix seconds." }),
    owned_by: z.string(),
    shutdown_date: z.string().nullable().meta({ description: "The day the model stops answering (YYYY-MM-DD), as OpenAI reports it; null if not announced." }),
  })
  .meta({ id: "OpenAIModel", examples: [MODEL_EXAMPLE] });
export type OpenAIModel = z.infer<typeof OpenAIModel>;

export const OpenAIModelList = z
  .object({ object: z.literal("list"), data: z.array(OpenAIModel) })
  .meta({ id: "OpenAIModelList", examples: [{ object: "list", data: [MODEL_EXAMPLE] }] });

const event = (type: string, extra: object = {}): string =>
  `event: ${type}\ndata: ${JSON.stringify({ type, created_at: 1795170931, background: "auto", output_format: "png", quality: "low", size: "1024x1024", ...extra, b64_json: B64 })}\n\n`;

/** The event stream of `stream: true`: its events, described; the JSON in each `data:` line is the openai SDK's event. */
export const imageEvents = (prefix: "image_generation" | "image_edit") =>
  z.string().meta({
    description:
      "Server-sent events. While the job runs, a comment line (`: waiting for the image`) keeps the connection open, " +
      `and with \`partial_images\` each partial render comes as a \`${prefix}.partial_image\` event whose data is ` +
      "`{type, created_at, background, output_format, quality, size, partial_image_index, b64_json}` (from providers " +
      `that make them: OpenAI and the sandbox). Then one \`${prefix}.completed\` event per image, whose data is ` +
      "`{type, created_at, background, output_format, quality, size, b64_json | url}`; or, if the job fails, one " +
      "`error` event whose data is `{type: \"error\", error: {message, type, param, code}}`.",
    examples: [`: waiting for the image\n\n${event(`${prefix}.partial_image`, { partial_image_index: 0 })}${event(`${prefix}.completed`)}`],
  });
