import * as z from "zod";
import { Budget, type BudgetState as State } from "./budget";

// The schema of a key's budget state (GET /v2/me, PATCH /admin/keys/:id): documentation only, checked against the
// type budget.ts builds the answers with.

export const BudgetState = z.strictObject({
  ...Budget.shape,
  keyId: z.string(),
  used: z.int().meta({ description: "Credits charged this period, plus those held by the key's running jobs." }),
  remaining: z.int(),
  resetsAt: z.string().meta({ description: "When the next period begins (ISO 8601)." }),
}).meta({ id: "BudgetState", examples: [{ keyId: "key_R4t8Wn2Zc6Yb", credits: 5_000, period: "month", used: 1_240, remaining: 3_760, resetsAt: "2027-01-01T00:00:00.000Z" }] }) satisfies z.ZodType<State>;
