import * as z from "zod";

// The bodies /api/rest answers with, in Leonardo's shapes (PROVIDERS.md), with examples: documentation only (the
// OpenAPI build and the tests import them), and the types routes.ts and generation-view.ts build the bodies with.

const JOB_ID = "0f8c2b6e-3a41-4d2e-9b7a-5c1d2e3f4a5b";
const UPLOAD_ID = "upl_4Rk2W9xPq7LmN3vB8cT5yZ1a";

export const GenerationByPk = z
  .object({
    id: z.string(),
    status: z.enum(["PENDING", "COMPLETE", "FAILED"]),
    generated_images: z
      .array(z.object({ id: z.string().meta({ description: "Name it as a `GENERATED` image reference." }), url: z.string(), nsfw: z.boolean() }))
      .meta({ description: "Empty until the generation is COMPLETE." }),
    prompt: z.string(),
    imageWidth: z.number().int(),
    imageHeight: z.number().int(),
    seed: z.number().int().nullable(),
    modelId: z.string(),
    public: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: "LeonardoGeneration" });
export type GenerationByPk = z.infer<typeof GenerationByPk>;

export const GenerateAnswer = z
  .object({
    generate: z.object({
      generationId: z.string().meta({ description: "Poll it with `GET /api/rest/v1/generations/{id}`." }),
      apiCreditCost: z.number().int().meta({ description: "Credits reserved; only the images made are charged." }),
    }),
  })
  .meta({ id: "LeonardoGenerateAnswer", examples: [{ generate: { generationId: JOB_ID, apiCreditCost: 4 } }] });

export const GenerationAnswer = z
  .object({ generations_by_pk: GenerationByPk.nullable().meta({ description: "null for an unknown id, or another account's." }) })
  .meta({
    id: "LeonardoGenerationAnswer",
    examples: [
      {
        generations_by_pk: {
          id: JOB_ID,
          status: "COMPLETE",
          generated_images: [
            { id: `${JOB_ID}-0`, url: `https://imagegate.example.com/v2/files/jobs/${JOB_ID}/0.png?exp=1795219200&sig=3q2-7w`, nsfw: false },
          ],
          prompt: "A fox reading a book",
          imageWidth: 1024,
          imageHeight: 1024,
          seed: null,
          modelId: "gpt-image-2",
          public: false,
          createdAt: "2026-11-20T10:15:30.000Z",
        },
      },
    ],
  });

export const InitImageAnswer = z
  .object({
    uploadInitImage: z.object({
      id: z.string().meta({ description: "The image's id, for an `UPLOADED` image reference." }),
      url: z.string().meta({ description: "Where to POST the form: the fields, then the file." }),
      fields: z.string().meta({ description: "The form fields as a JSON object in a string, as Leonardo gives them." }),
      key: z.string(),
    }),
  })
  .meta({
    id: "LeonardoInitImageAnswer",
    examples: [
      {
        uploadInitImage: {
          id: UPLOAD_ID,
          url: "https://imagegate.example.com/api/rest/v1/init-image/upload",
          fields: JSON.stringify({
            key: `uploads/${UPLOAD_ID}.png`,
            "Content-Type": "image/png",
            policy: "eyJhY2NvdW50SWQiOiJhY2N0XzdIcTJtWDl2SzNwTCIs…",
            "x-imagegate-signature": "5d1c0e7b9a4f3e2d…",
          }),
          key: `uploads/${UPLOAD_ID}.png`,
        },
      },
    ],
  });
