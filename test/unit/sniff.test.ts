import { describe, expect, it } from "vitest";
import { OUTPUT_IMAGES, couldBeSvg, imageDimensions, sniffImage } from "../../src/lib/sniff";
import { encodePng } from "../../src/lib/png";
import { encodeGif } from "../../src/lib/gif";

const ascii = (s: string): number[] => Array.from(s, (ch) => ch.charCodeAt(0));
const bytes = (...parts: Array<number[] | string>): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? ascii(p) : p)));
const be16 = (n: number): number[] => [(n >>> 8) & 255, n & 255];
const be32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const le16 = (n: number): number[] => [n & 255, (n >>> 8) & 255];
const le24 = (n: number): number[] => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255];
const le32 = (n: number): number[] => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function png(width: number, height: number): Uint8Array {
  // signature, IHDR (length 13, type, width, height, depth 8, RGB, deflate, filter 0, no interlace, CRC placeholder)
  return bytes(PNG_SIGNATURE, be32(13), "IHDR", be32(width), be32(height), [8, 2, 0, 0, 0], [0, 0, 0, 0]);
}

function jpeg(width: number, height: number, sof = 0xc0): Uint8Array {
  return bytes(
    [0xff, 0xd8],
    // APP0 JFIF, length 16
    [0xff, 0xe0], be16(16), "JFIF", [0, 1, 1, 0], be16(72), be16(72), [0, 0],
    // DQT with a (truncated-content) length of 4: skipped by length
    [0xff, 0xdb], be16(4), [0, 1],
    // fill bytes before a marker are allowed
    [0xff, 0xff],
    // SOFn: length 11, precision 8, height, width, 1 component
    [0xff, sof], be16(11), [8], be16(height), be16(width), [1, 1, 0x11, 0],
    [0xff, 0xd9],
  );
}

const riff = (chunk: number[]): Uint8Array => bytes("RIFF", le32(4 + chunk.length), "WEBP", chunk);

function webpLossy(width: number, height: number): Uint8Array {
  const data = [0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, ...le16(width), ...le16(height), 0, 0];
  return riff([...ascii("VP8 "), ...le32(data.length), ...data]);
}

function webpLossless(width: number, height: number): Uint8Array {
  const bits = (width - 1) | ((height - 1) << 14); // 14 + 14 bits, then alpha (1) and version (3) left at 0
  const data = [0x2f, ...le32(bits >>> 0), 0, 0];
  return riff([...ascii("VP8L"), ...le32(data.length), ...data]);
}

function webpExtended(width: number, height: number): Uint8Array {
  const data = [0x10, 0, 0, 0, ...le24(width - 1), ...le24(height - 1)];
  return riff([...ascii("VP8X"), ...le32(data.length), ...data]);
}

describe("sniffImage", () => {
  it("recognises png, jpeg and webp by their magic bytes", () => {
    expect(sniffImage(png(1, 1))).toEqual({ contentType: "image/png", ext: "png" });
    expect(sniffImage(jpeg(1, 1))).toEqual({ contentType: "image/jpeg", ext: "jpg" });
    expect(sniffImage(bytes([0xff, 0xd8, 0xff, 0xdb]))).toEqual({ contentType: "image/jpeg", ext: "jpg" });
    expect(sniffImage(webpLossy(1, 1))).toEqual({ contentType: "image/webp", ext: "webp" });
  });

  it.each([
    ["svg", bytes('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')],
    ["svg with xml prolog", bytes('<?xml version="1.0"?><svg/>')],
    ["gif", bytes("GIF89a", [1, 0, 1, 0, 0, 0, 0])],
    ["html", bytes("<!doctype html><html></html>")],
    ["text", bytes("hello, world")],
    ["json", bytes('{"error":"not found"}')],
    ["empty", new Uint8Array(0)],
    ["truncated png signature", bytes(PNG_SIGNATURE.slice(0, 7))],
    ["png signature off by one byte", bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0b], [0, 0, 0, 0])],
    ["RIFF that is not WEBP (wav)", bytes("RIFF", le32(4), "WAVEfmt ")],
    ["RIFF cut before the form type", bytes("RIFF", le32(4))],
    ["jpeg start of image without a marker", bytes([0xff, 0xd8, 0x00, 0x00])],
    ["bmp", bytes("BM", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
  ])("refuses %s", (_name, input) => {
    expect(sniffImage(input)).toBeNull();
  });
});

describe("sniffImage of a model's output (gif and svg too)", () => {
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
  const sniff = (b: Uint8Array) => sniffImage(b, OUTPUT_IMAGES)?.ext ?? null;

  it("still recognises png, jpeg and webp", () => {
    expect([png(1, 1), jpeg(1, 1), webpLossy(1, 1)].map(sniff)).toEqual(["png", "jpg", "webp"]);
  });

  it("recognises gif by the GIF87a or GIF89a signature, whatever follows", () => {
    expect(sniffImage(bytes("GIF89a", le16(1), le16(1)), OUTPUT_IMAGES)).toEqual({ contentType: "image/gif", ext: "gif" });
    expect(sniff(bytes("GIF87a", [1, 0, 1, 0, 0, 0, 0]))).toBe("gif");
    expect(sniff(bytes("GIF89a", "\u00ff\u00fe junk, not a GIF's blocks at all"))).toBe("gif");
    expect(sniff(bytes("GIF88a", le16(1), le16(1)))).toBeNull();
    expect(sniff(bytes("GIF8"))).toBeNull();
  });

  it.each([
    ["a bare root", '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'],
    ["a byte-order mark", '\ufeff<svg xmlns="http://www.w3.org/2000/svg"></svg>'],
    ["an XML declaration", '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'],
    ["comments and a processing instruction", '<!-- a -->\n<?xml-stylesheet href="x.css"?><!-- <html> --><svg\n xmlns="http://www.w3.org/2000/svg"/>'],
    ["a doctype", '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg"/>'],
    ["a doctype with an internal subset", '<!DOCTYPE svg [ <!ENTITY a "<html>"> ]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'],
    ["whitespace before the root", '\n\t  <svg>\n</svg>'],
  ])("recognises svg after %s", (_name, text) => {
    expect(sniffImage(utf8(text), OUTPUT_IMAGES)).toEqual({ contentType: "image/svg+xml", ext: "svg" });
  });

  it.each([
    ["an HTML page with an <svg> inside", '<!doctype html><html><body><svg xmlns="http://www.w3.org/2000/svg"/></body></html>'],
    ["an XHTML page with an <svg> inside", '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><svg/></html>'],
    ["an <svg> after text", 'hello <svg xmlns="http://www.w3.org/2000/svg"/>'],
    ["a root whose name only starts with svg", "<svgfoo/>"],
    ["an <svg> inside a comment only", "<!-- <svg/> --><html/>"],
    ["a lone less-than", "<"],
    ["an unclosed comment", "<!-- <svg/>"],
    ["a root tag cut short", '<svg width="10'],
    ["JSON", '{"svg":"<svg/>"}'],
  ])("does not take %s for an svg", (_name, text) => {
    expect(sniffImage(utf8(text), OUTPUT_IMAGES)).toBeNull();
  });

  it("never takes gif or svg unless asked to: a client's image is png, jpeg or webp", () => {
    expect(sniffImage(bytes("GIF89a", le16(1), le16(1)))).toBeNull();
    expect(sniffImage(utf8('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(sniffImage(bytes("GIF89a", le16(1), le16(1)), ["png", "svg"])).toBeNull();
    expect(sniffImage(utf8("<svg/>"), ["png", "gif"])).toBeNull();
  });

  it("couldBeSvg: true while the bytes end before the root element decides", () => {
    const maybe = ["", "\ufeff", "  ", "<", "<?xml", '<?xml version="1.0"?>', "<!-", "<!-- long comment", "<!DOC", "<!DOCTYPE svg [", "<sv", "<svg", '<svg width="1'];
    expect(maybe.filter((t) => !couldBeSvg(utf8(t)))).toEqual([]);
    const decided = ["<svg/>", "<html>", "<svgx ", "hello", "{", '<?xml version="1.0"?><html ', "<!-- x --><p>"];
    expect(decided.filter((t) => couldBeSvg(utf8(t)))).toEqual([]);
  });
});

describe("imageDimensions", () => {
  it("reads png IHDR", () => {
    expect(imageDimensions(png(640, 480))).toEqual({ width: 640, height: 480 });
    expect(imageDimensions(png(70000, 3))).toEqual({ width: 70000, height: 3 });
  });

  it("agrees with the project's own PNG encoder", async () => {
    const reader = encodePng(37, 19, {}, () => undefined).getReader();
    const first: number[] = [];
    while (first.length < 24) {
      const { done, value } = await reader.read();
      if (done) break;
      first.push(...value);
    }
    await reader.cancel();
    expect(imageDimensions(Uint8Array.from(first))).toEqual({ width: 37, height: 19 });
  });

  it.each([0xc0, 0xc1, 0xc2, 0xc3, 0xc9])("reads the jpeg frame header (SOF marker %i) after skipping other segments", (sof) => {
    expect(imageDimensions(jpeg(1024, 768, sof))).toEqual({ width: 1024, height: 768 });
  });

  it("does not mistake a DHT (0xC4) segment for a frame header", () => {
    const withDht = bytes([0xff, 0xd8], [0xff, 0xc4], be16(7), [0, 0, 9, 0, 9], Array.from(jpeg(300, 200).subarray(2)));
    expect(imageDimensions(withDht)).toEqual({ width: 300, height: 200 });
  });

  it("reads webp lossy (VP8), lossless (VP8L) and extended (VP8X)", () => {
    expect(imageDimensions(webpLossy(320, 240))).toEqual({ width: 320, height: 240 });
    expect(imageDimensions(webpLossless(1000, 16383))).toEqual({ width: 1000, height: 16383 });
    expect(imageDimensions(webpLossless(1, 1))).toEqual({ width: 1, height: 1 });
    expect(imageDimensions(webpExtended(4096, 2160))).toEqual({ width: 4096, height: 2160 });
    expect(imageDimensions(webpExtended(16777216, 1))).toEqual({ width: 16777216, height: 1 });
  });

  it("ignores the VP8 scale bits above the 14-bit size", () => {
    const scaled = webpLossy(0, 0);
    scaled.set([...le16(0xc000 | 800), ...le16(0x4000 | 600)], 26);
    expect(imageDimensions(scaled)).toEqual({ width: 800, height: 600 });
  });

  it("reads a gif's logical screen, GIF87a or GIF89a, whatever follows it", () => {
    expect(imageDimensions(bytes("GIF89a", le16(640), le16(480)))).toEqual({ width: 640, height: 480 });
    expect(imageDimensions(bytes("GIF87a", le16(65535), le16(1), [0xf7, 0, 0]))).toEqual({ width: 65535, height: 1 });
    expect(imageDimensions(bytes("GIF89a", le16(3), le16(2), "junk that is no GIF at all \u00ff"))).toEqual({ width: 3, height: 2 });
  });

  it("agrees with the project's own GIF encoder", async () => {
    const reader = encodeGif(1376, 768, { frames: 2, delayMs: 100, palette: Uint8Array.of(0, 0, 0, 255, 255, 255) }, (_f, _y, row) => row.fill(1)).getReader();
    const { value } = await reader.read();
    await reader.cancel();
    expect(imageDimensions(value!)).toEqual({ width: 1376, height: 768 });
  });

  it("reads an svg's size from its root element (the rules are in svg.test.ts)", () => {
    const svg = new TextEncoder().encode('\ufeff<?xml version="1.0"?>\n<!-- made by a model -->\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1024 768"><rect/></svg>');
    expect(imageDimensions(svg)).toEqual({ width: 1024, height: 768 });
  });

  it("returns null for truncated or unknown input", () => {
    expect(imageDimensions(png(640, 480).subarray(0, 20))).toBeNull();
    expect(imageDimensions(jpeg(640, 480).subarray(0, 30))).toBeNull();
    expect(imageDimensions(bytes([0xff, 0xd8], [0xff, 0xda], be16(2)))).toBeNull();
    expect(imageDimensions(webpLossy(640, 480).subarray(0, 26))).toBeNull();
    expect(imageDimensions(riff([...ascii("ALPH"), ...le32(10), ...new Array<number>(10).fill(0)]))).toBeNull();
    expect(imageDimensions(bytes("GIF89a", le16(10)))).toBeNull();
    expect(imageDimensions(bytes("GIF89a", le16(0), le16(10)))).toBeNull();
    expect(imageDimensions(bytes('<svg xmlns="http://www.w3.org/2000/svg" width="100%">'))).toBeNull();
    expect(imageDimensions(png(0, 480))).toBeNull();
  });
});
