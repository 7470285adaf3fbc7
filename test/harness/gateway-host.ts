// Runs one gateway (test/harness/gateway.ts) in a process of its own, so that Miniflare's work beside workerd (it
// reads and parses every log line the Workers print) never runs in the process that times requests.
// argv: options JSON, bundle folder. Prints one JSON line when ready: the URLs and workerd's pid. Ends on SIGTERM or
// when its stdin closes (the parent went away).
import { workerdChildOf } from "../bench/memory.ts";
import { startGateway, type GatewayOptions } from "./gateway.ts";
import { READY } from "./gateway.ts";

const gw = await startGateway(JSON.parse(process.argv[2]!) as GatewayOptions, process.argv[3]!);
const stop = async () => {
  await gw.dispose();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.stdin.once("end", stop).resume();
const href = (u: URL | null) => u?.href ?? null;
process.stdout.write(
  `${READY}${JSON.stringify({ url: gw.url.href, floorUrl: href(gw.floorUrl), baselineUrl: href(gw.baselineUrl), inspectorUrl: href(gw.inspectorUrl), workerdPid: workerdChildOf(process.pid) })}\n`,
);
