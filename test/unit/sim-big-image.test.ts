// The simulator's big_image fault (the benchmark's 64 MiB ingest): the image is padded to exactly the bytes asked
// for by a private chunk, and is still a valid PNG whose every chunk's CRC is right.
import { describe, expect, it } from "vitest";
import { apiframeCreateResponseSchema, apiframeJobSchema } from "../sim/schemas.ts";
import { addFault, advance, APIFRAME_KEY, OPENAI_KEY, bytesOf, pngInfo, pngIsComplete, postJson, tag } from "../sim/testing.ts";
import { activeModel } from "../helpers/models";

const API = "https://api.apiframe.ai";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (ISO 3309, as PNG uses), written out here so that the check does not share the simulator's zlib. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Chunk {
  type: string;
  length: number;
  crcOk: boolean;
}

function chunksOf(bytes: Uint8Array): Chunk[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: Chunk[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = view.getUint32(at);
    if (at + 12 + length > bytes.length) throw new Error(`chunk at ${at} runs past the end`);
    const typeAndData = bytes.subarray(at + 4, at + 8 + length);
    chunks.push({ type: new TextDecoder().decode(typeAndData.subarray(0, 4)), length, crcOk: crc32(typeAndData) === view.getUint32(at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}

async function bigImage(bytes: number): Promise<Response> {
  const t = tag();
  await addFault({ provider: "apiframe", fault: "big_image", bytes, match: t });
  const created = await fetch(`${API}/v2/images/generate`, postJson({ prompt: `big ${t}`, model: activeModel(["apiframe"]).id }, { "x-api-key": APIFRAME_KEY }));
  expect(created.status).toBe(202);
  const { jobId } = apiframeCreateResponseSchema.parse(await created.json());
  await advance({ match: t, ms: 60_000 });
  const job = apiframeJobSchema.parse(await (await fetch(`${API}/v2/jobs/${jobId}`, { headers: { "x-api-key": APIFRAME_KEY } })).json());
  expect(job.status).toBe("COMPLETED");
  const [url] = (job.result as { images: string[] }).images;
  return fetch(url!);
}

describe("simulator big_image fault", () => {
  it("pads the image to exactly the bytes asked for, as a valid PNG with correct chunk CRCs", async () => {
    const size = 3 * 1024 * 1024 + 7; // not a multiple of the simulator's 1 MiB pieces
    const res = await bigImage(size);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-length")).toBe(String(size));
    const bytes = await bytesOf(res);
    expect(bytes.length).toBe(size);
    expect(pngInfo(bytes)).toMatchObject({ width: 1024, height: 1024 });
    const chunks = chunksOf(bytes);
    expect(chunks.every((c) => c.crcOk)).toBe(true);
    expect(chunks[0]!.type).toBe("IHDR");
    expect(chunks.at(-1)).toEqual({ type: "IEND", length: 0, crcOk: true });
    const pad = chunks.filter((c) => c.type === "paDd");
    expect(pad).toHaveLength(1);
    // Ancillary (lower-case first letter), private (lower-case second), safe to copy: decoders skip it.
    expect(pad[0]!.length).toBeGreaterThan(size - 64 * 1024);
    expect(chunks.at(-2)!.type).toBe("paDd");
    expect(await pngIsComplete(bytes)).toBe(true);
  });

  it("catches a corrupted byte in the padding through the chunk CRC", async () => {
    const bytes = await bytesOf(await bigImage(1024 * 1024 + 100));
    expect(chunksOf(bytes).every((c) => c.crcOk)).toBe(true);
    bytes[bytes.length - 100] = 1;
    expect(chunksOf(bytes).find((c) => c.type === "paDd")!.crcOk).toBe(false);
  });

  it("gives OpenAI's answer the padded PNG as its base64", async () => {
    const t = tag();
    const size = 2 * 1024 * 1024 + 5;
    await addFault({ provider: "openai", fault: "big_image", bytes: size, match: t });
    const body = { model: activeModel(["openai"]).id, prompt: `big ${t}`, size: "1024x1024", quality: "low" };
    const res = await fetch("https://api.openai.com/v1/images/generations", postJson(body, { authorization: `Bearer ${OPENAI_KEY}` }));
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { b64_json: string }[] };
    const bytes = Uint8Array.fromBase64(data[0]!.b64_json);
    expect(bytes.length).toBe(size);
    expect(chunksOf(bytes).every((c) => c.crcOk)).toBe(true);
    expect(await pngIsComplete(bytes)).toBe(true);
  });
});
