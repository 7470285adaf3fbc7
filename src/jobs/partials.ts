import type { Env } from "../env";
import { storeImage } from "../files/store";
import type { StoredFile } from "../files/stored-file";
import type { JobRecord } from "./record";

// Partial renders of a job's images (OpenAI's `partial_images`): previews a streaming client sees while the images are
// made. Each is stored in R2 beside the job's files and listed in the JobDO's storage in the order it arrived, apart
// from the job record (an upstream step that streams them must not race the record it saves when it ends). A partial
// is best effort: one that cannot be stored is logged and skipped, never a reason to fail the job.

export interface PartialImage {
  /** 1, 2, 3, … in the order they arrived. */
  seq: number;
  /** The job file index of the image it previews. */
  index: number;
  /** Its number among that image's partials (OpenAI's partial_image_index). */
  partialIndex: number;
  file: StoredFile;
}

const PREFIX = "partial:";
const keyOf = (seq: number): string => `${PREFIX}${String(seq).padStart(6, "0")}`;

export const partialFileKey = (jobId: string, index: number, partialIndex: number, ext: string): string =>
  `jobs/${jobId}/partials/${index}-${partialIndex}.${ext}`;

export class PartialImages {
  /** Listing and appending run one at a time, so two parts' partials never take the same seq. */
  private appends: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly env: Env,
    private readonly storage: DurableObjectStorage,
  ) {}

  /** The partials after the first `seen`, in order. */
  async after(seen: number): Promise<PartialImage[]> {
    return [...(await this.storage.list<PartialImage>({ prefix: PREFIX, start: keyOf(seen + 1) })).values()];
  }

  /** Stores a partial unless that image already has it (a re-sent create); true when it was added. */
  async add(rec: JobRecord, index: number, partialIndex: number, body: ReadableStream<Uint8Array>): Promise<boolean> {
    const known = (list: PartialImage[]) => list.some((p) => p.index === index && p.partialIndex === partialIndex);
    try {
      if (known(await this.after(0))) {
        await body.cancel();
        return false;
      }
      const file = await storeImage(this.env.FILES, body, {
        keyFor: (ext) => partialFileKey(rec.id, index, partialIndex, ext),
        metadata: { jobId: rec.id, accountId: rec.accountId, visibility: "private" },
      });
      const append = this.appends.then(async () => {
        const list = await this.after(0);
        if (known(list)) return false;
        const seq = list.length + 1;
        await this.storage.put(keyOf(seq), { seq, index, partialIndex, file } satisfies PartialImage);
        return true;
      });
      this.appends = append.catch(() => undefined);
      return await append;
    } catch (err) {
      await body.cancel().catch(() => undefined);
      console.error(JSON.stringify({ msg: "partial image not stored", jobId: rec.id, index, partialIndex, error: String(err) }));
      return false;
    }
  }
}
