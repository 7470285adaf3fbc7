import fc from "fast-check";
import { TINY_PNG } from "./bodies";
import { randomBytes, withInvalidUtf8 } from "./arbitraries";

// multipart/form-data bodies written byte by byte, so that they can be broken anywhere: cut short, with the wrong
// boundary, without the closing delimiter, with bare LF line ends, or with files that are not images.

export interface Part {
  name: string;
  filename?: string;
  type?: string;
  data: string | Uint8Array;
}

const encoder = new TextEncoder();

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function encodeMultipart(parts: Part[], boundary: string, eol = "\r\n", close = true): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? "" : `; filename="${part.filename}"`}`;
    const head = `--${boundary}${eol}Content-Disposition: ${disposition}${eol}${part.type ? `Content-Type: ${part.type}${eol}` : ""}${eol}`;
    chunks.push(encoder.encode(head), typeof part.data === "string" ? encoder.encode(part.data) : part.data, encoder.encode(eol));
  }
  if (close) chunks.push(encoder.encode(`--${boundary}--${eol}`));
  return concat(chunks);
}

const JPEG_HEAD = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x08, 0x00, 0x08]);
const WEBP_HEAD = Uint8Array.from([...encoder.encode("RIFF"), 0x24, 0, 0, 0, ...encoder.encode("WEBPVP8X"), 10, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 7, 0, 0]);

/** File contents: real images, image headers over garbage, cut-off images, SVG, text and nothing. */
export const fileBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(TINY_PNG) },
  { weight: 1, arbitrary: fc.constant(JPEG_HEAD) },
  { weight: 1, arbitrary: fc.constant(WEBP_HEAD) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(TINY_PNG.slice(0, 16), JPEG_HEAD, WEBP_HEAD), randomBytes).map(([head, tail]) => concat([head, tail])) },
  { weight: 1, arbitrary: fc.nat({ max: TINY_PNG.length }).map((n) => TINY_PNG.slice(0, n)) },
  { weight: 2, arbitrary: randomBytes },
  { weight: 1, arbitrary: fc.constant(encoder.encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
);

/** A text field's value: what a client meant, or something else. */
export const fieldText = (meant: string): fc.Arbitrary<string | Uint8Array> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(meant) },
    { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.constantFrom("", "null", "-1", "1.5", "true", "TRUE", "yes", "[]", "{}", "a".repeat(5000)) },
    { weight: 1, arbitrary: withInvalidUtf8(fc.constant(meant)) },
  );

/** A form body from its parts: usually well made, sometimes broken in one of the ways real clients and proxies do. */
export function formRequest(parts: fc.Arbitrary<Part[]>): fc.Arbitrary<{ contentType: string | null; body: Uint8Array }> {
  return fc
    .record({
      parts,
      boundary: fc.oneof({ weight: 5, arbitrary: fc.constant("fuzzboundary7MA4YWxkTrZu0gW") }, { weight: 1, arbitrary: fc.constantFrom("x", "--", "a b", "-".repeat(70), "a".repeat(71)) }),
      breakage: fc.oneof(
        { weight: 12, arbitrary: fc.constant("none") },
        { weight: 1, arbitrary: fc.constantFrom("truncate", "unclosed", "lf", "other-boundary", "no-boundary", "preamble", "type") },
      ),
      cut: fc.nat(),
      type: fc.constantFrom("application/json", "text/plain", "multipart/mixed; boundary=x", "multipart/form-data", "application/x-www-form-urlencoded"),
    })
    .map(({ parts, boundary, breakage, cut, type }) => {
      const header = `multipart/form-data; boundary=${boundary.includes(" ") ? `"${boundary}"` : boundary}`;
      switch (breakage) {
        case "truncate": {
          const full = encodeMultipart(parts, boundary);
          return { contentType: header, body: full.slice(0, cut % (full.length + 1)) };
        }
        case "unclosed":
          return { contentType: header, body: encodeMultipart(parts, boundary, "\r\n", false) };
        case "lf":
          return { contentType: header, body: encodeMultipart(parts, boundary, "\n") };
        case "other-boundary":
          return { contentType: "multipart/form-data; boundary=notthisone", body: encodeMultipart(parts, boundary) };
        case "no-boundary":
          return { contentType: "multipart/form-data", body: encodeMultipart(parts, boundary) };
        case "preamble":
          return { contentType: header, body: concat([encoder.encode("garbage before the first part\r\n"), encodeMultipart(parts, boundary)]) };
        case "type":
          return { contentType: type, body: encodeMultipart(parts, boundary) };
        default:
          return { contentType: header, body: encodeMultipart(parts, boundary) };
      }
    });
}

/** A file part, with its name, filename and declared type sometimes odd. */
export const filePart = (name: string): fc.Arbitrary<Part> =>
  fc.record({
    name: fc.oneof({ weight: 9, arbitrary: fc.constant(name) }, { weight: 1, arbitrary: fc.constantFrom("File", "file[]", "image", "", "mask") }),
    filename: fc.oneof(fc.constantFrom("image.png", "a.svg", "", "../../etc/passwd", "é.png"), fc.constant(undefined)),
    type: fc.constantFrom("image/png", "image/jpeg", "image/svg+xml", "application/octet-stream", "text/plain", undefined),
    data: fileBytes,
  }).map((p) => (p.filename === undefined ? { name: p.name, type: p.type, data: p.data } : p) as Part);
