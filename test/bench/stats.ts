// Percentiles and ratios for the benchmark report.

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
}

export const summarise = (samples: number[]): Summary => ({
  n: samples.length,
  p50: round(percentile(samples, 50)),
  p99: round(percentile(samples, 99)),
});

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

export const ratio = (a: number, b: number): number => round(a / b, 2);
