// One check for every answer the Node-side tools (chaos, bench, e2e) depend on: a wrong status ends the run at once
// with what the gateway said, instead of reading an error body as if it were the answer.

/** The answer's body as JSON (null when empty) when its status is one of `expect`; else throws with status and body. */
export async function expectStatus<T>(what: string, res: Response, expect: number[]): Promise<T> {
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${what} answered ${res.status}: ${text.slice(0, 500)}`);
  return (text === "" ? null : JSON.parse(text)) as T;
}
