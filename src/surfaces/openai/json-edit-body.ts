import type { Env } from "../../env";
import { storeClientUpload } from "../../files/client-upload";
import { forgetUploads, type Upload } from "../../files/uploads";
import { ApiError, invalidField } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { Json } from "../../lib/json";
import { MAX_JSON_BYTES } from "../../lib/json-body";
import { parseJsonStream, type JsonPath, type StreamOptions, type StringSink } from "../../lib/streams/json";
import { Feed } from "../../lib/feed";

// A JSON edit's body, read as a stream (it may be 32 MB). Each image's data: URL (images.N.image_url, mask.image_url)
// is decoded as it arrives and streamed into R2 as an upload, and stands in the parsed body as the upload's id; the
// rest is kept (at most as much text as any other JSON body). Memory stays at a network chunk and the upload's part
// buffer, whatever the body's size. A data: URL's problem (bad base64, not an image) is kept for the field's message.

export const DATA_URL = /^data:image\/[a-z+.-]+;base64,/i;

/** What became of one data: URL: its upload, or why it is refused. */
export type DataUrlOutcome = { prefix: string; upload: Upload } | { prefix: string; problem: ApiError };

export interface StreamedEdit {
  /** The parsed body, each data: URL replaced by a token (its upload's id) that `dataUrls` resolves. */
  body: Json;
  dataUrls: Map<string, DataUrlOutcome>;
  /** The R2 keys written (EditInputs.stored). */
  stored: string[];
}

const notBase64 = (field: string): ApiError => invalidField(field, "is not valid base64");

const isImageField = (path: JsonPath): boolean =>
  (path.length === 3 && path[0] === "images" && typeof path[1] === "number" && path[2] === "image_url") ||
  (path.length === 2 && path[0] === "mask" && path[1] === "image_url");

/**
 * A data: URL's characters → an upload. Base64 is checked as it comes (with its padding only at the end, as a whole
 * string would be) and decoded four characters at a time; an upload already refused (not an image) still has its
 * base64 checked, so a URL that is both answers "not valid base64", as one checked whole did.
 */
class DataUrlUpload implements StringSink {
  private prefix: string | null = null;
  private carry = "";
  private padded = false;
  private invalid = false;
  private refused = false;
  private upload: Promise<Upload> | null = null;
  private readonly feed: Feed<Uint8Array>;

  constructor(
    env: Env,
    accountId: string,
    private readonly field: string,
    now: number,
    private readonly token: string,
    private readonly edit: StreamedEdit,
  ) {
    this.feed = new Feed((readable) => {
      this.upload = storeClientUpload(env.FILES, accountId, readable, field, now, token);
      return this.upload.then(() => undefined);
    });
  }

  async write(chars: string): Promise<void> {
    if (this.prefix === null) {
      this.prefix = DATA_URL.exec(chars)![0];
      chars = chars.slice(this.prefix.length);
    }
    if (this.invalid || chars.length === 0) return;
    const text = this.carry + chars;
    if (this.padded || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return this.fail();
    this.padded = text.endsWith("=");
    const whole = this.padded ? text.length : text.length - (text.length % 4);
    if (this.padded && whole % 4 !== 0) return this.fail();
    this.carry = text.slice(whole);
    if (whole === 0 || this.refused) return;
    try {
      // Straight from the characters to bytes: no binary string in between, as atob would make.
      await this.feed.write(Uint8Array.fromBase64(whole === text.length ? text : text.slice(0, whole)));
    } catch {
      // The upload refused the bytes (its outcome says why); the base64 is still checked to its end.
      this.refused = true;
    }
  }

  async end(): Promise<Json> {
    const prefix = this.prefix!;
    if (this.carry.length > 0) await this.fail();
    let outcome: DataUrlOutcome;
    if (this.invalid) outcome = { prefix, problem: notBase64(this.field) };
    else {
      await this.feed.close().catch(() => undefined);
      try {
        const upload = await this.upload!;
        this.edit.stored.push(upload.file.key);
        outcome = { prefix, upload };
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        outcome = { prefix, problem: err };
      }
    }
    this.edit.dataUrls.set(this.token, outcome);
    return this.token;
  }

  abort(reason: unknown): Promise<void> {
    return this.feed.abort(reason);
  }

  private async fail(): Promise<void> {
    this.invalid = true;
    await this.feed.abort(notBase64(this.field));
  }
}

/** The tokens a parsed edit still names (a repeated key can drop an earlier one, whose upload is then not needed). */
function namedTokens(body: Json): Set<string> {
  const named = new Set<string>();
  const add = (item: Json | undefined): void => {
    if (typeof item === "object" && item !== null && !Array.isArray(item) && typeof item.image_url === "string") named.add(item.image_url);
  };
  if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    if (Array.isArray(body.images)) body.images.forEach(add);
    add(body.mask);
  }
  return named;
}

/** Reads the edit's JSON body; on any failure what it stored is deleted before the error goes on. */
export async function readJsonEdit(
  env: Env,
  accountId: string,
  body: ReadableStream<Uint8Array> | null,
  now: number,
  limit: Pick<StreamOptions, "maxBytes" | "tooLarge">,
): Promise<StreamedEdit> {
  const edit: StreamedEdit = { body: null, dataUrls: new Map(), stored: [] };
  try {
    edit.body = await parseJsonStream(body, {
      ...limit,
      maxTextChars: MAX_JSON_BYTES,
      divert: (path, head) => {
        if (!isImageField(path) || !DATA_URL.test(head)) return null;
        return new DataUrlUpload(env, accountId, path.join("."), now, newId("upl"), edit);
      },
    });
  } catch (err) {
    await forgetUploads(env.FILES, edit.stored);
    throw err;
  }
  const named = namedTokens(edit.body);
  const dropped = [...edit.dataUrls].filter(([token]) => !named.has(token));
  for (const [token, outcome] of dropped) {
    edit.dataUrls.delete(token);
    if ("upload" in outcome) {
      await forgetUploads(env.FILES, [outcome.upload.file.key]);
      edit.stored.splice(edit.stored.indexOf(outcome.upload.file.key), 1);
    }
  }
  return edit;
}

/**
 * The body as its Idempotency-Key hash sees it: each stored data: URL as its prefix and the sha256 of its bytes, so
 * the same images hash alike though each request stores them under new ids (as a multipart edit's files count).
 */
export function hashedEditBody(body: unknown, dataUrls: Map<string, DataUrlOutcome>): unknown {
  if (typeof body === "string") {
    const outcome = dataUrls.get(body);
    return outcome && "upload" in outcome ? `${outcome.prefix}<sha256:${outcome.upload.file.sha256}>` : body;
  }
  if (Array.isArray(body)) return body.map((item) => hashedEditBody(item, dataUrls));
  if (typeof body !== "object" || body === null) return body;
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, hashedEditBody(v, dataUrls)]));
}
