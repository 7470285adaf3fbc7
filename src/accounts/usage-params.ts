import * as z from "../lib/zod";
import { invalidField } from "../lib/errors";
import { INDEX_STATUSES } from "./job-index";
import type { UsageQuery } from "./usage-cells";

// The query GET /v2/usage and GET /admin/usage take: the days, the filters and the dimensions to group by.

export const DIMENSIONS = ["day", "model", "provider", "key"] as const;
export const ADMIN_DIMENSIONS = [...DIMENSIONS, "account"] as const;
export type Dimension = (typeof ADMIN_DIMENSIONS)[number];

const MAX_SPAN_DAYS = 93;
const DEFAULT_SPAN_DAYS = 29;
const DAY_MS = 86_400_000;
export const TOP_JOBS = 10;

const groupBy = (allowed: readonly Dimension[]) =>
  z.withMeta(
    z.pipe(
      z._default(z.string(), "day"),
      z.transform((s: string, ctx) => {
        const dims = s.split(",").map((d) => d.trim());
        const bad = dims.find((d) => !(allowed as readonly string[]).includes(d));
        if (bad !== undefined) z.addIssue(ctx, { message: `"${bad}" is not one of ${allowed.join(", ")}` });
        else if (dims.length > 2 || new Set(dims).size !== dims.length) z.addIssue(ctx, { message: "one dimension, or two different ones such as day,model" });
        return dims as Dimension[];
      }),
    ),
    { description: `One of ${allowed.join(", ")}, or two separated by a comma (\`day,model\`); default \`day\`.` },
  );

const date = (what: string) => z.withMeta(z.optional(z.isoDate()), { description: what });

const baseQuery = {
  from: date(`First day (UTC, inclusive); default ${DEFAULT_SPAN_DAYS} days before \`to\`.`),
  to: date(`Last day (UTC, inclusive), at most ${MAX_SPAN_DAYS} days after \`from\`; default today.`),
  key: z.withMeta(z.optional(z.string().check(z.maxLength(64))), { description: "Only the jobs this key (`key_…`) created; it may be revoked." }),
  status: z.withMeta(z.optional(z.enum(INDEX_STATUSES)), {
    description: "Only jobs that ended so (`COMPLETED`, `FAILED`, `CANCELLED`), or still run (`ACTIVE`).",
  }),
};

export const UsageParams = z.strictObject({ ...baseQuery, groupBy: groupBy(DIMENSIONS) });
export const AdminUsageParams = z.strictObject({
  ...baseQuery,
  groupBy: groupBy(ADMIN_DIMENSIONS),
  accountId: z.withMeta(z.optional(z.string().check(z.maxLength(64))), { description: "Only this account." }),
});
export type UsageParams = z.infer<typeof UsageParams>;

/** The days asked for as [from, to) in ms; a range backwards or too long is a 400. */
export function usageRange(q: { from?: string; to?: string }, at: number): { from: number; to: number; days: [string, string] } {
  const to = q.to ? Date.parse(q.to) : Date.parse(new Date(at).toISOString().slice(0, 10));
  const from = q.from ? Date.parse(q.from) : to - DEFAULT_SPAN_DAYS * DAY_MS;
  if (from > to) throw invalidField("from", "must not be after to");
  if (to - from > MAX_SPAN_DAYS * DAY_MS) {
    throw invalidField("to", `from and to may be at most ${MAX_SPAN_DAYS} days apart`);
  }
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from, to: to + DAY_MS, days: [day(from), day(to)] };
}

export const usageQuery = (q: UsageParams, range: { from: number; to: number }): UsageQuery => ({
  from: range.from,
  to: range.to,
  key: q.key ?? null,
  status: q.status ?? null,
});
