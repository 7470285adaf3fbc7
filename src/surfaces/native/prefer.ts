// `Prefer: wait=N` (RFC 7240): how long a create may be held for its job to end. N above MAX_WAIT_SECONDS is clamped.

export const MAX_WAIT_SECONDS = 60;

/** The wait the client asked for, in seconds (clamped), or null when it asked for none. */
export function preferredWait(header: string | undefined): number | null {
  if (!header) return null;
  for (const preference of header.split(",")) {
    const match = /^\s*wait\s*=\s*"?(\d{1,10})"?\s*(;.*)?$/i.exec(preference);
    if (match) return Math.min(Number(match[1]), MAX_WAIT_SECONDS);
  }
  return null;
}
