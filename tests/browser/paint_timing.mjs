// Times a report in headless Chromium, for bench/report_bench.py:
//   node paint_timing.mjs REPORT.html
// prints one JSON line: first_paint_ms (navigation start to the first frame
// drawn after the report's script finished), fcp_ms (Chromium's first
// contentful paint), zoom_ms (median over several clicks on frames, from the
// click to the next frame painted), search_ms and hover_ms (the same for a
// search and a mouse move), and the JS heap used.

import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { openBrowser } from './lib.mjs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node paint_timing.mjs REPORT.html');
  process.exit(2);
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const br = await openBrowser();
try {
  const { page } = br;
  await page.goto(pathToFileURL(path.resolve(file)).href);
  await page.waitForFunction(() => window.__pg && window.__pg.ready === true, null, { timeout: 60000 });
  const paint = await page.evaluate(() => new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(() => {
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      resolve({ first: performance.now(), fcp: fcp ? fcp.startTime : null });
    }, 0));
  }));

  // Time from an event dispatched on the canvas to the next painted frame.
  const timed = (kind, x, y) => page.evaluate(([k, px, py]) => new Promise((resolve) => {
    const c = document.querySelector('section.pg-panel:not([hidden]) canvas');
    const t0 = performance.now();
    c.dispatchEvent(new MouseEvent(k, { clientX: px, clientY: py, bubbles: true }));
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
  }), [kind, x, y]);

  // The widest frames two to five levels up: zoom into each, then back out.
  const targets = await page.evaluate(() => {
    const w = window.__pg.widget();
    const b = w.boxes;
    const out = [];
    for (let i = 0; i < b.x.length; i++) {
      if (b.node[i] > 0 && b.row[i] >= 2 && b.row[i] <= 5 && b.w[i] > 20 && b.w[i] < 600) out.push(i);
    }
    out.sort((i, j) => b.w[j] - b.w[i]);
    const r = w.canvas.getBoundingClientRect();
    return out.slice(0, 7).map((i) => ({ x: r.left + b.x[i] + 5, y: r.top + w.yOf(b.row[i]) + 9 }));
  });
  if (!targets.length) throw new Error('no frame to click in ' + file);
  const zooms = [];
  const hovers = [];
  for (const t of targets) {
    hovers.push(await timed('mousemove', t.x, t.y));
    zooms.push(await timed('click', t.x, t.y));
    await page.evaluate(() => window.__pg.widget().setZoom(0));
  }
  const search = await page.evaluate(() => new Promise((resolve) => {
    const w = window.__pg.widget();
    const t0 = performance.now();
    w.setSearch('hash');
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
  }));
  const heap = await page.evaluate(() => (performance.memory ? performance.memory.usedJSHeapSize : null));
  if (br.problems.length || br.network.length) {
    throw new Error('the report misbehaved: ' + JSON.stringify({ problems: br.problems, network: br.network }));
  }
  console.log(JSON.stringify({
    first_paint_ms: paint.first, fcp_ms: paint.fcp, zoom_ms: median(zooms), zoom_max_ms: Math.max(...zooms),
    hover_ms: median(hovers), search_ms: search, js_heap_bytes: heap,
  }));
} finally {
  await br.close();
}
