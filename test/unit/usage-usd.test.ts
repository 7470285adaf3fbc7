import { describe, expect, it } from "vitest";
import { upstreamCostOf, usdMicrosOf } from "../../src/jobs/settle";
import type { JobRecord } from "../../src/jobs/record";

// The USD estimate of a job's tokens, at prices given here (not the catalogue's, which may change): input split into
// its text and image parts where OpenAI gave the split, priced as text where it did not.

const PRICES = { textInput: 5, imageInput: 8, imageOutput: 30 };

describe("usdMicrosOf", () => {
  it("prices text in, image in and image out per million tokens, in millionths of a dollar", () => {
    expect(usdMicrosOf(PRICES, { inputTokens: 150, inputImageTokens: 100, outputTokens: 1000, totalTokens: 1150 })).toBe(50 * 5 + 100 * 8 + 1000 * 30);
  });

  it("prices input without its split as text, and knows nothing without prices or tokens", () => {
    expect(usdMicrosOf(PRICES, { inputTokens: 150, outputTokens: 1000, totalTokens: 1150 })).toBe(150 * 5 + 1000 * 30);
    expect(usdMicrosOf(null, { inputTokens: 1, outputTokens: 1, totalTokens: 2 })).toBeNull();
    expect(usdMicrosOf(PRICES, undefined)).toBeNull();
  });
});

describe("upstreamCostOf", () => {
  const attempt = (usage: { inputTokens: number; outputTokens: number; totalTokens: number; inputImageTokens?: number }) => ({ cost: { usage } });
  const rec = (attempts: unknown[]) => ({ attempts }) as unknown as JobRecord;

  it("sums the image part of the input while every call gave it", () => {
    const both = upstreamCostOf(rec([attempt({ inputTokens: 10, outputTokens: 5, totalTokens: 15, inputImageTokens: 4 }), attempt({ inputTokens: 20, outputTokens: 5, totalTokens: 25, inputImageTokens: 6 })]));
    expect(both.usage).toEqual({ inputTokens: 30, outputTokens: 10, totalTokens: 40, inputImageTokens: 10 });
  });

  it("drops the image part once a call did not give it, whichever comes first", () => {
    for (const order of [[4, undefined], [undefined, 4]]) {
      const cost = upstreamCostOf(rec(order.map((image) => attempt({ inputTokens: 10, outputTokens: 5, totalTokens: 15, ...(image !== undefined ? { inputImageTokens: image } : {}) }))));
      expect(cost.usage).toEqual({ inputTokens: 20, outputTokens: 10, totalTokens: 30 });
    }
  });
});
