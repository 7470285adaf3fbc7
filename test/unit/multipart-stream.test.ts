import { describe, expect, it } from "vitest";
import { MultipartError, boundaryOf, readParts, type MultipartLimits } from "../../src/lib/streams/multipart";

// The streaming multipart reader against the runtime's own form encoder, cut into chunks at every kind of place
// (inside a boundary, a header, a CRLF), and its limits.

const LIMITS: MultipartLimits = { maxParts: 16, maxHeaderBytes: 1024, maxFieldBytes: 64 * 1024, maxTotalBytes: 8 * 1024 * 1024 };

/** A form as the runtime encodes it, with its boundary. */
async function encoded(form: FormData): Promise<{ bytes: Uint8Array; boundary: string }> {
  const res = new Response(form);
  const boundary = boundaryOf(res.headers.get("content-type")!)!;
  return { bytes: new Uint8Array(await res.arrayBuffer()), boundary };
}

/** The bytes as a stream of chunks of the given sizes, cycled; `slow`: each after a timer tick, as a network gives them. */
function chunked(bytes: Uint8Array, sizes: number[], slow = false): ReadableStream<Uint8Array> {
  let at = 0;
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      if (slow) await new Promise((resolve) => setTimeout(resolve, 1));
      if (at >= bytes.length) return controller.close();
      const n = sizes[i++ % sizes.length]!;
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

/** The same, through a runtime stream, as a request body is: unlike a JavaScript one, it refuses a second pending read. */
function runtimeStream(bytes: Uint8Array, sizes: number[]): ReadableStream<Uint8Array> {
  const body = new IdentityTransformStream();
  void chunked(bytes, sizes, true).pipeTo(body.writable);
  return body.readable;
}

async function collect(stream: ReadableStream<Uint8Array>, boundary: string, limits = LIMITS) {
  const out: { name: string; filename: string | null; contentType: string | null; bytes: Uint8Array }[] = [];
  for await (const part of readParts(stream, boundary, limits)) {
    out.push({ name: part.name, filename: part.filename, contentType: part.contentType, bytes: new Uint8Array(await new Response(part.body).arrayBuffer()) });
  }
  return out;
}

function noise(n: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  // CR LF and dashes everywhere, so that near-boundaries are met.
  for (let i = 0; i < n; i += 97) bytes.set([13, 10, 45, 45], i);
  return bytes.subarray(0, n);
}

describe("readParts", () => {
  it("gives the runtime's own form back, part by part, however the body is chunked", async () => {
    const file = noise(300_000, 7);
    const form = new FormData();
    form.append("prompt", "a fox ✓ with \"quotes\"");
    form.append("image[]", new File([file], "a b.png", { type: "image/png" }));
    form.append("empty", "");
    form.append("image[]", new File([file.subarray(0, 1000)], "second.webp", { type: "image/webp" }));
    const { bytes, boundary } = await encoded(form);
    for (const sizes of [[bytes.length], [1], [7, 13, 64], [65_536], [boundary.length + 3, 1, 2]]) {
      const parts = await collect(chunked(bytes, sizes), boundary);
      expect(parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([
        ["prompt", null, null],
        ["image[]", "a b.png", "image/png"],
        ["empty", null, null],
        ["image[]", "second.webp", "image/webp"],
      ]);
      expect(new TextDecoder().decode(parts[0]!.bytes)).toBe("a fox ✓ with \"quotes\"");
      expect(parts[1]!.bytes).toEqual(file);
      expect(parts[2]!.bytes.length).toBe(0);
      expect(parts[3]!.bytes).toEqual(file.subarray(0, 1000));
    }
  });

  it("reads a byte stream (a request body) in large reads into one buffer: a slow consumer still gets every part whole", async () => {
    // The reader reuses its buffer from read to read, and each part's body queues a piece ahead of its consumer: no
    // piece may be a view of that buffer.
    const files = [noise(700_001, 11), noise(300_000, 13)];
    const form = new FormData();
    form.append("prompt", "a lighthouse");
    files.forEach((file, i) => form.append(`image${i}`, new File([file], `f${i}.png`, { type: "image/png" })));
    const { bytes, boundary } = await encoded(form);
    const parts: { name: string; bytes: Uint8Array; pieces: number }[] = [];
    for await (const part of readParts(new Response(bytes).body!, boundary, LIMITS)) {
      const pieces: Uint8Array[] = [];
      for await (const piece of part.body as unknown as AsyncIterable<Uint8Array>) {
        pieces.push(piece);
        await new Promise((r) => setTimeout(r, 1));
      }
      parts.push({ name: part.name, bytes: new Uint8Array(await new Blob(pieces).arrayBuffer()), pieces: pieces.length });
    }
    expect(parts.map((p) => p.name)).toEqual(["prompt", "image0", "image1"]);
    expect(new TextDecoder().decode(parts[0]!.bytes)).toBe("a lighthouse");
    expect(parts[1]!.bytes).toEqual(files[0]);
    expect(parts[2]!.bytes).toEqual(files[1]);
    // In reads of 64 KB or more, not a request body's 4 KB chunks (which gave 171 pieces of the first file).
    expect(parts[1]!.pieces).toBeLessThanOrEqual(Math.ceil(files[0]!.length / (64 * 1024)) + 2);
  });

  it("skips what a consumer leaves of a part", async () => {
    const form = new FormData();
    form.append("file", new File([noise(50_000, 3)], "x.png"));
    form.append("after", "still read");
    const { bytes, boundary } = await encoded(form);
    const names: string[] = [];
    let after = "";
    for await (const part of readParts(chunked(bytes, [4096]), boundary, LIMITS)) {
      names.push(part.name);
      if (part.name === "after") after = await new Response(part.body).text();
    }
    expect(names).toEqual(["file", "after"]);
    expect(after).toBe("still read");
  });

  it("skips the rest of a part whose consumer read only its start (a read of the body may still be under way)", async () => {
    const form = new FormData();
    form.append("file", new File([noise(50_000, 4)], "x.png"));
    form.append("after", "still read");
    const { bytes, boundary } = await encoded(form);
    let after = "";
    for await (const part of readParts(runtimeStream(bytes, [4096]), boundary, LIMITS)) {
      if (part.name === "after") after = await new Response(part.body).text();
      else {
        // One chunk read, then given up: the stream is already pulling its next one from the source.
        const reader = part.body.getReader();
        await reader.read();
        await reader.cancel();
      }
    }
    expect(after).toBe("still read");
  });

  it("skips a part its consumer never reads, while its body's first read of the source is under way", async () => {
    const form = new FormData();
    form.append("ignored", new File([noise(50_000, 6)], "x.png"));
    form.append("after", "still read");
    const { bytes, boundary } = await encoded(form);
    // The first chunk ends where the ignored part's body begins, so that the body's first pull reads the source.
    const bodyStart = new TextDecoder().decode(bytes).indexOf("\r\n\r\n") + 4;
    let after = "";
    for await (const part of readParts(runtimeStream(bytes, [bodyStart, 4096, 4096]), boundary, LIMITS)) {
      if (part.name === "after") after = await new Response(part.body).text();
    }
    expect(after).toBe("still read");
  });

  it("refuses a form cut off inside a boundary after a part its consumer never reads (found by the uploads fuzzer)", async () => {
    // The ignored part's body is empty and then the form ends inside the next delimiter: the body's own first read
    // and the skip of it both wait on the source, which takes one read at a time.
    const bytes = new TextEncoder().encode('--b0\r\nContent-Disposition: form-data; name="File"; filename="image.png"\r\n\r\n\r\n--b');
    const read = async () => {
      for await (const part of readParts(runtimeStream(bytes, [bytes.length]), "b0", LIMITS)) void part;
    };
    await expect(read()).rejects.toThrow(MultipartError);
  });

  it("errors a part's body read after the form has moved past it, rather than cut it short", async () => {
    const form = new FormData();
    form.append("file", new File([noise(50_000, 5)], "x.png"));
    form.append("after", "x");
    const { bytes, boundary } = await encoded(form);
    const bodies: ReadableStream<Uint8Array>[] = [];
    for await (const part of readParts(chunked(bytes, [4096]), boundary, LIMITS)) bodies.push(part.body);
    await expect(new Response(bodies[0]).arrayBuffer()).rejects.toThrow(/moved past/);
  });

  it("refuses a form past its limits or malformed, each with its fault", async () => {
    const form = new FormData();
    for (let i = 0; i < 5; i++) form.append(`f${i}`, "x".repeat(100));
    const { bytes, boundary } = await encoded(form);
    const fault = (limits: Partial<MultipartLimits>, body = bytes) =>
      collect(chunked(body, [333]), boundary, { ...LIMITS, ...limits }).then(
        () => null,
        (err: unknown) => (err instanceof MultipartError ? err.fault : String(err)),
      );
    expect(await fault({})).toBeNull();
    expect(await fault({ maxParts: 4 })).toBe("too_many_parts");
    expect(await fault({ maxFieldBytes: 99 })).toBe("field_too_large");
    expect(await fault({ maxTotalBytes: bytes.length - 1 })).toBe("too_large");
    expect(await fault({ maxHeaderBytes: 20 })).toBe("header_too_large");
    expect(await fault({}, bytes.subarray(0, bytes.length - 10))).toBe("malformed");
    const junk = new TextEncoder().encode(`--${boundary}\r\nX-Nothing: here\r\n\r\nbody\r\n--${boundary}--\r\n`);
    expect(await fault({}, junk)).toBe("malformed");
  });

  it("reads the boundary of a multipart/form-data type only", () => {
    expect(boundaryOf("multipart/form-data; boundary=abc")).toBe("abc");
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b"')).toBe("a b");
    expect(boundaryOf("multipart/form-data")).toBeNull();
    expect(boundaryOf("multipart/mixed; boundary=abc")).toBeNull();
  });
});
