// The playground's form, built from one model of GET /v2/models: every choice it offers (qualities with their prices,
// complexity, output formats, gif frames, sizes, count) is what that model publishes, so a new model needs no change
// here. The hint says what the request costs and, for a gif, whether its frames' sheet fits the size rules.

const $ = (id) => document.getElementById(id);
const option = (value, label) => Object.assign(document.createElement("option"), { value, textContent: label });
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

const format = () => $("format").value;
const isGif = (m) => format() === "gif" && Boolean(m.gif);
const isSvg = (m) => format() === "svg";

/** Credits per image at a quality, in the chosen format (svg costs creditFactor times the raster price). */
function pricePerImage(m, quality) {
  const base = m.creditsPerImage[quality];
  if (base === undefined) return undefined;
  return isSvg(m) && m.svg ? base * m.svg.creditFactor : base;
}

function fillQualities(m) {
  const chosen = $("quality").value;
  $("quality").replaceChildren(
    ...m.qualities.map((q) => {
      const credits = pricePerImage(m, q);
      return option(q, credits === undefined ? q : `${q} (${plural(credits, "credit", "credits")})`);
    }),
  );
  $("quality").value = m.qualities.includes(chosen) ? chosen : m.defaults.quality;
}

/** Shows the controls the chosen format takes: frames for gif, one image for svg. */
export function fillFormat(m) {
  const gif = isGif(m);
  $("frames-field").hidden = $("duration-field").hidden = !gif;
  if (gif) {
    const { frameCount, frameDurationMs } = m.gif;
    Object.assign($("frames"), { min: frameCount.min, max: frameCount.max, step: 1 });
    Object.assign($("duration"), { min: frameDurationMs.min, max: frameDurationMs.max, step: frameDurationMs.step });
    if (!$("frames").value) $("frames").value = String(frameCount.default);
    if (!$("duration").value) $("duration").value = String(frameDurationMs.default);
  }
  const most = isSvg(m) ? 1 : m.maxImages;
  $("count").max = String(most);
  $("count").disabled = most === 1;
  if (Number($("count").value) > most) $("count").value = String(most);
  fillQualities(m);
}

export function fillSize(m) {
  const custom = $("size").value === "custom" && m.sizes.custom;
  $("width-field").hidden = $("height-field").hidden = !custom;
  if (custom) {
    const rule = m.sizes.custom;
    for (const id of ["width", "height"]) {
      Object.assign($(id), { step: rule.multipleOf, min: rule.multipleOf, max: rule.maxEdgeExclusive - rule.multipleOf });
      if (!$(id).value) $(id).value = String(m.sizes.presets[m.sizes.defaultAspectRatio][id]);
    }
  }
}

export function fillModel(m) {
  const sizes = Object.entries(m.sizes.presets).map(([ratio, s]) => option(ratio, `${ratio} · ${s.width}×${s.height}`));
  if (m.sizes.custom) sizes.push(option("custom", "Custom width × height"));
  $("size").replaceChildren(...sizes);
  $("size").value = m.sizes.defaultAspectRatio;
  const complexity = m.complexity ?? null;
  $("complexity-field").hidden = complexity === null;
  $("complexity").replaceChildren(...(complexity?.values ?? []).map((v) => option(v, v === complexity.default ? `${v} (default)` : v)));
  if (complexity) $("complexity").value = complexity.default;
  $("format").replaceChildren(...m.outputFormats.map((f) => option(f, f === "svg" && m.svg ? `svg (×${m.svg.creditFactor} credits)` : f)));
  $("format").value = m.defaults.outputFormat;
  $("quality").replaceChildren(); // so fillQualities picks the model's default
  $("frames").value = $("duration").value = "";
  $("provider").replaceChildren(option("auto", "auto"), ...m.providers.map((p) => option(p, p)));
  fillFormat(m);
  fillSize(m);
}

function chosenSize(m) {
  if ($("size").value === "custom") return { width: Number($("width").value), height: Number($("height").value) };
  return m.sizes.presets[$("size").value];
}

/** The sheet a gif of `frames` frames is drawn on (the model's grids, ascending), and whether it fits the size rule. */
export function gifSheet(m, size, frames) {
  const grid = m.gif.sheets.find((s) => frames <= s.frames) ?? m.gif.sheets[m.gif.sheets.length - 1];
  const rule = m.sizes.custom;
  const sheet = { columns: grid.columns, rows: grid.rows, width: size.width * grid.columns, height: size.height * grid.rows };
  if (!rule) return { ...sheet, fits: true, largest: null };
  const pixels = sheet.width * sheet.height;
  const byEdge = Math.floor((rule.maxEdgeExclusive - 1) / Math.max(grid.columns, grid.rows));
  const byPixels = Math.floor(Math.sqrt(rule.maxPixels / (grid.columns * grid.rows)));
  const largest = Math.floor(Math.min(byEdge, byPixels) / rule.multipleOf) * rule.multipleOf;
  const fits = Math.max(sheet.width, sheet.height) < rule.maxEdgeExclusive && pixels <= rule.maxPixels && pixels >= rule.minPixels;
  return { ...sheet, fits, largest };
}

function gifHint(m) {
  const frames = Number($("frames").value);
  const size = chosenSize(m);
  const { frameCount } = m.gif;
  if (!Number.isInteger(frames) || frames < frameCount.min || frames > frameCount.max) return ` GIF: ${frameCount.min}–${frameCount.max} frames.`;
  if (!size || !size.width || !size.height) return "";
  const sheet = gifSheet(m, size, frames);
  const drawn = `${frames} frames of ${size.width}×${size.height} are drawn on a ${sheet.columns}×${sheet.rows} sheet of ${sheet.width}×${sheet.height}`;
  if (sheet.fits) return ` GIF: ${drawn}, which fits.`;
  return ` GIF: ${drawn}, which is too large for ${m.id}${sheet.largest ? `: frames of at most ${sheet.largest}×${sheet.largest} fit` : ""}.`;
}

/** The hint under the form: the price, the size rules, what the format asks, the model's lifecycle. */
export function describe(m) {
  const count = Number($("count").value) || 1;
  const each = pricePerImage(m, $("quality").value);
  const price = each === undefined ? "" : `About ${plural(each * count, "credit", "credits")}.`;
  const rule = m.sizes.custom;
  const custom = $("size").value === "custom" && rule
    ? ` Custom sizes: sides multiples of ${rule.multipleOf}, longest side < ${rule.maxEdgeExclusive}, ratio ≤ ${rule.maxRatio}:1, ${rule.minPixels.toLocaleString()}–${rule.maxPixels.toLocaleString()} pixels.`
    : "";
  const gif = isGif(m) ? gifHint(m) : "";
  const svg = isSvg(m) ? " SVG: one image per request, generation only." : "";
  const none = m.providers.length === 0 ? " No provider is configured for this model." : "";
  const lifecycle = m.status === "deprecated" ? ` ${m.lifecycle.note}` : "";
  return `${price}${custom}${gif}${svg}${lifecycle}${none}`.trim();
}

/** The native request (POST /v2/images/generate) the form describes. */
export function requestBody(m) {
  const params = { quality: $("quality").value, output_format: format(), number_of_images: Number($("count").value) || 1 };
  if ($("size").value === "custom") {
    params.width = Number($("width").value);
    params.height = Number($("height").value);
  } else {
    params.aspect_ratio = $("size").value;
  }
  if (m.complexity) params.complexity = $("complexity").value;
  if (isGif(m)) {
    params.frame_count = Number($("frames").value);
    params.frame_duration_ms = Number($("duration").value);
  }
  const body = { prompt: $("prompt").value, model: m.id, [m.paramsKey]: params };
  if ($("provider").value !== "auto") body.provider = $("provider").value;
  return body;
}
