// The playground: builds a native /v2 request from the catalogue (GET /v2/models, see controls.js), follows the job by its event
// stream (GET /v2/jobs/:id/events) or, where the server has none, by polling GET /v2/jobs/:id, and shows the images.
import { describe, fillFormat, fillModel, fillSize, requestBody } from "./controls.js";
import { readEventStream } from "./sse.js";
import { showUsage } from "./usage.js";

const $ = (id) => document.getElementById(id);
const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED"]);
const RECENT = "imagegate.recent";
const KEY = "imagegate.key";
const state = { models: [], routes: new Set(), following: null, shown: null };

const option = (value, label) => Object.assign(document.createElement("option"), { value, textContent: label });
const model = () => state.models.find((m) => m.id === $("model").value);
const auth = () => ({ authorization: `Bearer ${$("key").value.trim()}` });
const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

function readJson(res) {
  return res.json().catch(() => null);
}

// ---- the form, from the catalogue (controls.js) ----------------------------------------------------------------

function onModel() {
  const m = model();
  if (!m) return;
  fillModel(m);
  hint();
}

function hint() {
  const m = model();
  if (!m) return;
  $("hint").textContent = describe(m);
  $("generate").disabled = m.providers.length === 0 || state.following !== null;
}

// ---- output -----------------------------------------------------------------------------------------------------

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function showProblem(res, problem) {
  const detail = problem?.detail ?? problem?.error?.message ?? `The server answered ${res.status}.`;
  const fields = (problem?.errors ?? []).map((e) => `• ${e.path}: ${e.message}`);
  showError([detail, ...fields].join("\n"));
  $("status").textContent = `${res.status} ${problem?.title ?? ""}`.trim();
}

function showImages(job) {
  if (state.shown === job.id) return;
  state.shown = job.id;
  const files = job.result?.files ?? (job.result?.images ?? []).map((url) => ({ url }));
  $("images").replaceChildren(
    ...files.map((f, n) => {
      const figure = document.createElement("figure");
      const link = Object.assign(document.createElement("a"), { href: f.url, target: "_blank", rel: "noopener" });
      const img = Object.assign(document.createElement("img"), { src: f.url, alt: `Image ${n + 1} of job ${job.id}` });
      if (f.width && f.height) Object.assign(img, { width: f.width, height: f.height });
      link.append(img);
      const caption = document.createElement("figcaption");
      caption.textContent = [f.width && `${f.width}×${f.height}`, f.contentType, f.byteSize && `${Math.round(f.byteSize / 1024)} KB`].filter(Boolean).join(" · ");
      figure.append(link, caption);
      return figure;
    }),
  );
}

function render(job, via) {
  const progress = job.progress ?? (job.status === "COMPLETED" ? 100 : 0);
  $("status").textContent = `${job.status} · ${job.model} · ${job.provider ?? "choosing a provider"} · ${progress}% (${via})`;
  $("progress").hidden = TERMINAL.has(job.status);
  $("progress").value = progress;
  $("json").textContent = JSON.stringify(job, null, 2);
  $("json-box").hidden = false;
  if (job.status === "COMPLETED") showImages(job);
  if (job.status === "FAILED") showError(`${job.errorCode ?? "failed"}: ${job.error ?? "the job failed"}`);
  if (job.status === "CANCELLED") showError("The job was cancelled.");
  remember({ id: job.id, status: job.status, model: job.model, ...(job.input?.prompt ? { prompt: job.input.prompt } : {}) });
}

// ---- following a job --------------------------------------------------------------------------------------------

/** The job's last event, or null when the server has no event stream (then the caller polls). */
async function stream(id, signal) {
  if (!state.routes.has("get /v2/jobs/{id}/events")) return null;
  const res = await fetch(`/v2/jobs/${encodeURIComponent(id)}/events`, { headers: { ...auth(), accept: "text/event-stream" }, signal });
  if (!res.ok || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    await res.body?.cancel();
    if (res.status === 404 || res.status === 405) return null;
    showProblem(res, null);
    return null;
  }
  let last = null;
  await readEventStream(res.body, ({ data }) => {
    let job;
    try {
      job = JSON.parse(data);
    } catch {
      return true;
    }
    if (!job || typeof job.status !== "string") return true;
    last = job;
    render(job, "live");
    return !TERMINAL.has(job.status);
  });
  return last;
}

async function poll(id, signal) {
  for (let delay = 600; !signal.aborted; delay = Math.min(delay * 1.4, 3000)) {
    const res = await fetch(`/v2/jobs/${encodeURIComponent(id)}`, { headers: auth(), signal });
    const body = await readJson(res);
    if (!res.ok) return showProblem(res, body);
    render(body, "polling");
    if (TERMINAL.has(body.status)) return;
    await sleep(delay, signal);
  }
}

async function follow(id) {
  state.following?.abort();
  const controller = new AbortController();
  state.following = controller;
  state.shown = null;
  showError("");
  $("images").replaceChildren();
  $("status").textContent = `Following job ${id}…`;
  $("progress").hidden = false;
  $("progress").removeAttribute("value");
  hint();
  try {
    const last = await stream(id, controller.signal).catch((e) => {
      if (controller.signal.aborted) throw e;
      return null;
    });
    if (!last || !TERMINAL.has(last.status)) await poll(id, controller.signal);
  } catch (e) {
    if (!controller.signal.aborted) showError(`Lost the job: ${e.message}`);
  } finally {
    if (state.following === controller) state.following = null;
    hint();
    refreshRecent();
    refreshUsage();
  }
}

async function generate(event) {
  event.preventDefault();
  if (!$("key").value.trim()) return showError("Enter your API key first.");
  sessionStorage.setItem(KEY, $("key").value.trim());
  showError("");
  $("generate").disabled = true;
  $("status").textContent = "Creating the job…";
  const body = requestBody(model());
  const res = await fetch("/v2/images/generate", { method: "POST", headers: { ...auth(), "content-type": "application/json" }, body: JSON.stringify(body) }).catch((e) => e);
  if (res instanceof Error) {
    hint();
    return showError(`Could not reach the gateway: ${res.message}`);
  }
  const created = await readJson(res);
  if (res.status !== 202) {
    hint();
    return showProblem(res, created);
  }
  remember({ id: created.jobId, model: body.model, prompt: body.prompt, status: created.status, createdAt: new Date().toISOString() });
  await follow(created.jobId);
}

// ---- recent jobs: the account's list (GET /v2/jobs) where the server has it, else this browser's ----------------

function localJobs() {
  try {
    return JSON.parse(localStorage.getItem(RECENT) ?? "[]");
  } catch {
    return [];
  }
}

function remember(entry) {
  const jobs = localJobs();
  const known = jobs.find((j) => j.id === entry.id);
  if (known) Object.assign(known, entry);
  else jobs.unshift(entry);
  localStorage.setItem(RECENT, JSON.stringify(jobs.slice(0, 20)));
}

async function accountJobs() {
  if (!state.routes.has("get /v2/jobs") || !$("key").value.trim()) return null;
  const res = await fetch("/v2/jobs?limit=10", { headers: auth() }).catch(() => null);
  if (res?.status !== 200) return null;
  const body = await readJson(res);
  const list = body?.data ?? body?.jobs;
  return Array.isArray(list) ? list : null;
}

async function refreshRecent() {
  const fromAccount = await accountJobs();
  const jobs = fromAccount ?? localJobs();
  $("recent-source").textContent = fromAccount ? "(your account)" : "(this browser)";
  $("recent").replaceChildren(
    ...jobs.slice(0, 10).map((job) => {
      const item = document.createElement("li");
      const button = Object.assign(document.createElement("button"), { type: "button", className: "link" });
      const prompt = job.prompt ?? job.input?.prompt ?? "";
      button.textContent = `${job.status ?? "?"} · ${job.model ?? ""} · ${prompt.slice(0, 60)}`;
      button.title = job.id;
      button.dataset.jobId = job.id;
      button.addEventListener("click", () => follow(job.id));
      item.append(button);
      return item;
    }),
  );
}

async function refreshUsage() {
  if (!state.routes.has("get /v2/usage") || !$("key").value.trim()) return;
  $("usage").hidden = !(await showUsage(auth(), follow, $));
}

// ---- start ------------------------------------------------------------------------------------------------------

async function start() {
  if (!$("key").value) $("key").value = sessionStorage.getItem(KEY) ?? "";
  for (const id of ["quality", "count", "width", "height", "frames", "duration"]) $(id).addEventListener("input", hint);
  $("model").addEventListener("change", onModel);
  $("format").addEventListener("change", () => (fillFormat(model()), hint()));
  $("size").addEventListener("change", () => (fillSize(model()), hint()));
  $("form").addEventListener("submit", generate);
  const [models, doc] = await Promise.all([fetch("/v2/models").then(readJson), fetch("/openapi.json").then(readJson)]);
  // The OpenAPI document lists every route, so the page asks only for what this server has (no 404s to log).
  for (const [path, ops] of Object.entries(doc?.paths ?? {})) for (const method of Object.keys(ops)) state.routes.add(`${method} ${path}`);
  state.models = (models?.data ?? []).filter((m) => m.status !== "retired");
  if (state.models.length === 0) return showError("Could not load the models from GET /v2/models.");
  $("model").replaceChildren(...state.models.map((m) => option(m.id, m.status === "deprecated" ? `${m.name} (deprecated)` : m.name)));
  $("model").value = (state.models.find((m) => m.status === "active") ?? state.models[0]).id;
  onModel();
  $("status").textContent = "Ready.";
  refreshRecent();
  refreshUsage();
}

start().catch((e) => showError(`The playground could not start: ${e.message}`));
