import { modelById, specFor, type Complexity, type Reference } from "../../catalogue";
import type { Env } from "../../env";
import { ReferenceNotFound, referenceKey } from "../../files/references";
import { invalidFields, type FieldError } from "../../lib/errors";
import type { JobRequest } from "../../jobs/admit";
import type { Json } from "../../lib/json";
import { LEONARDO_QUALITIES, type LeonardoGenerationRequest } from "./schemas";

// Leonardo's dialect → JobSpec. Validation has already run; here the references are checked to exist and belong to
// the caller (UPLOADED: init-image ids; GENERATED: generated_images ids of imagegate's own jobs).

export async function leonardoToJobRequest(body: LeonardoGenerationRequest, env: Env, accountId: string, now: number): Promise<JobRequest> {
  const entry = modelById(body.model)!;
  const p = body.parameters;
  const given = p.guidances?.image_reference ?? [];
  const errors: FieldError[] = [];
  const references: Reference[] = [];
  for (const [i, item] of given.entries()) {
    const ref: Reference = item.image.type === "UPLOADED" ? { kind: "upload", id: item.image.id } : { kind: "generated", id: item.image.id };
    try {
      await referenceKey(env, accountId, ref, now);
      references.push(ref);
    } catch (err) {
      if (!(err instanceof ReferenceNotFound)) throw err;
      errors.push({ path: `parameters.guidances.image_reference.${i}.image.id`, message: err.message });
    }
  }
  if (errors.length > 0) throw invalidFields(errors);
  const strength = given.find((r) => r.strength !== undefined)?.strength ?? null;
  return {
    spec: specFor(entry, {
      prompt: p.prompt,
      quality: p.quality && LEONARDO_QUALITIES[p.quality],
      size: p.width !== undefined && p.height !== undefined ? { width: p.width, height: p.height } : null,
      quantity: p.quantity,
      references,
      referenceStrength: strength,
      seed: p.seed,
      promptEnhance: p.prompt_enhance === "ON",
      complexity: p.complexity?.toLowerCase() as Complexity | undefined,
    }),
    providers: null,
    public: body.public ?? false,
    metadata: {},
    webhook: null,
    input: body as unknown as Json,
  };
}
