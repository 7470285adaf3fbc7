import { adminDocs } from "../surfaces/admin/routes.docs";
import { fileDocs } from "../surfaces/native/files.docs";
import { indexDocs } from "../index.docs";
import { leonardoDocs } from "../surfaces/leonardo/routes.docs";
import { accountDocs } from "../surfaces/native/account.docs";
import { jobDocs } from "../surfaces/native/jobs.docs";
import { nativeDocs } from "../surfaces/native/routes.docs";
import { uploadDocs } from "../surfaces/native/uploads.docs";
import { usageDocs } from "../surfaces/native/usage.docs";
import { openaiDocs } from "../surfaces/openai/routes.docs";
import { playgroundDocs } from "../ui/page.docs";
import { callbackDocs } from "../surfaces/hooks/routes.docs";
import type { RouteDocs } from "./registry";
import { referenceDocs } from "./routes.docs";

// Every docs module's routes in one table, for buildOpenApi. Imported by the OpenAPI build (scripts/reference.mjs) and
// the tests only: nothing the Worker imports may import this, or the documentation is back in its bundle.

const MODULES: RouteDocs[] = [
  indexDocs,
  fileDocs,
  uploadDocs,
  accountDocs,
  usageDocs,
  nativeDocs,
  jobDocs,
  adminDocs,
  openaiDocs,
  leonardoDocs,
  referenceDocs,
  playgroundDocs,
  callbackDocs,
];

/** Every route's documentation, by operationId; an operationId filed in two modules is refused. */
export const ROUTE_DOCS: RouteDocs = {};
for (const docs of MODULES) {
  for (const [id, routeDoc] of Object.entries(docs)) {
    if (Object.hasOwn(ROUTE_DOCS, id)) throw new Error(`Two docs modules document "${id}"; an operationId is one route's.`);
    ROUTE_DOCS[id] = routeDoc;
  }
}
