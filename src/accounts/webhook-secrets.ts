import { toBase64 } from "../lib/crypto";

// The account's webhook signing secrets (Standard Webhooks: `whsec_` + base64 of random bytes). After a rotation the
// previous secret stays valid for an overlap, during which deliveries carry both signatures. Rotating again within an
// overlap keeps the earlier secrets signing too, up to MAX_WEBHOOK_SECRETS at once, so a header never grows unbounded.

export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 3600 * 1000;
export const MAX_WEBHOOK_SECRETS = 3;

const newSecret = (): string => `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;

type Row = { secret: string; retires: number | null };

/** Current first, then those still inside their overlap. Makes the first secret when there is none. */
export function webhookSecrets(sql: SqlStorage, now: number): Row[] {
  sql.exec("DELETE FROM webhook_secrets WHERE retires IS NOT NULL AND retires <= ?", now);
  const rows = sql.exec<Row>("SELECT secret, retires FROM webhook_secrets ORDER BY retires IS NOT NULL, created DESC, rowid DESC").toArray();
  if (rows.length > 0 && rows[0]!.retires === null) return rows;
  const secret = newSecret();
  sql.exec("INSERT INTO webhook_secrets (secret, created, retires) VALUES (?, ?, NULL)", secret, now);
  return [{ secret, retires: null }, ...rows];
}

/** A new current secret; the old one retires after the overlap, and past the bound the oldest retiring one at once. */
export function rotateWebhookSecret(sql: SqlStorage, now: number): Row[] {
  webhookSecrets(sql, now);
  sql.exec("UPDATE webhook_secrets SET retires = ? WHERE retires IS NULL", now + WEBHOOK_SECRET_OVERLAP_MS);
  sql.exec(
    "DELETE FROM webhook_secrets WHERE rowid NOT IN (SELECT rowid FROM webhook_secrets ORDER BY created DESC, rowid DESC LIMIT ?)",
    MAX_WEBHOOK_SECRETS - 1,
  );
  return webhookSecrets(sql, now);
}
