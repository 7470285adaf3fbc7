// The playground's usage panel: credits per day for the last 30 days, stacked by model, drawn as inline SVG from
// GET /v2/usage?groupBy=day,model (nothing from other hosts); the period's totals; and the costliest jobs.

const SVG = "http://www.w3.org/2000/svg";
const DAYS = 30;
const DAY_MS = 86_400_000;
const WIDTH = 720;
const HEIGHT = 180;
const AXIS = 24;
// Distinguishable in light and dark themes; a model beyond them reuses a colour, its legend still tells it apart.
const COLOURS = ["#1f6feb", "#e5534b", "#2da44e", "#bf8700", "#8250df", "#1b7c83", "#cf222e", "#6e7781"];

const svg = (name, attrs = {}) => {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
};
const dayOf = (ms) => new Date(ms).toISOString().slice(0, 10);
/** What a row's jobs used: charged, plus what running jobs still hold. */
const used = (row) => row.credits.spent + row.credits.held;

/** The last DAYS days (UTC), oldest first. */
export function lastDays(now = Date.now()) {
  return Array.from({ length: DAYS }, (_, i) => dayOf(now - (DAYS - 1 - i) * DAY_MS));
}

/** The chart: one bar per day, one segment per model with credits that day, each carrying its figures as data-*. */
export function drawChart(days, rows) {
  const models = [...new Set(rows.filter((r) => used(r) > 0).map((r) => r.model))].sort();
  const colour = (m) => COLOURS[models.indexOf(m) % COLOURS.length];
  const perDay = new Map(days.map((d) => [d, 0]));
  for (const r of rows) if (perDay.has(r.day)) perDay.set(r.day, perDay.get(r.day) + used(r));
  const max = Math.max(1, ...perDay.values());
  const slot = (WIDTH - AXIS) / days.length;
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT + 20}`, role: "img", "aria-label": `Credits per day for the last ${days.length} days, by model` });
  chart.append(svg("line", { x1: AXIS, y1: HEIGHT, x2: WIDTH, y2: HEIGHT, stroke: "currentColor", "stroke-opacity": 0.4 }));
  const top = svg("text", { x: 0, y: 10, "font-size": 10, fill: "currentColor" });
  top.textContent = String(max);
  chart.append(top);
  days.forEach((day, i) => {
    let y = HEIGHT;
    for (const r of rows.filter((row) => row.day === day && used(row) > 0).sort((a, b) => a.model.localeCompare(b.model))) {
      const h = (used(r) / max) * (HEIGHT - 12);
      y -= h;
      const bar = svg("rect", { x: AXIS + i * slot + 1, y, width: Math.max(1, slot - 2), height: h, fill: colour(r.model), class: "bar" });
      Object.assign(bar.dataset, { day, model: r.model, credits: String(used(r)) });
      const title = svg("title");
      title.textContent = `${day} · ${r.model}: ${used(r)} credits (${r.jobs.total} jobs, ${r.images} images)`;
      bar.append(title);
      chart.append(bar);
    }
    // A label a week, counted back from today, which is always labelled.
    if ((days.length - 1 - i) % 7 === 0) {
      const last = i === days.length - 1;
      const label = svg("text", { x: AXIS + (last ? i + 1 : i + 0.5) * slot, y: HEIGHT + 14, "font-size": 10, fill: "currentColor", "text-anchor": last ? "end" : "middle" });
      label.textContent = day.slice(5);
      chart.append(label);
    }
  });
  const legend = document.createElement("ul");
  legend.className = "legend";
  for (const m of models) {
    const item = document.createElement("li");
    const swatch = svg("svg", { width: 10, height: 10, "aria-hidden": "true" });
    swatch.append(svg("rect", { width: 10, height: 10, fill: colour(m) }));
    item.append(swatch, ` ${m}`);
    legend.append(item);
  }
  return [chart, legend];
}

function totalsText(t) {
  return [
    `${t.jobs.total} jobs (${t.jobs.completed} completed, ${t.jobs.failed} failed, ${t.jobs.cancelled} cancelled, ${t.jobs.active} running)`,
    `${t.images} images`,
    `${t.credits.spent} credits spent, ${t.credits.refunded} refunded, ${t.credits.held} held`,
    t.jobTimeMs.p50 === null ? null : `job time p50 ${(t.jobTimeMs.p50 / 1000).toFixed(1)} s, p95 ${(t.jobTimeMs.p95 / 1000).toFixed(1)} s`,
  ]
    .filter(Boolean)
    .join(" · ");
}

/** Fills the panel from GET /v2/usage; `open(jobId)` shows a job's JSON. Returns false when the server has no usage. */
export async function showUsage(headers, open, $) {
  const days = lastDays();
  const res = await fetch(`/v2/usage?groupBy=day,model&from=${days[0]}&to=${days[days.length - 1]}`, { headers }).catch(() => null);
  if (res?.status !== 200) return false;
  const usage = await res.json();
  $("usage-chart").replaceChildren(...drawChart(days, usage.rows));
  $("usage-totals").textContent = totalsText(usage.totals);
  $("usage-costly").replaceChildren(
    ...usage.costliestJobs.map((job) => {
      const item = document.createElement("li");
      const link = Object.assign(document.createElement("a"), { href: job.url, textContent: `${job.creditCost} credits · ${job.model} · ${job.createdAt.slice(0, 16).replace("T", " ")}` });
      link.title = job.id;
      link.dataset.jobId = job.id;
      // The job's JSON needs the key, which a plain link would not send: shown in the page instead.
      link.addEventListener("click", (event) => (event.preventDefault(), open(job.id)));
      item.append(link);
      return item;
    }),
  );
  return true;
}
