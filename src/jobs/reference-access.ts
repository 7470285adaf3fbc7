import type { Reference } from "../catalogue";
import type { Env } from "../env";
import { heldReference, referenceKey, ReferenceNotFound } from "../files/references";
import { mintFileUrl } from "../files/signing";
import { UpstreamError, type ProviderContext } from "../providers/types";
import type { JobRecord } from "./record";

// How a job's adapters read its references (ProviderContext.openReference, .signedUrl): from imagegate's own storage,
// URL references having been copied there first (references-prep.ts). A reference the job may not use ends the job
// as "invalid", whichever adapter asked.

const unusable = async <T>(read: () => Promise<T>): Promise<T> => {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ReferenceNotFound) throw new UpstreamError({ class: "invalid", message: `reference image: ${err.message}` });
    throw err;
  }
};

export function referenceAccess(env: Env, rec: JobRecord, now: number): Pick<ProviderContext, "openReference" | "signedUrl"> {
  return {
    openReference: (ref: Reference) => unusable(() => heldReference(env, rec.accountId, ref, now)),
    // Minted from the job's creation time, so a re-sent create body is identical.
    signedUrl: (ref: Reference) =>
      unusable(async () => {
        const key = await referenceKey(env, rec.accountId, ref, now);
        if (key === null) throw new ReferenceNotFound("a reference image is not held by imagegate");
        return mintFileUrl(env, rec.origin, key, false, rec.createdAt);
      }),
  };
}
