// Runs the provider simulator as its own process (test/sim/server.ts), so its work never shares an event loop with
// whatever is measuring or driving the gateway.
import { spawn } from "node:child_process";

export interface RunningSimulator {
  url: string;
  control(path: string, init?: RequestInit): Promise<Response>;
  stop(): void;
}

export function startSimulator(env: Record<string, string> = {}): Promise<RunningSimulator> {
  const child = spawn(process.execPath, ["test/sim/server.ts"], {
    env: { ...process.env, SIM_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  // Never left running by a benchmark that dies.
  process.once("exit", () => child.kill("SIGTERM"));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
    child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (!match) return;
      const url = match[1]!;
      resolve({
        url,
        // Once more on a connection reset: a pooled keep-alive connection the simulator has just closed.
        control: (path, init) => {
          const send = () => fetch(`${url}${path}`, { ...init, headers: { "content-type": "application/json", ...init?.headers } });
          return send().catch(send);
        },
        stop: () => child.kill("SIGTERM"),
      });
    });
  });
}
