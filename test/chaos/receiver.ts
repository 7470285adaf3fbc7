// A webhook receiver for the chaos run: refuses about half of all deliveries (503) — each event at most three times,
// so that within imagegate's eight attempts every event can get through — and verifies every delivery it accepts
// with the standardwebhooks library, keyed by the account's secret from GET /v2/me.
import { createServer, type Server } from "node:http";
import { Webhook } from "standardwebhooks";

export interface Verified {
  webhookId: string;
  type: string;
  jobId: string;
  status: string;
}

export interface Receiver {
  url: string;
  /** Deliveries accepted with a valid signature, by job id. */
  verified: Map<string, Verified[]>;
  refused: number;
  forged: number;
  close(): Promise<void>;
}

const MAX_REFUSALS_PER_EVENT = 3;

export function startReceiver(secret: string, failRate = 0.5): Promise<Receiver> {
  const webhook = new Webhook(secret);
  const verified = new Map<string, Verified[]>();
  const refusals = new Map<string, number>();
  const state = { refused: 0, forged: 0 };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const id = String(req.headers["webhook-id"] ?? "");
    if ((refusals.get(id) ?? 0) < MAX_REFUSALS_PER_EVENT && Math.random() < failRate) {
      refusals.set(id, (refusals.get(id) ?? 0) + 1);
      state.refused++;
      return res.writeHead(503).end();
    }
    const headers = {
      "webhook-id": String(req.headers["webhook-id"] ?? ""),
      "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
      "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
    };
    try {
      const event = webhook.verify(Buffer.concat(chunks).toString("utf8"), headers) as { type: string; data: { id: string; status: string } };
      const list = verified.get(event.data.id) ?? [];
      list.push({ webhookId: headers["webhook-id"], type: event.type, jobId: event.data.id, status: event.data.status });
      verified.set(event.data.id, list);
      res.writeHead(204).end();
    } catch {
      state.forged++;
      res.writeHead(401).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${port}/hook`,
        verified,
        get refused() {
          return state.refused;
        },
        get forged() {
          return state.forged;
        },
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
