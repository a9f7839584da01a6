// Browser tests of `profgate diff`: the differential flame graph of two
// crafted folded files (tests/fixtures/diff_before.folded and
// diff_after.folded: lex grows, write_out shrinks, legacy_cache's stack is
// gone and fast_cache's is new, hostile names unchanged), of two real runs
// (pg_ratio31, then pg_threads4), and the static SVG. Each test checks what
// a user sees and does (colours read back from the canvas, the switch to
// BEFORE's shape, the tooltip, the toggles, the table, zoom and search)
// and, after it, that there was no script error and no request that was
// not file:. Screenshots go to $PG_SCREENSHOTS.

import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { env, locate, openBrowser, openReport, pixelAt, profgate, shot, target, tmpDir, tooltipText } from './lib.mjs';

const CANVAS = 'section.pg-panel canvas.pg-flame';
const PANEL = 'section.pg-panel[data-tab="diff"]';
const MATCH = [210, 61, 210];
const FULL_RED = [214, 39, 40];

let br;
let work;
const files = {};

before(async () => {
  work = tmpDir('pg_browser_diff.');
  const fixtures = env('PG_FIXTURES', 'tests/fixtures');
  const ratio = path.join(work, 'ratio31');
  const threads = path.join(work, 'threads4');
  profgate(['run', '-q', '--no-mem', '-o', ratio, '--', target('pg_ratio31'), '0.4']);
  profgate(['run', '-q', '--no-mem', '-o', threads, '--', target('pg_threads4'), '0.2']);
  files.crafted = path.join(work, 'crafted.html');
  files.svg = path.join(work, 'crafted.svg');
  files.real = path.join(work, 'real.html');
  const b = path.join(fixtures, 'diff_before.folded');
  const a = path.join(fixtures, 'diff_after.folded');
  files.table = profgate(['diff', b, a, '-o', files.crafted, '--title', '<img src=x onerror="window.__x=7">']);
  profgate(['diff', b, a, '-o', files.svg]);
  profgate(['diff', ratio, threads, '-o', files.real]);
  br = await openBrowser();
});

after(async () => {
  if (br) await br.close();
  if (work && !process.env.PG_KEEP_TMP) fs.rmSync(work, { recursive: true, force: true });
});

afterEach(() => {
  const problems = br.problems.splice(0);
  const network = br.network.splice(0);
  assert.deepEqual(problems, [], 'no script error, warning or dialog');
  assert.deepEqual(network, [], 'no request but file: URLs');
});

// The colour of frame `name`: 2 pixels below its top edge, under its
// outline and above the ascenders of its label.
async function colourOf(page, name) {
  const at = await locate(page, name);
  assert.ok(at, `frame ${name} is drawn`);
  return pixelAt(page, CANVAS, at.x, at.y - 7);
}

// Saturation is proportional to the change relative to the largest one, so
// a small change is a pale tint: these ask for a clear tint, not a strong one
// (a run where work_light's share was small gave 191,211,231).
const isRed = (c) => c[0] > 200 && c[0] - c[1] > 25 && c[0] - c[2] > 25;
const isBlue = (c) => c[2] > 150 && c[2] - c[0] > 25;
const isWhite = (c) => c.every((v) => v >= 250);

async function hover(page, name) {
  const at = await locate(page, name);
  assert.ok(at, `frame ${name} is drawn`);
  await page.mouse.move(at.x, at.y);
  await page.waitForFunction(() => document.querySelector('.pg-tooltip').style.display === 'block');
  return tooltipText(page);
}

async function pick(page, group, value) {
  await page.locator(`${PANEL} .pg-seg[aria-label="${group}"] button`, { hasText: value }).click();
}

test('AFTER\'s shape: grown frames red, shrunk ones blue, unchanged ones white', async () => {
  const { page } = br;
  await openReport(page, files.crafted);
  assert.equal(await page.evaluate(() => window.__pg.shape), 'AFTER');
  // Absolute weights, coloured by the change of self: lex's +300 is the
  // largest change, full red; write_out's -150 half as strong, blue.
  assert.deepEqual(await colourOf(page, 'lex'), FULL_RED);
  const shrank = await colourOf(page, 'write_out');
  assert.ok(isBlue(shrank), `write_out is blue: ${shrank}`);
  assert.ok(shrank[0] > 100, `but paler than the largest change: ${shrank}`);
  assert.ok(isWhite(await colourOf(page, 'tokenize')), 'tokenize did not change: white');
  assert.ok(isRed(await colourOf(page, 'cache_lookup')), 'the new path\'s leaf is red');
  assert.equal(await locate(page, 'legacy_cache'), null, 'a stack AFTER does not have has no width');
  const legend = await page.locator(`${PANEL} .pg-diff-legend`).textContent();
  assert.match(legend, /shrank −300/);
  assert.match(legend, /\+300 grew/);
  const header = await page.locator('header.pg-header').textContent();
  assert.match(header, /Before1,100 samples · 9 stacks/);
  assert.match(header, /After1,200 samples · 9 stacks/);
  assert.match(header, /Change\+100 \(\+9\.1%\)/);
  await shot(page, 'diff-after-shape');
});

test('the switch to BEFORE\'s shape shows the removed stack, in the same colours', async () => {
  const { page } = br;
  await openReport(page, files.crafted);
  const lexAfter = await locate(page, 'lex');
  await pick(page, 'Shape', 'BEFORE');
  assert.equal(await page.evaluate(() => window.__pg.shape), 'BEFORE');
  assert.ok(await locate(page, 'legacy_cache'), 'the removed stack is drawn');
  const gone = await colourOf(page, 'cache_lookup');
  assert.ok(isBlue(gone), `its leaf, gone, is blue: ${gone}`);
  assert.equal(await locate(page, 'fast_cache'), null, 'the new stack has no width in BEFORE');
  assert.deepEqual(await colourOf(page, 'lex'), FULL_RED, 'lex keeps its colour');
  const lexBefore = await locate(page, 'lex');
  assert.ok(lexBefore.width < lexAfter.width, 'lex is narrower in BEFORE');
  const tip = await hover(page, 'cache_lookup');
  assert.match(tip, /gone in AFTER/);
  await shot(page, 'diff-before-shape');
  // The key B switches back.
  await page.mouse.move(5, 5);
  await page.keyboard.press('b');
  assert.equal(await page.evaluate(() => window.__pg.shape), 'AFTER');
  assert.equal(await locate(page, 'legacy_cache'), null);
});

test('the tooltip shows before, after and the change, for total and self', async () => {
  const { page } = br;
  await openReport(page, files.crafted);
  let tip = await hover(page, 'lex');
  assert.match(tip, /^lex/);
  assert.match(tip, /self weight grew/);
  assert.match(tip, /BeforeAfterChange/);
  assert.match(tip, /Total300600\+300 \(\+100%\)/);
  assert.match(tip, /Self300600\+300 \(\+100%\)/);
  assert.match(tip, /% of total27\.3%50\.0%\+22\.7 pp/);
  assert.match(tip, /as measured/);
  await shot(page, 'diff-tooltip');
  tip = await hover(page, 'write_out');
  assert.match(tip, /Total250100−150 \(−60\.0%\)/);
  tip = await hover(page, 'fast_cache');
  assert.match(tip, /new in AFTER/);
  assert.match(tip, /Total080\+80 \(new\)/);
  // Normalized: BEFORE's 300 of 1,100 becomes 327 of 1,200.
  await pick(page, 'Weights', 'Normalized');
  tip = await hover(page, 'lex');
  assert.match(tip, /Total327600\+273 \(\+83\.3%\)/);
  assert.match(tip, /BEFORE scaled ×1\.091 to AFTER's total/);
  tip = await hover(page, 'main');
  assert.match(tip, /unchanged/);
  assert.match(tip, /Total1,2001,2000/);
  await shot(page, 'diff-tooltip-normalized');
});

test('normalized and absolute weights, and colour by self or total', async () => {
  const { page } = br;
  await openReport(page, files.crafted);
  const legend = () => page.locator(`${PANEL} .pg-diff-legend`).textContent();
  // Absolute: stable_work did not change.
  assert.ok(isWhite(await colourOf(page, 'stable_work')));
  await pick(page, 'Weights', 'Normalized');
  // Normalized: its share fell (100 of 1,100 -> 100 of 1,200): pale blue.
  const stable = await colourOf(page, 'stable_work');
  assert.ok(stable[2] > stable[0] && !isWhite(stable), `stable_work is pale blue: ${stable}`);
  assert.match(await legend(), /\+273 grew/);
  assert.ok(isWhite(await colourOf(page, 'main')), 'main has no self weight');
  await pick(page, 'Colour by', 'Total');
  assert.ok(isWhite(await colourOf(page, 'main')), 'normalized, main\'s total is unchanged');
  assert.ok(isRed(await colourOf(page, 'parse')), 'parse\'s total grew');
  assert.ok(isBlue(await colourOf(page, 'emit')), 'emit\'s total shrank');
  await pick(page, 'Weights', 'Absolute');
  // Absolute, main's total grew by 100, a third of the largest change:
  // a third of the way from white to the full red.
  assert.deepEqual(await colourOf(page, 'main'), [241, 183, 183]);
  await shot(page, 'diff-colour-by-total');
  await pick(page, 'Colour by', 'Self');
});

test('the table lists the functions that changed most; a click finds one in the graph', async () => {
  const { page } = br;
  await openReport(page, files.crafted);
  const table = page.locator('table.pg-fn-table');
  const names = await table.locator('tbody td.name').allTextContents();
  // By the change of self weight: lex +300, write_out -150, cache_lookup
  // -70 (its caller changed: one function), then the smaller ones.
  assert.deepEqual(names.slice(0, 4), ['lex', 'write_out', 'cache_lookup', '<img src=x onerror="window.__x=1">']);
  assert.ok(!names.includes('_start'), 'runtime frames are hidden, as in the graph');
  const lex = await table.locator('tbody tr').first().locator('td').allTextContents();
  assert.deepEqual(lex.slice(0, 6), ['lex', '300', '600', '300', '600', '+300 (+100%)']);
  await pick(page, 'Weights', 'Normalized');
  const first = await table.locator('tbody tr').first().locator('td').allTextContents();
  assert.deepEqual(first.slice(0, 6), ['lex', '327', '600', '327', '600', '+273 (+83.3%)']);
  assert.match(await page.locator('.pg-fn-caption').textContent(), /BEFORE scaled ×1\.091/);
  await table.locator('tbody tr', { hasText: 'write_out' }).click();
  assert.match(await page.locator(`${PANEL} .pg-matched`).textContent(), /^Matched 8\.33% · 273 → 100 \(−63\.3%\)$/);
  assert.deepEqual(await colourOf(page, 'write_out'), MATCH);
  await shot(page, 'diff-table-find');
  // The command printed the same ranking.
  assert.match(files.table, /^lex\s+300\s+600\s+300\s+600\s+\+300 \(\+100\.0%\)$/m);
});

test('zoom and search work as in the report', async () => {
  const { page } = br;
  await openReport(page, files.crafted);
  const parse = await locate(page, 'parse');
  await page.mouse.click(parse.x, parse.y);
  const zoomed = await locate(page, 'parse');
  const width = (await page.locator(CANVAS).boundingBox()).width;
  assert.ok(zoomed.width > width - 2, 'the zoomed frame spans the graph');
  assert.equal(await locate(page, 'emit'), null);
  assert.deepEqual(await colourOf(page, 'lex'), FULL_RED, 'colours do not change with the zoom');
  const crumbs = await page.locator(`${PANEL} .pg-crumb`).allTextContents();
  assert.deepEqual([crumbs[0], crumbs[crumbs.length - 1]], ['all', 'parse']);
  await shot(page, 'diff-zoomed');
  await page.keyboard.press('Escape');
  assert.ok(await locate(page, 'emit'), 'Esc resets the zoom');
  const input = page.locator(`${PANEL} input[type=search]`);
  await input.fill('cache');
  await input.press('Enter');
  assert.match(await page.locator(`${PANEL} .pg-matched`).textContent(), /^Matched 6\.67% · 150 → 80 \(−46\.7%\)$/);
  assert.deepEqual(await colourOf(page, 'fast_cache'), MATCH);
  await input.press('Escape');
});

test('two real runs: what pg_threads4 runs is new, what pg_ratio31 ran is gone', async () => {
  const { page } = br;
  await openReport(page, files.real);
  const header = await page.locator('header.pg-header').textContent();
  assert.match(header, /Rate999 Hz/);
  // No call path in common: the page opens colouring by function.
  assert.equal(await page.evaluate(() => window.__pg.widget().cmp.colourBy), 'function');
  assert.ok(isRed(await colourOf(page, 'thread_work_0')), 'function mode: thread_work_0 grew from nothing');
  await shot(page, 'diff-real-function-mode');
  // The rest by path, by total: the work of these functions may be in
  // frames inlined into them, which hold the self weight.
  await pick(page, 'Colour by', 'Total');
  for (const k of [0, 1, 2, 3]) {
    const c = await colourOf(page, `thread_work_${k}`);
    assert.ok(isRed(c), `thread_work_${k} is new: red ${c}`);
  }
  assert.equal(await locate(page, 'work_heavy'), null);
  let tip = await hover(page, 'thread_work_0');
  assert.match(tip, /new in AFTER/);
  assert.match(tip, /All paths/, 'the tooltip has the function\'s total across all paths');
  assert.match(tip, /Time0 s[\d.]+ m?s/);
  await shot(page, 'diff-real-after');
  await pick(page, 'Shape', 'BEFORE');
  assert.equal(await locate(page, 'thread_work_0'), null);
  // By total, the ancestors' changes are the whole profile's: work_light's
  // quarter is a pale tint, but blue.
  assert.ok(isBlue(await colourOf(page, 'work_heavy')), 'work_heavy is gone: blue');
  const light = await colourOf(page, 'work_light');
  assert.ok(light[2] > light[0] + 10 && !isWhite(light), `work_light is gone: blue ${light}`);
  tip = await hover(page, 'work_heavy');
  assert.match(tip, /gone in AFTER/);
  await shot(page, 'diff-real-before');
});

test('hostile frame names and title stay text', async () => {
  const { page } = br;
  await openReport(page, files.crafted);
  const names = ['<img src=x onerror="window.__x=1">', '</script><script>window.__x=2</script>', 'a & b < c > d'];
  assert.equal(await page.locator('h1.pg-title').textContent(), '<img src=x onerror="window.__x=7">');
  for (const name of names) {
    await hover(page, name);
    assert.equal(await page.locator('.pg-tooltip .pg-tt-name').textContent(), name, 'the tooltip shows the name as text');
  }
  await shot(page, 'diff-hostile-hover');
  // The table's labels collapse what looks like a template argument list
  // ("__x=2</script>" reads as one): with the toggle off it shows the names
  // whole, as text.
  const collapse = page.locator(`${PANEL} label.pg-check`, { hasText: 'Collapse templates' });
  await collapse.click();
  const cells = await page.locator('table.pg-fn-table tbody td.name').allTextContents();
  assert.ok(cells.includes(names[0]) && cells.includes(names[1]), 'the table shows them as text');
  await collapse.click();
  const collapsed = await page.locator('table.pg-fn-table tbody td.name').allTextContents();
  assert.ok(collapsed.includes('</script><script>window.__x=2<…>'), 'and collapsed, still as text');
  const img = await locate(page, names[0]);
  await page.mouse.click(img.x, img.y);
  const crumb = page.locator(`${PANEL} .pg-crumb`).last();
  assert.equal(await crumb.textContent(), names[0]);
  assert.equal(await crumb.evaluate((e) => e.children.length), 0);
  const state = await page.evaluate(() => ({
    x: window.__x,
    markup: document.querySelectorAll('img, svg, iframe, object, embed').length,
    scripts: document.scripts.length,
    title: document.title,
  }));
  assert.equal(state.x, undefined, 'no name ran as script');
  assert.equal(state.markup, 0);
  assert.equal(state.scripts, 2, 'the data and the renderer');
  assert.equal(state.title, '<img src=x onerror="window.__x=7"> — profgate diff');
});

test('the static SVG: red and blue frames, zoom on click, details on hover', async () => {
  const { page } = br;
  await page.goto(pathToFileURL(files.svg).href);
  await page.waitForSelector('g.f');
  const frame = async (name) => page.evaluate((n) => {
    for (const g of document.querySelectorAll('g.f')) {
      if (g.querySelector('title').textContent.startsWith(n + ' (')) {
        const r = g.querySelector('rect').getBoundingClientRect();
        return { x: r.x + Math.min(r.width, 20) / 2, y: r.y + r.height / 2, width: r.width,
          fill: g.querySelector('rect').getAttribute('fill'), shown: g.style.display !== 'none' };
      }
    }
    return null;
  }, name);
  assert.equal((await frame('lex')).fill, 'rgb(214,39,40)');
  assert.equal((await frame('write_out')).fill, 'rgb(144,179,214)');
  assert.equal((await frame('tokenize')).fill, 'rgb(255,255,255)');
  assert.equal(await frame('legacy_cache'), null, 'AFTER\'s shape');
  const lex = await frame('lex');
  await page.mouse.move(lex.x, lex.y);
  assert.match(await page.locator('#details').textContent(),
    /^Function: lex \(after 600 samples, 50\.00%; before 300 samples, 27\.27%; self \+300 samples, \+100\.0%; total \+300 samples, \+100\.0%\)$/);
  const parse = await frame('parse');
  await page.mouse.click(parse.x, parse.y);
  assert.ok((await frame('parse')).width > 1150);
  assert.equal((await frame('emit')).shown, false);
  await page.screenshot({ path: path.join(env('PG_SCREENSHOTS', 'screenshots'), 'diff-svg-zoomed.png') });
  await page.locator('#reset').click();
  assert.equal((await frame('emit')).shown, true);
});
