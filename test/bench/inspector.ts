// workerd's V8 inspector (GatewayOptions.inspect): a DevTools protocol session per isolate, for CPU profiles and heap figures.

export type InspectorSession = Awaited<ReturnType<typeof inspectorSession>>;

/** A DevTools protocol connection to one isolate of workerd's inspector (`id` as /json/list names it). */
export async function inspectorSession(inspector: URL, id: string) {
  const ws = new WebSocket(new URL(`/${id}`, inspector.href.replace(/^http/, "ws")).href);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", () => reject(new Error(`no inspector target ${id}`)));
  });
  let seq = 0;
  const pending = new Map<number, { resolve: (r: any) => void; reject: (e: Error) => void }>();
  ws.addEventListener("message", (event: MessageEvent) => {
    const msg = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: unknown };
    const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id!);
    if (msg.error) waiter.reject(new Error(JSON.stringify(msg.error)));
    else waiter.resolve(msg.result);
  });
  return {
    send: <T>(method: string, params: Record<string, unknown> = {}): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        const n = ++seq;
        pending.set(n, { resolve, reject });
        ws.send(JSON.stringify({ id: n, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** V8 heap plus ArrayBuffer backing stores of one isolate, in bytes. */
export async function isolateBytes(session: InspectorSession): Promise<number> {
  const usage = await session.send<{ usedSize: number; backingStorageSize?: number }>("Runtime.getHeapUsage");
  return usage.usedSize + (usage.backingStorageSize ?? 0);
}
