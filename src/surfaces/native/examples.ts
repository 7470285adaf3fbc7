import type { JobView } from "../../jobs/view.docs";

// Examples for the OpenAPI document (test/integration/openapi.test.ts parses each with its schema).

const JOB_ID = "0f8c2b6e-3a41-4d2e-9b7a-5c1d2e3f4a5b";
const FILE_URL = `https://imagegate.example.com/v2/files/jobs/${JOB_ID}/0.png?exp=1795219200&sig=3q2-7w`;

export const createdExample = { jobId: JOB_ID, status: "QUEUED" as const };

export const jobExample: JobView = {
  id: JOB_ID,
  status: "COMPLETED",
  model: "gpt-image-2",
  requestedModel: "gpt-image-2",
  modelUpgrade: null,
  provider: "sandbox",
  progress: 100,
  result: {
    images: [FILE_URL],
    files: [{ url: FILE_URL, width: 1376, height: 768, contentType: "image/png", byteSize: 48213, sha256: "9b74c9897bac770ffc029102a200c5de2e0b6d3a6fd3d4f5c6a7b8c9d0e1f2a3" }],
  },
  error: null,
  errorCode: null,
  creditCost: 4,
  webhookStatus: null,
  createdAt: "2026-11-20T10:15:30.000Z",
  completedAt: "2026-11-20T10:15:31.420Z",
  attempts: [{ provider: "sandbox", outcome: "completed", ms: 1214, upstreamId: "sbx_1795170930000_1" }],
  input: { prompt: "A fox reading a book", model: "gpt-image-2", gptImage2Params: { quality: "low", aspect_ratio: "16:9" } },
  metadata: {},
};
