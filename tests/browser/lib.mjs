// Shared by the browser tests: Debian's Chromium driven by playwright-core
// (no browser download), a page that fails the test on any script error or
// on any request that is not a file: URL, the real profgate to make
// reports, and screenshots kept in the build directory for CI artifacts.
//
// Nothing here skips: a missing Chromium, node_modules or environment
// variable is an error that says how to get it.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export function env(name, what) {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set: it must name ${what} (run the tests through ctest)`);
  return v;
}

export const CHROMIUM = process.env.PG_CHROMIUM || '/usr/bin/chromium';

async function loadPlaywright() {
  const entry = path.join(here, 'node_modules', 'playwright-core', 'index.mjs');
  if (!fs.existsSync(entry)) {
    throw new Error(`playwright-core is not installed in ${here}/node_modules: run ` +
      '`npm ci --no-audit --no-fund` there (ci/install-deps.sh does with PROFGATE_BROWSER_TESTS=1)');
  }
  return import(pathToFileURL(entry).href);
}

export function checkChromium() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium ` +
      '(ci/install-deps.sh does with PROFGATE_BROWSER_TESTS=1), or set PG_CHROMIUM');
  }
}

export function screenshotDir() {
  const dir = env('PG_SCREENSHOTS', 'the folder for screenshots (the build tree\'s tests/browser/screenshots)');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function tmpDir(prefix) {
  return fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), prefix));
}

// Runs the real profgate; returns its stdout. Throws with stderr on failure.
export function profgate(args, opts = {}) {
  const bin = env('PROFGATE', 'the profgate program');
  try {
    return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120000, ...opts });
  } catch (e) {
    throw new Error(`profgate ${args.join(' ')} failed (exit ${e.status}):\n${e.stderr}`);
  }
}

export function target(name) {
  const p = path.join(env('PG_TARGETS', 'the folder of the target programs'), name);
  if (!fs.existsSync(p)) throw new Error(`target program ${p} is missing: build the tree first`);
  return p;
}

// A fresh browser with its own profile directory, and a page that records
// every script error and every request that is not file:.
export async function openBrowser() {
  checkChromium();
  const { chromium } = await loadPlaywright();
  const userDataDir = tmpDir('pg_chromium.');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    deviceScaleFactor: 1,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  const problems = [];
  const network = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    network.push(url);
    return route.abort();
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const b = {
    context, page, problems, network,
    // A prompt a test expects (the SVG's search): answered with this text.
    answer: null,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
  page.on('dialog', async (d) => {
    if (b.answer !== null && d.type() === 'prompt') {
      const text = b.answer;
      b.answer = null;
      await d.accept(text);
    } else {
      problems.push(`unexpected dialog: ${d.type()} ${d.message()}`);
      await d.dismiss();
    }
  });
  return b;
}

// Opens a report and waits until it has drawn.
export async function openReport(page, file) {
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => window.__pg && window.__pg.ready === true, null, { timeout: 30000 });
}

export async function shot(page, name) {
  const file = path.join(screenshotDir(), name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Viewport coordinates of a point in the first drawn frame named `name` in
// the active flame graph (scrolled into view), or null.
export async function locate(page, name) {
  return page.evaluate((n) => window.__pg.locate(n), name);
}

export async function clickTab(page, id) {
  await page.click(`button.pg-tab[data-tab="${id}"]`);
  await page.waitForFunction((t) => window.__pg.active === t, id);
}

export async function activePanel(page) {
  return page.locator('section.pg-panel:not([hidden])');
}

// The colour of the canvas pixel at viewport coordinates (x, y).
export async function pixelAt(page, selector, x, y) {
  return page.evaluate(([sel, px, py]) => {
    const c = document.querySelector(sel);
    const r = c.getBoundingClientRect();
    const sx = c.width / r.width, sy = c.height / r.height;
    // Copied to a scratch canvas first: reading the report's own canvas
    // back makes Chromium warn about repeated readbacks.
    const scratch = document.createElement('canvas');
    scratch.width = scratch.height = 1;
    const sctx = scratch.getContext('2d', { willReadFrequently: true });
    sctx.drawImage(c, Math.floor((px - r.left) * sx), Math.floor((py - r.top) * sy), 1, 1, 0, 0, 1, 1);
    const d = sctx.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2]];
  }, [selector, x, y]);
}

export async function tooltipText(page) {
  return page.evaluate(() => {
    const t = document.querySelector('.pg-tooltip');
    return t && t.style.display !== 'none' ? t.textContent : '';
  });
}
