// The bytes of images a JobDO has just stored, kept for the waiting answer that is made of them (the OpenAI surface's
// b64_json), so that it need not read them back from R2 and encode what it just decoded. R2 holds every one of them:
// an image not kept (too large, let go, or the object restarted) is read from there.
// One budget for the isolate, shared by the JobDOs it runs, so that many objects cannot each hold their own; an image
// is let go once it is handed over, and the oldest first when the budget is spent.

/** The largest image kept: a 1536x1024 PNG at high quality is 2–3 MB. */
export const KEEP_IMAGE_BYTES = 4 * 1024 * 1024;
export const KEEP_ISOLATE_BYTES = 16 * 1024 * 1024;

export class KeptImages {
  private readonly held = new Map<string, Uint8Array>();
  private total = 0;

  constructor(
    private readonly perImage = KEEP_IMAGE_BYTES,
    private readonly budget = KEEP_ISOLATE_BYTES,
  ) {}

  keep(key: string, bytes: Uint8Array): void {
    if (bytes.length > this.perImage) return;
    this.drop(key);
    for (const oldest of this.held.keys()) {
      if (this.total + bytes.length <= this.budget) break;
      this.drop(oldest);
    }
    // A copy of just the image: it may be a view of a larger read buffer.
    this.held.set(key, bytes.slice());
    this.total += bytes.length;
  }

  /** The bytes of those of `keys` still kept, each let go as it is handed over. */
  take(keys: readonly string[]): [key: string, bytes: Uint8Array][] {
    return keys.flatMap((key): [string, Uint8Array][] => {
      const bytes = this.held.get(key);
      if (!bytes) return [];
      this.drop(key);
      return [[key, bytes]];
    });
  }

  /** The keys kept, oldest first. */
  keys(): string[] {
    return [...this.held.keys()];
  }

  private drop(key: string): void {
    const bytes = this.held.get(key);
    if (!bytes) return;
    this.held.delete(key);
    this.total -= bytes.length;
  }
}

/** The isolate's. */
export const keptImages = new KeptImages();
