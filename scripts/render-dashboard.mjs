#!/usr/bin/env node
// Renders the Grafana dashboard infra/grafana/dashboards/streamlr.json from a real Prometheus into
// one picture, without Grafana: every panel's queries go to Prometheus's query_range API as
// Grafana would send them ($model, $__rate_interval substituted), and the results are drawn at the
// dashboard's own grid positions as an SVG (time series, stat and heatmap panels), then converted
// to PNG by rsvg-convert (Debian: librsvg2-bin) or, failing that, headless Chromium.
//
//   node scripts/render-dashboard.mjs [--prometheus URL] [--model NAME] [--minutes N] [--out FILE.png|FILE.svg] [--svg FILE.svg]
//
// docs/observability.md shows how docs/dashboard.png was made with it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DASHBOARD = join(ROOT, 'infra', 'grafana', 'dashboards', 'streamlr.json');

const USAGE = `usage: node scripts/render-dashboard.mjs [options]
  --prometheus URL   Prometheus to query (default $PROMETHEUS_URL or http://127.0.0.1:9090)
  --model NAME       value of the dashboard's $model variable (default: the only model Prometheus knows)
  --minutes N        time range ending now (default 15; starts at the model's first sample if later)
  --end ISO|SECONDS  end of the range instead of now
  --out FILE         PNG to write (default docs/dashboard.png); a .svg name writes the SVG only
  --svg FILE.svg     also keep the SVG
  --width PX         picture width (default 1800)`;

// Grafana's dark theme and classic palette, so the picture reads like the dashboard.
const THEME = { background: '#111217', panel: '#181b1f', border: '#2c3235', text: '#ccccdc', muted: '#8e8e9a', grid: '#2c3235' };
const PALETTE = ['#73bf69', '#f2cc0c', '#8ab8ff', '#ff780a', '#f2495c', '#5794f2', '#b877d9', '#705da0', '#37872d', '#fade2a'];
const NAMED_COLORS = { green: '#73bf69', orange: '#ff9830', red: '#f2495c', blue: '#5794f2', yellow: '#fade2a' };
const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";
/** Grafana lays out 24 columns and 30 px per grid row unit. */
const COLUMNS = 24;
const ROW_PX = 30;
const GAP = 8;

class UsageError extends Error {}

function options(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      prometheus: { type: 'string', default: process.env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090' },
      model: { type: 'string' },
      minutes: { type: 'string', default: '15' },
      end: { type: 'string' },
      out: { type: 'string', default: join(ROOT, 'docs', 'dashboard.png') },
      svg: { type: 'string' },
      width: { type: 'string', default: '1800' },
      help: { type: 'boolean', default: false },
    },
  });
  const minutes = Number(values.minutes);
  if (!(minutes > 0)) throw new UsageError(`--minutes: a number of minutes > 0, got ${values.minutes}`);
  const width = Number(values.width);
  if (!Number.isInteger(width) || width < 600) throw new UsageError(`--width: an integer ≥ 600, got ${values.width}`);
  let end = Date.now() / 1000;
  if (values.end !== undefined) {
    end = /^\d+(\.\d+)?$/.test(values.end) ? Number(values.end) : Date.parse(values.end) / 1000;
    if (!Number.isFinite(end)) throw new UsageError(`--end: an ISO date or Unix seconds, got ${values.end}`);
  }
  return { ...values, minutes, width, end };
}

// ---- Prometheus ------------------------------------------------------------------------------

async function api(base, path, params) {
  const url = `${base.replace(/\/$/, '')}/api/v1/${path}?${new URLSearchParams(params)}`;
  let res;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new Error(`cannot reach Prometheus at ${base} (${error.cause?.code ?? error.message}); start it (npm run infra:up) or pass --prometheus`);
  }
  const body = await res.json();
  if (body.status !== 'success') throw new Error(`${path} ${params.query ?? ''}: ${body.error}`);
  return body.data;
}

const seconds = (text) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (m === null) return undefined;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]];
};

/** The global scrape interval of the running Prometheus (it bounds $__rate_interval). */
async function scrapeInterval(base) {
  const { yaml } = await api(base, 'status/config', {});
  const m = /^global:\n(?:[ ]+.*\n)*?[ ]+scrape_interval: (\S+)/m.exec(yaml);
  return (m && seconds(m[1])) ?? 15;
}

async function pickModel(base, dashboard, given) {
  if (given !== undefined) return given;
  const variable = dashboard.templating.list.find((v) => v.name === 'model');
  const metric = /label_values\((\w+), model\)/.exec(variable?.definition ?? '')?.[1] ?? 'streamlr_model_nonzero_weights';
  const models = await api(base, 'label/model/values', { 'match[]': metric });
  if (models.length === 1) return models[0];
  throw new UsageError(models.length === 0
    ? `Prometheus at ${base} has no ${metric} series yet: run a trainer or scorer it scrapes`
    : `several models (${models.join(', ')}): choose one with --model`);
}

/** $var and ${var} as Grafana substitutes them; an unknown variable is an error. */
function substitute(expr, vars) {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (_, braced, bare) => {
    const value = vars[braced ?? bare];
    if (value === undefined) throw new Error(`unknown dashboard variable in ${expr}`);
    return value;
  });
}

function legend(format, metric) {
  if (format === undefined || format === '' || format === '__auto') {
    const { __name__: name = '', ...labels } = metric;
    return `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
  }
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, label) => metric[label] ?? '');
}

/** Every panel with its query results: [{panel, series: [{name, points: [[t, v]]}]}]. */
async function fetchPanels(base, dashboard, vars, range) {
  const out = [];
  for (const panel of dashboard.panels) {
    if (panel.type === 'row') {
      out.push({ panel, series: [] });
      continue;
    }
    const series = [];
    for (const target of panel.targets ?? []) {
      if (target.hide) continue;
      const data = await api(base, 'query_range', {
        query: substitute(target.expr, vars), start: String(range.start), end: String(range.end), step: String(range.step),
      });
      for (const s of data.result) {
        series.push({
          name: legend(target.legendFormat, s.metric),
          metric: s.metric,
          points: s.values.map(([t, v]) => [t, Number(v)]),
        });
      }
    }
    out.push({ panel, series });
  }
  return out;
}

// ---- formatting ------------------------------------------------------------------------------

const esc = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function trimNumber(value, decimals) {
  return value.toFixed(decimals).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

function si(value, decimals) {
  const abs = Math.abs(value);
  for (const [factor, suffix] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'K']]) {
    if (abs >= factor) return `${trimNumber(value / factor, decimals ?? 2)}${suffix}`;
  }
  return trimNumber(value, decimals ?? (abs >= 100 ? 0 : abs >= 1 ? 2 : 4));
}

/** A value in the panel's unit, close to Grafana's formatting of the same units. */
function formatValue(value, unit, decimals) {
  if (!Number.isFinite(value)) return '–';
  switch (unit) {
    case 'percentunit':
      return `${trimNumber(value * 100, decimals === undefined ? 1 : Math.max(0, decimals - 2))}%`;
    case 'ops':
      return `${si(value, decimals)} ops/s`;
    case 's': {
      const abs = Math.abs(value);
      if (abs === 0) return '0 s';
      if (abs < 1e-3) return `${trimNumber(value * 1e6, 0)} µs`;
      if (abs < 1) return `${trimNumber(value * 1e3, 1)} ms`;
      if (abs < 120) return `${trimNumber(value, decimals ?? 1)} s`;
      if (abs < 7200) return `${trimNumber(value / 60, 1)} min`;
      return `${trimNumber(value / 3600, 1)} h`;
    }
    default:
      return si(value, decimals);
  }
}

/** "Nice" axis ticks (steps of 1, 2 or 5 × 10^k) covering [min, max]. */
function ticks(min, max, count = 4) {
  if (!(max > min)) {
    // A flat line: a band around it, never below 0 for a value that is not negative.
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    return ticks(min >= 0 ? Math.max(0, min - pad) : min - pad, max + pad, count);
  }
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const out = [];
  for (let v = lo; v <= hi + step / 2; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const clock = (t) => new Date(t * 1000).toISOString().slice(11, 19);

// ---- drawing ---------------------------------------------------------------------------------

function text(x, y, content, { size = 12, fill = THEME.text, anchor = 'start', weight = 'normal' } = {}) {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-family="${FONT}" font-size="${size}" fill="${fill}" text-anchor="${anchor}" font-weight="${weight}">${esc(content)}</text>`;
}

function frame(box, title) {
  return [
    `<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" rx="3" fill="${THEME.panel}" stroke="${THEME.border}"/>`,
    text(box.x + 10, box.y + 20, title, { size: 13, weight: 'bold' }),
  ];
}

function lineStyleOf(panel, name) {
  for (const override of panel.fieldConfig?.overrides ?? []) {
    if (override.matcher?.id !== 'byRegexp' || !new RegExp(`^(?:${override.matcher.options})$`).test(name)) continue;
    const style = override.properties.find((p) => p.id === 'custom.lineStyle')?.value;
    if (style?.fill === 'dash') return (style.dash ?? [10, 10]).join(' ');
  }
  return undefined;
}

function drawTimeseries({ panel, series }, box, range) {
  const parts = frame(box, panel.title);
  const defaults = panel.fieldConfig?.defaults ?? {};
  const unit = defaults.unit;
  const finite = series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  if (finite.length === 0) {
    parts.push(text(box.x + box.w / 2, box.y + box.h / 2, 'No data', { anchor: 'middle', fill: THEME.muted }));
    return parts;
  }
  const legendRows = Math.min(2, Math.ceil(series.length / Math.max(1, Math.floor((box.w - 20) / 200))));
  const plot = { x: box.x + 64, y: box.y + 32, w: box.w - 76, h: box.h - 32 - 22 - legendRows * 16 };
  let min = defaults.min ?? Math.min(...finite);
  let max = defaults.max ?? Math.max(...finite);
  if (defaults.min === undefined && defaults.custom?.axisSoftMin !== undefined) min = Math.min(min, defaults.custom.axisSoftMin);
  const yTicks = ticks(min, max);
  if (defaults.min === undefined) min = yTicks[0];
  if (defaults.max === undefined) max = yTicks[yTicks.length - 1];
  const sx = (t) => plot.x + ((t - range.start) / (range.end - range.start)) * plot.w;
  const sy = (v) => plot.y + plot.h - ((v - min) / (max - min || 1)) * plot.h;
  for (const v of yTicks.filter((v) => v >= min - 1e-12 && v <= max + 1e-12)) {
    const y = sy(v);
    parts.push(`<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${THEME.grid}" stroke-width="1"/>`);
    parts.push(text(plot.x - 6, y + 4, formatValue(v, unit, defaults.decimals), { size: 10, anchor: 'end', fill: THEME.muted }));
  }
  const xTickCount = Math.max(2, Math.floor(plot.w / 110));
  for (let i = 0; i <= xTickCount; i++) {
    const t = range.start + ((range.end - range.start) * i) / xTickCount;
    parts.push(text(sx(t), plot.y + plot.h + 14, clock(t), { size: 10, anchor: i === 0 ? 'start' : i === xTickCount ? 'end' : 'middle', fill: THEME.muted }));
  }
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    // Lines break at NaN and, unless the panel spans nulls, where steps are missing (a target
    // that was down, a series that went stale), as Grafana draws them.
    const spanNulls = defaults.custom?.spanNulls === true;
    const segments = [[]];
    let previous = -Infinity;
    for (const [t, v] of s.points) {
      const gap = !spanNulls && t - previous > range.step * 1.5;
      previous = t;
      if ((!Number.isFinite(v) || gap) && segments[segments.length - 1].length > 0) segments.push([]);
      if (Number.isFinite(v)) segments[segments.length - 1].push(`${sx(t).toFixed(1)},${sy(Math.min(max, Math.max(min, v))).toFixed(1)}`);
    }
    const dash = lineStyleOf(panel, s.name);
    for (const segment of segments.filter((seg) => seg.length > 0)) {
      const points = segment.length === 1 ? [segment[0], segment[0]] : segment;
      parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    }
  });
  // Legend: colour mark and name, as many to a line as leave each 200 px, on up to two lines.
  const perLine = Math.max(1, Math.min(series.length, Math.floor((box.w - 20) / 200)));
  const slot = (box.w - 20) / perLine;
  series.slice(0, legendRows * perLine).forEach((s, i) => {
    const x = box.x + 10 + (i % perLine) * slot;
    const y = plot.y + plot.h + 32 + Math.floor(i / perLine) * 16;
    parts.push(`<rect x="${x}" y="${y - 8}" width="14" height="4" rx="1" fill="${PALETTE[i % PALETTE.length]}"/>`);
    const maxChars = Math.floor((slot - 24) / 6.2);
    const name = s.name.length > maxChars ? `${s.name.slice(0, maxChars - 1)}…` : s.name;
    parts.push(text(x + 20, y - 2, name, { size: 11 }));
  });
  return parts;
}

function thresholdColor(defaults, value) {
  let color = THEME.text;
  for (const step of defaults.thresholds?.steps ?? []) {
    if (step.value === null || value >= step.value) color = NAMED_COLORS[step.color] ?? step.color;
  }
  return color;
}

function drawStat({ panel, series }, box, range) {
  const parts = frame(box, panel.title);
  const defaults = panel.fieldConfig?.defaults ?? {};
  const shown = series.slice(0, 3);
  if (shown.length === 0) {
    parts.push(text(box.x + box.w / 2, box.y + box.h / 2, 'No data', { anchor: 'middle', fill: THEME.muted }));
    return parts;
  }
  const band = (box.h - 30) / shown.length;
  shown.forEach((s, i) => {
    const values = s.points.filter(([, v]) => Number.isFinite(v));
    const last = values.length > 0 ? values[values.length - 1][1] : NaN;
    const color = thresholdColor(defaults, last);
    const top = box.y + 30 + i * band;
    // Sparkline under the value (graphMode "area").
    if (values.length > 1) {
      const lo = Math.min(...values.map(([, v]) => v));
      const hi = Math.max(...values.map(([, v]) => v));
      const sx = (t) => box.x + ((t - range.start) / (range.end - range.start)) * box.w;
      const sy = (v) => top + band - 4 - ((v - lo) / (hi - lo || 1)) * band * 0.45;
      const line = values.map(([t, v]) => `${sx(t).toFixed(1)},${sy(v).toFixed(1)}`);
      const first = sx(values[0][0]).toFixed(1);
      const lastX = sx(values[values.length - 1][0]).toFixed(1);
      parts.push(`<polygon points="${first},${(top + band - 4).toFixed(1)} ${line.join(' ')} ${lastX},${(top + band - 4).toFixed(1)}" fill="${color}" fill-opacity="0.15" stroke="none"/>`);
      parts.push(`<polyline points="${line.join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    }
    const size = Math.min(44, band * 0.42, box.w / 7);
    parts.push(text(box.x + box.w / 2, top + band * 0.45 + size / 3, formatValue(last, defaults.unit, defaults.decimals), { size, anchor: 'middle', fill: color, weight: 'bold' }));
    if (panel.options?.textMode === 'value_and_name') {
      parts.push(text(box.x + box.w / 2, top + band * 0.45 - size * 0.75, s.name, { size: 11, anchor: 'middle', fill: THEME.muted }));
    }
  });
  return parts;
}

/** Oranges, dark to light, as Grafana's heatmap scheme: t in [0, 1]. */
function orange(t) {
  const from = [0x3d, 0x1f, 0x0a];
  const to = [0xff, 0xd0, 0x80];
  const mid = [0xff, 0x78, 0x0a];
  const [a, b, u] = t < 0.6 ? [from, mid, t / 0.6] : [mid, to, (t - 0.6) / 0.4];
  return `rgb(${a.map((c, i) => Math.round(c + (b[i] - c) * u)).join(',')})`;
}

function drawHeatmap({ panel, series }, box, range) {
  const parts = frame(box, panel.title);
  // Cumulative `le` buckets → counts per bucket, as Grafana's "heatmap" query format does.
  const buckets = series
    .map((s) => ({ le: s.metric.le === '+Inf' ? Infinity : Number(s.metric.le), points: new Map(s.points) }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
  const times = [...new Set(series.flatMap((s) => s.points.map(([t]) => t)))].sort((a, b) => a - b);
  if (buckets.length === 0 || times.length === 0) {
    parts.push(text(box.x + box.w / 2, box.y + box.h / 2, 'No data', { anchor: 'middle', fill: THEME.muted }));
    return parts;
  }
  const cells = times.map((t) => buckets.map((b, i) => {
    const here = b.points.get(t) ?? 0;
    const below = i === 0 ? 0 : buckets[i - 1].points.get(t) ?? 0;
    return Math.max(0, here - below);
  }));
  // Grafana hides the +Inf bucket when it is empty; scores never exceed 1, so it always is.
  const rows = buckets.length - (buckets[buckets.length - 1].le === Infinity && cells.every((c) => c[c.length - 1] === 0) ? 1 : 0);
  const peak = Math.max(...cells.flat(), 1);
  const plot = { x: box.x + 52, y: box.y + 32, w: box.w - 64, h: box.h - 32 - 24 };
  // Each cell covers the step that ends at its timestamp.
  const sx = (t) => plot.x + ((Math.max(range.start, t) - range.start) / (range.end - range.start)) * plot.w;
  const cw = sx(range.start + range.step) - plot.x;
  const ch = plot.h / rows;
  for (let j = 0; j < times.length; j++) {
    const x = sx(times[j] - range.step);
    for (let i = 0; i < rows; i++) {
      const v = cells[j][i];
      if (v <= 0) continue;
      const y = plot.y + plot.h - (i + 1) * ch;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0.5, cw - 1).toFixed(1)}" height="${Math.max(0.5, ch - 1).toFixed(1)}" fill="${orange(Math.sqrt(v / peak))}"/>`);
    }
  }
  const every = Math.ceil(rows / 5);
  for (let i = 0; i < rows; i += every) {
    const upper = buckets[i].le;
    parts.push(text(plot.x - 6, plot.y + plot.h - i * ch - ch / 2 + 4, Number.isFinite(upper) ? `≤ ${trimNumber(upper, 2)}` : '+Inf', { size: 10, anchor: 'end', fill: THEME.muted }));
  }
  const xTickCount = Math.max(2, Math.floor(plot.w / 110));
  for (let i = 0; i <= xTickCount; i++) {
    const t = range.start + ((range.end - range.start) * i) / xTickCount;
    parts.push(text(sx(t), plot.y + plot.h + 14, clock(t), { size: 10, anchor: i === 0 ? 'start' : i === xTickCount ? 'end' : 'middle', fill: THEME.muted }));
  }
  return parts;
}

function drawRow({ panel }, box) {
  return [
    text(box.x + 2, box.y + box.h - 8, panel.title, { size: 15, weight: 'bold' }),
    `<line x1="${box.x}" x2="${box.x + box.w}" y1="${box.y + box.h - 1}" y2="${box.y + box.h - 1}" stroke="${THEME.border}"/>`,
  ];
}

const DRAW = { timeseries: drawTimeseries, stat: drawStat, heatmap: drawHeatmap, row: drawRow };

function render(panels, { width, model, range, prometheus }) {
  const header = 56;
  const unit = (width - GAP) / COLUMNS;
  const box = (g) => ({
    x: Math.round(GAP + g.x * unit),
    y: Math.round(header + g.y * ROW_PX + GAP),
    w: Math.round(g.w * unit - GAP),
    h: Math.round(g.h * ROW_PX - GAP),
  });
  const height = header + Math.max(...panels.map(({ panel: p }) => (p.gridPos.y + p.gridPos.h) * ROW_PX)) + GAP * 2;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="${THEME.background}"/>`,
    text(GAP + 4, 28, 'streamlr', { size: 20, weight: 'bold' }),
    text(GAP + 110, 28, `model = ${model}`, { size: 14, fill: THEME.muted }),
    text(width - GAP - 4, 28, `${new Date(range.start * 1000).toISOString().slice(0, 19).replace('T', ' ')} – ${clock(range.end)} UTC`, { size: 13, anchor: 'end', fill: THEME.muted }),
    text(GAP + 4, 46, `infra/grafana/dashboards/streamlr.json, every query run on ${prometheus} by scripts/render-dashboard.mjs`, { size: 11, fill: THEME.muted }),
  ];
  for (const entry of panels) {
    const draw = DRAW[entry.panel.type];
    if (draw === undefined) throw new Error(`panel "${entry.panel.title}": no renderer for type ${entry.panel.type}`);
    parts.push(...draw(entry, box(entry.panel.gridPos), range));
  }
  parts.push('</svg>');
  return { svg: parts.join('\n'), width, height };
}

// ---- SVG → PNG -------------------------------------------------------------------------------

function which(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim() || undefined;
}

function toPng(svgFile, pngFile, width, height) {
  const rsvg = which('rsvg-convert');
  if (rsvg !== undefined) {
    const run = spawnSync(rsvg, ['--format=png', `--output=${pngFile}`, svgFile], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`rsvg-convert failed: ${run.stderr}`);
    return 'rsvg-convert';
  }
  const chromium = which('chromium') ?? which('chromium-browser') ?? which('google-chrome');
  if (chromium === undefined) {
    throw new Error('no SVG to PNG converter: install librsvg2-bin (rsvg-convert) or chromium, or keep only the SVG with --svg');
  }
  const profile = mkdtempSync(join(tmpdir(), 'streamlr-chromium-'));
  try {
    const run = spawnSync(chromium, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--hide-scrollbars', `--user-data-dir=${profile}`,
      `--window-size=${width},${height}`, `--screenshot=${pngFile}`, `file://${svgFile}`,
    ], { encoding: 'utf8', timeout: 60_000 });
    if (run.status !== 0 || !existsSync(pngFile)) throw new Error(`chromium failed: ${run.stderr}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  return 'chromium';
}

async function main(argv) {
  const opts = options(argv);
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
  const base = opts.prometheus;
  const model = await pickModel(base, dashboard, opts.model);
  const scrape = await scrapeInterval(base);
  // Start where the model's data starts, if that is inside the window.
  let start = opts.end - opts.minutes * 60;
  const first = await api(base, 'query_range', {
    query: `max(streamlr_model_nonzero_weights{model="${model}"})`, start: String(start), end: String(opts.end), step: String(scrape),
  });
  const firstSeen = first.result[0]?.values[0]?.[0];
  if (firstSeen !== undefined && firstSeen > start) start = Math.max(start, firstSeen - 2 * scrape);
  // About 240 points across a panel, never finer than the scrape interval.
  const step = Math.max(scrape, Math.ceil((opts.end - start) / 240));
  const range = { start, end: opts.end, step };
  // Grafana's $__rate_interval: max($__interval + scrape interval, 4 × scrape interval).
  const vars = { model, __interval: `${step}s`, __rate_interval: `${Math.max(step + scrape, 4 * scrape)}s`, __range: `${Math.round(opts.end - start)}s` };
  const panels = await fetchPanels(base, dashboard, vars, range);
  const empty = panels.filter((p) => p.panel.type !== 'row' && p.series.length === 0).map((p) => p.panel.title);
  const { svg, width, height } = render(panels, { width: opts.width, model, range, prometheus: base });
  const out = resolve(opts.out);
  let how = 'SVG';
  if (out.endsWith('.svg')) {
    writeFileSync(out, svg);
  } else {
    const svgFile = resolve(opts.svg ?? join(mkdtempSync(join(tmpdir(), 'streamlr-render-')), 'dashboard.svg'));
    writeFileSync(svgFile, svg);
    how = toPng(svgFile, out, width, height);
    if (opts.svg === undefined) rmSync(join(svgFile, '..'), { recursive: true, force: true });
  }
  process.stdout.write(`${out}: ${width}×${height}, ${panels.length} panels, model ${model}, ${Math.round((range.end - range.start) / 60)} min at ${step} s steps (${how})\n`);
  if (empty.length > 0) process.stderr.write(`panels without data: ${empty.join(', ')}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => {
    process.stderr.write(`render-dashboard: ${error.message}\n`);
    if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
