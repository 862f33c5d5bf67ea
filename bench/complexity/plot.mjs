// A self-contained SVG plot of bench/complexity/run.mjs's results: four log-log panels (update and
// prediction cost against m and against nnz), one line per learner, eager and dense dashed.

const W = 1150;
const H = 950;
const PANEL_W = 470;
const PANEL_H = 300;
const MARGIN = { left: 70, top: 40 };
const COLORS = { 'sgd-l1': '#1f77b4', 'sgd-l2': '#2ca02c', ftrl: '#d62728', dense: '#7f7f7f' };

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function fmtNs(ns) {
  if (ns >= 1e6) return `${ns / 1e6} ms`;
  if (ns >= 1e3) return `${ns / 1e3} µs`;
  return `${ns} ns`;
}

function panel(x0, y0, title, xLabel, series, key, xTicks) {
  const points = series.flatMap((s) => s[key]);
  const xs = points.map((p) => Math.log10(p.size));
  const ys = points.map((p) => Math.log10(p.ns));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMin = Math.floor(Math.min(...ys));
  const yMax = Math.ceil(Math.max(...ys));
  const px = (v) => x0 + ((Math.log10(v) - xMin) / (xMax - xMin || 1)) * PANEL_W;
  const py = (ns) => y0 + PANEL_H - ((Math.log10(ns) - yMin) / (yMax - yMin || 1)) * PANEL_H;
  const out = [];
  out.push(`<text x="${x0 + PANEL_W / 2}" y="${y0 - 12}" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`);
  out.push(`<rect x="${x0}" y="${y0}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="#444"/>`);
  for (let d = yMin; d <= yMax; d++) {
    const y = py(10 ** d);
    out.push(`<line x1="${x0}" y1="${y}" x2="${x0 + PANEL_W}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 - 6}" y="${y + 4}" text-anchor="end" font-size="11">${esc(fmtNs(10 ** d))}</text>`);
  }
  for (const [value, label] of xTicks) {
    const x = px(value);
    out.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + PANEL_H}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${y0 + PANEL_H + 16}" text-anchor="middle" font-size="11">${esc(label)}</text>`);
  }
  out.push(`<text x="${x0 + PANEL_W / 2}" y="${y0 + PANEL_H + 36}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>`);
  for (const s of series) {
    const color = COLORS[s.group] ?? '#000';
    const dash = s.eager ? ' stroke-dasharray="6 4"' : '';
    const path = s[key].map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.size).toFixed(1)},${py(p.ns).toFixed(1)}`).join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    for (const p of s[key]) {
      out.push(
        s.eager
          ? `<rect x="${(px(p.size) - 3.5).toFixed(1)}" y="${(py(p.ns) - 3.5).toFixed(1)}" width="7" height="7" fill="white" stroke="${color}" stroke-width="1.5"/>`
          : `<circle cx="${px(p.size).toFixed(1)}" cy="${py(p.ns).toFixed(1)}" r="3.5" fill="${color}"/>`,
      );
    }
  }
  return out.join('\n');
}

function legend(x0, y0, series) {
  return series
    .map((s, i) => {
      const color = COLORS[s.group] ?? '#000';
      const y = y0 + i * 17;
      const dash = s.eager ? ' stroke-dasharray="6 4"' : '';
      return `<line x1="${x0}" y1="${y - 4}" x2="${x0 + 26}" y2="${y - 4}" stroke="${color}" stroke-width="2"${dash}/><text x="${x0 + 32}" y="${y}" font-size="11">${esc(s.label)} — slope in m ${s.slopeSlots.toFixed(2)}, in nnz ${s.slopeNnz.toFixed(2)}</text>`;
    })
    .join('\n');
}

export function renderSvg(result) {
  const updates = result.results.filter((s) => s.kind === 'update');
  const predictions = result.results.filter((s) => s.kind !== 'update');
  const slotTicks = [10, 12, 14, 16, 18, 20, 22, 24].map((b) => [2 ** b, `2^${b}`]);
  const nnzTicks = [1, 3, 10, 30, 100, 300, 1000].map((n) => [n, String(n)]);
  const leftX = MARGIN.left;
  const rightX = MARGIN.left + PANEL_W + 90;
  const topY = MARGIN.top;
  const bottomY = MARGIN.top + PANEL_H + 110;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(leftX, topY, `Update cost vs slots m (nnz = ${result.fixedNnz})`, 'slots m (log scale)', updates, 'bySlots', slotTicks),
    panel(rightX, topY, `Update cost vs nnz (m = 2^${result.fixedBits})`, 'non-zeros per sample (log scale)', updates, 'byNnz', nnzTicks),
    panel(leftX, bottomY, `Prediction cost vs slots m (nnz = ${result.fixedNnz})`, 'slots m (log scale)', predictions, 'bySlots', slotTicks),
    panel(rightX, bottomY, `Prediction cost vs nnz (m = 2^${result.fixedBits})`, 'non-zeros per sample (log scale)', predictions, 'byNnz', nnzTicks),
    `<text x="${leftX}" y="${bottomY + PANEL_H + 62}" font-size="12" font-weight="bold">solid, dots: streamlr (lazy); dashed, squares: eager reference / dense textbook. fitted log-log slopes: 0 = independent, 1 = linear</text>`,
    legend(leftX, bottomY + PANEL_H + 82, updates.concat(predictions).slice(0, 5)),
    legend(rightX, bottomY + PANEL_H + 82, updates.concat(predictions).slice(5)),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}
