// Browser tests of `profgate flamegraph` reports: the HTML flame graph of
// real runs (pg_ratio31 on the CPU, pg_sleeper on the wall clock) and of a
// folded file of hostile names, and the static SVG. Each test checks what a
// user does (hover, click to zoom, reset, search, the toggles) and, after
// it, that there was no script error and no request that was not file:.
// Screenshots go to $PG_SCREENSHOTS.

import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  activePanel, env, locate, openBrowser, openReport, pixelAt, profgate, shot, target, tmpDir, tooltipText,
} from './lib.mjs';

const MATCH = [210, 61, 210];
const WAITING = [180, 196, 214];
const CANVAS = 'section.pg-panel:not([hidden]) canvas';

let br;
let work;
const files = {};

before(async () => {
  work = tmpDir('pg_browser_fg.');
  const ratio = path.join(work, 'ratio31');
  const sleeper = path.join(work, 'sleeper');
  profgate(['run', '-q', '--no-mem', '-o', ratio, '--', target('pg_ratio31'), '0.6']);
  profgate(['run', '-q', '--no-mem', '--mode', 'wall', '-o', sleeper, '--', target('pg_sleeper'), '0.4']);
  files.ratio = path.join(work, 'ratio31.html');
  files.ratioSvg = path.join(work, 'ratio31.svg');
  files.sleeper = path.join(work, 'sleeper-wall.html');
  files.hostile = path.join(work, 'hostile.html');
  files.templates = path.join(work, 'templates.html');
  // C++ display names as the symbolizer writes them (templates kept).
  const cxx = path.join(work, 'templates.folded');
  fs.writeFileSync(cxx, [
    'main;std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>;operator new 450',
    'main;score_all;weighted_score<Record> [inlined] 300',
    'main;std::operator<< <std::char_traits<char> > 250',
  ].join('\n') + '\n');
  profgate(['flamegraph', cxx, '-o', files.templates]);
  profgate(['flamegraph', ratio, '-o', files.ratio]);
  profgate(['flamegraph', ratio, '-o', files.ratioSvg]);
  profgate(['flamegraph', sleeper, '--kind', 'wall', '-o', files.sleeper]);
  profgate(['flamegraph', path.join(env('PG_FIXTURES', 'tests/fixtures'), 'hostile.folded'), '-o', files.hostile,
    '--title', '<img src=x onerror="window.__x=7">']);
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

async function hover(page, name) {
  const at = await locate(page, name);
  assert.ok(at, `frame ${name} is drawn`);
  await page.mouse.move(at.x, at.y);
  await page.waitForFunction(() => document.querySelector('.pg-tooltip').style.display === 'block');
  return at;
}

// Clicks at (x, y) on the active canvas, returning how long the page took
// to handle the click (zoom and redraw), in milliseconds.
async function timedClick(page, at) {
  return page.evaluate(([sel, x, y]) => {
    const c = document.querySelector(sel);
    const t0 = performance.now();
    c.dispatchEvent(new MouseEvent('click', { clientX: x, clientY: y, bubbles: true }));
    return performance.now() - t0;
  }, [CANVAS, at.x, at.y]);
}

test('a CPU flame graph draws, and hover shows name, value, share of total and of parent', async () => {
  const { page } = br;
  await openReport(page, files.ratio);
  const header = await page.locator('header.pg-header').textContent();
  assert.match(header, /pg_ratio31/);
  assert.match(header, /Samples/);
  assert.match(header, /999 Hz/);
  const canvas = await page.locator(CANVAS).boundingBox();
  assert.ok(canvas.width > 1000 && canvas.height > 50, 'the canvas fills the panel');
  await hover(page, 'work_heavy');
  const tip = await tooltipText(page);
  assert.match(tip, /^work_heavy/);
  assert.match(tip, /Total[\d,]+ samples \(\d/);
  assert.match(tip, /% of total\d+(\.\d+)?%/);
  assert.match(tip, /% of parent\d+(\.\d+)?%/);
  await shot(page, 'flamegraph-cpu-hover');
  // The 3:1 program: work_heavy has about three quarters of the samples.
  const share = await page.evaluate(() => {
    const w = window.__pg.widget();
    const v = w.view;
    for (let c = 1; c < v.n; c++) if (w.prof.nameOf(v.name[c]) === 'work_heavy') return v.total[c] / v.total[0];
    return -1;
  });
  assert.ok(share > 0.6 && share < 0.9, `work_heavy's share ${share}`);
});

test('click zooms into a frame quickly, a crumb or Esc zooms back out', async () => {
  const { page } = br;
  await openReport(page, files.ratio);
  assert.equal(await page.locator('section.pg-panel:not([hidden]) button.pg-button').first().isDisabled(), true);
  const before = await locate(page, 'work_light');
  const ms = await timedClick(page, before);
  assert.ok(ms < 100, `zoom took ${ms.toFixed(1)} ms`);
  const after = await locate(page, 'work_light');
  const width = (await page.locator(CANVAS).boundingBox()).width;
  assert.ok(after.width > width - 2, 'the zoomed frame spans the graph');
  assert.equal(await locate(page, 'work_heavy'), null, 'its siblings are gone');
  const crumbs = await page.locator('section.pg-panel:not([hidden]) .pg-crumb').allTextContents();
  assert.equal(crumbs[0], 'all');
  assert.equal(crumbs[crumbs.length - 1], 'work_light');
  assert.equal(await page.locator('section.pg-panel:not([hidden]) button.pg-button').first().isDisabled(), false);
  await shot(page, 'flamegraph-cpu-zoomed');
  await page.locator('section.pg-panel:not([hidden]) .pg-crumb', { hasText: 'all' }).click();
  assert.ok(await locate(page, 'work_heavy'), 'back to the whole profile');
  await timedClick(page, await locate(page, 'work_light'));
  await page.keyboard.press('Escape');
  assert.ok(await locate(page, 'work_heavy'), 'Esc resets the zoom');
  await page.locator('section.pg-panel:not([hidden]) button.pg-button', { hasText: 'Reset zoom' }).isDisabled();
});

test('search highlights the matches and shows their share', async () => {
  const { page } = br;
  await openReport(page, files.ratio);
  const input = page.locator('section.pg-panel:not([hidden]) input[type=search]');
  await input.fill('WORK_');
  await input.press('Enter');
  const matched = await page.locator('section.pg-panel:not([hidden]) .pg-matched').textContent();
  const pct = Number(/Matched ([\d.]+)%/.exec(matched)[1]);
  assert.ok(pct > 95 && pct <= 100, `matched ${matched}`);
  for (const name of ['work_heavy', 'work_light']) {
    const at = await locate(page, name);
    assert.deepEqual(await pixelAt(page, CANVAS, at.x, at.y - 6), MATCH, `${name} is highlighted`);
  }
  await shot(page, 'flamegraph-cpu-search');
  await input.fill('/^work_h/');
  await input.press('Enter');
  const heavy = await locate(page, 'work_heavy');
  const light = await locate(page, 'work_light');
  assert.deepEqual(await pixelAt(page, CANVAS, heavy.x, heavy.y - 6), MATCH);
  assert.notDeepEqual(await pixelAt(page, CANVAS, light.x, light.y - 6), MATCH);
  const one = await page.locator('section.pg-panel:not([hidden]) .pg-matched').textContent();
  assert.ok(Number(/Matched ([\d.]+)%/.exec(one)[1]) < pct);
  await input.fill('/(/');
  await input.press('Enter');
  assert.equal(await page.locator('section.pg-panel:not([hidden]) .pg-matched').textContent(), 'bad regex');
  await input.press('Escape');
  assert.equal(await page.locator('section.pg-panel:not([hidden]) .pg-matched').textContent(), '');
});

test('hiding runtime frames removes them but keeps their weight', async () => {
  const { page } = br;
  await openReport(page, files.ratio);
  const totals = () => page.evaluate(() => {
    const w = window.__pg.widget();
    const v = w.view;
    let main = -1;
    for (let c = 1; c < v.n; c++) if (w.prof.nameOf(v.name[c]) === 'main') main = v.total[c];
    return { all: v.total[0], main };
  });
  assert.equal(await locate(page, '_start'), null, 'hidden by default');
  assert.equal(await locate(page, '__libc_start_main'), null);
  const hidden = await totals();
  await page.locator('section.pg-panel:not([hidden]) label.pg-check', { hasText: 'Hide runtime frames' }).click();
  assert.ok(await locate(page, '_start'), '_start is back');
  assert.ok(await locate(page, '__libc_start_main'));
  const shown = await totals();
  assert.deepEqual(shown, hidden, 'the same weights either way');
  await shot(page, 'flamegraph-cpu-runtime-frames');
  await page.locator('section.pg-panel:not([hidden]) label.pg-check', { hasText: 'Hide runtime frames' }).click();
});

test("the interpreter's inlined frames are runtime frames too", async () => {
  const { page } = br;
  const folded = path.join(work, 'python.folded');
  fs.writeFileSync(folded, [
    'python3;_start;Py_BytesMain;pymain_main [inlined];pyrun_file [inlined];run_mod;' +
      '_PyEval_EvalFrame [inlined];<module> (app.py:9);main (app.py:3);work (app.py:5) 30',
    'python3;_start;Py_BytesMain;pymain_main [inlined];pyrun_file [inlined];run_mod;' +
      '_PyEval_EvalFrame [inlined];<module> (app.py:9);main (app.py:4);encoder_call;helper [inlined] 10',
  ].join('\n') + '\n');
  const html = path.join(work, 'python.html');
  profgate(['flamegraph', folded, '-o', html]);
  await openReport(page, html);
  for (const name of ['pyrun_file [inlined]', '_PyEval_EvalFrame [inlined]', 'pymain_main [inlined]', 'run_mod'])
    assert.equal(await locate(page, name), null, `${name} is hidden by default`);
  assert.ok(await locate(page, 'main (app.py:3)'), "the program's frames stay");
  assert.ok(await locate(page, 'helper [inlined]'), 'an inlined function of the program stays');
  await page.locator('section.pg-panel:not([hidden]) label.pg-check', { hasText: 'Hide runtime frames' }).click();
  assert.ok(await locate(page, '_PyEval_EvalFrame [inlined]'), 'shown when asked');
  await page.locator('section.pg-panel:not([hidden]) label.pg-check', { hasText: 'Hide runtime frames' }).click();
});

test('icicle and reversed views', async () => {
  const { page } = br;
  await openReport(page, files.ratio);
  const flameRoot = await locate(page, 'pg_ratio31');
  const flameLeaf = await locate(page, 'work_heavy');
  assert.ok(flameRoot.y > flameLeaf.y, 'a flame graph has its root at the bottom');
  await page.locator('section.pg-panel:not([hidden]) label.pg-check', { hasText: 'Icicle' }).click();
  const iceRoot = await locate(page, 'pg_ratio31');
  const iceLeaf = await locate(page, 'work_heavy');
  assert.ok(iceRoot.y < iceLeaf.y, 'an icicle has its root on top');
  await shot(page, 'flamegraph-cpu-icicle');
  await page.locator('section.pg-panel:not([hidden]) label.pg-check', { hasText: 'Icicle' }).click();
  await page.locator('section.pg-panel:not([hidden]) label.pg-check', { hasText: 'Reversed' }).click();
  // The leaf is burn(), inlined into work_heavy(): reversed, it is a
  // root and work_heavy its caller one row further.
  const revLeaf = await locate(page, 'burn [inlined]');
  assert.ok(revLeaf, 'the inlined leaf is drawn');
  assert.equal(revLeaf.depth, 1, 'reversed: the leaf function is a root');
  const rev = await locate(page, 'work_heavy');
  assert.equal(rev.depth, 2, 'reversed: its caller is one row further');
  await hover(page, 'work_heavy');
  assert.match(await tooltipText(page), /% of total/);
  await shot(page, 'flamegraph-cpu-reversed');
});

test('a profile without threads says so in the thread filter', async () => {
  const { page } = br;
  await openReport(page, files.ratio);
  const select = page.locator('section.pg-panel:not([hidden]) select.pg-select');
  assert.equal(await select.isDisabled(), true);
  assert.match(await select.getAttribute('title'), /does not record which thread/);
});

test('a wall-clock flame graph shows waiting apart from running', async () => {
  const { page } = br;
  await openReport(page, files.sleeper);
  assert.equal(await page.evaluate(() => window.__pg.active), 'wall');
  const at = await locate(page, '[waiting]');
  assert.ok(at, '[waiting] frames are drawn');
  assert.deepEqual(await pixelAt(page, CANVAS, at.x, at.y - 6), WAITING);
  assert.ok(await locate(page, 'busy_work'));
  await hover(page, 'busy_work');
  assert.match(await tooltipText(page), /busy_work/);
  await shot(page, 'flamegraph-wall');
});

test('hostile frame names stay text everywhere', async () => {
  const { page } = br;
  await openReport(page, files.hostile);
  const names = ['<img src=x onerror="window.__x=1">', '</script><script>window.__x=2</script>',
    '<svg onload=window.__x=3>', '</SCRIPT >', '<!--', '-->', "\"quoted\" 'single' `back` ${window.__x=4}",
    "{{constructor.constructor('window.__x=5')()}}", 'javascript:window.__x=6', 'a & b < c > d',
    'emoji 🔥 ünïcödé 中文', 'operator<<(std::ostream&, Foo const&)'];
  const title = await page.locator('h1.pg-title').textContent();
  assert.equal(title, '<img src=x onerror="window.__x=7">');
  for (const name of names) {
    const at = await hover(page, name);
    assert.ok(at, `${name} is drawn`);
    const tip = await page.locator('.pg-tooltip .pg-tt-name').textContent();
    assert.equal(tip, name, 'the tooltip shows the name as text');
  }
  await shot(page, 'flamegraph-hostile-hover');
  // Zoom into one: its crumb is text too.
  const img = await locate(page, names[0]);
  await page.mouse.click(img.x, img.y);
  const crumb = page.locator('section.pg-panel:not([hidden]) .pg-crumb').last();
  assert.equal(await crumb.textContent(), names[0]);
  assert.equal(await crumb.evaluate((e) => e.children.length), 0);
  await page.keyboard.press('Escape');
  const input = page.locator('section.pg-panel:not([hidden]) input[type=search]');
  await input.fill('<');
  await input.press('Enter');
  assert.match(await page.locator('section.pg-panel:not([hidden]) .pg-matched').textContent(), /Matched/);
  await shot(page, 'flamegraph-hostile-search');
  const state = await page.evaluate(() => ({
    x: window.__x,
    markup: document.querySelectorAll('img, svg, iframe, object, embed, script:not([id]):not([type])').length,
    scripts: document.scripts.length,
    title: document.title,
  }));
  assert.equal(state.x, undefined, 'no name ran as script');
  assert.equal(state.markup, 1, 'only the report\'s own script element');
  assert.equal(state.scripts, 2);
  assert.equal(state.title, '<img src=x onerror="window.__x=7"> — profgate');
});

test('template argument lists are collapsed in labels and crumbs by default, a toggle shows them, hover keeps them', async () => {
  const { page } = br;
  await openReport(page, files.templates);
  const box = page.locator('section.pg-panel:not([hidden]) label.pg-check', { hasText: 'Collapse templates' })
    .locator('input');
  assert.equal(await box.isChecked(), true, 'collapsed by default');
  // The labels are canvas text: record what the next redraws write.
  await page.evaluate(() => {
    window.__texts = [];
    const fill = CanvasRenderingContext2D.prototype.fillText;
    CanvasRenderingContext2D.prototype.fillText = function (t, ...rest) {
      window.__texts.push(String(t));
      return fill.call(this, t, ...rest);
    };
  });
  const drawn = () => page.evaluate(() => window.__texts.splice(0));
  await box.uncheck();
  let texts = await drawn();
  assert.ok(texts.includes('std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>'), texts.join(' | '));
  assert.ok(texts.includes('weighted_score<Record> [inlined]'), texts.join(' | '));
  await shot(page, 'flamegraph-templates-expanded');
  await box.check();
  texts = await drawn();
  assert.ok(texts.includes('std::vector<…>::_M_realloc_insert<…>'), texts.join(' | '));
  assert.ok(texts.includes('weighted_score<…> [inlined]'), texts.join(' | '));
  assert.ok(texts.includes('std::operator<< <…>'), texts.join(' | '));
  assert.ok(texts.includes('operator new'));
  assert.ok(!texts.some((t) => t.includes('allocator')), 'no argument list left');
  // Hover: the whole name, whatever the labels show.
  await hover(page, 'std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>');
  assert.equal(await page.locator('.pg-tooltip .pg-tt-name').textContent(),
    'std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>');
  await shot(page, 'flamegraph-templates-hover');
  // Zoomed in: the crumb is collapsed too, its title has the whole name.
  const at = await locate(page, 'weighted_score<Record> [inlined]');
  await page.mouse.click(at.x, at.y);
  const crumb = page.locator('section.pg-panel:not([hidden]) .pg-crumb').last();
  assert.equal(await crumb.textContent(), 'weighted_score<…> [inlined]');
  assert.equal(await crumb.getAttribute('title'), 'Zoom to weighted_score<Record> [inlined]');
  await box.uncheck();
  assert.equal(await crumb.textContent(), 'weighted_score<Record> [inlined]');
  await box.check();
  await page.keyboard.press('Escape');
});

test('the static SVG zooms on click, searches, and shows details', async () => {
  const { page } = br;
  await page.goto(pathToFileURL(files.ratioSvg).href);
  await page.waitForSelector('g.f');
  const frame = async (name) => page.evaluate((n) => {
    for (const g of document.querySelectorAll('g.f')) {
      if (g.querySelector('title').textContent.startsWith(n + ' (')) {
        g.querySelector('rect').scrollIntoView({ block: 'center' });
        const r = g.querySelector('rect').getBoundingClientRect();
        return { x: r.x + Math.min(r.width, 20) / 2, y: r.y + r.height / 2, width: r.width, shown: g.style.display !== 'none' };
      }
    }
    return null;
  }, name);
  const light = await frame('work_light');
  assert.ok(light && light.shown);
  await page.mouse.move(light.x, light.y);
  assert.match(await page.locator('#details').textContent(), /^Function: work_light \([\d,]+ samples, [\d.]+%\)$/);
  await page.mouse.click(light.x, light.y);
  const zoomed = await frame('work_light');
  assert.ok(zoomed.width > 1150, `zoomed width ${zoomed.width}`);
  assert.equal((await frame('work_heavy')).shown, false);
  assert.equal(await page.locator('#reset').evaluate((e) => e.style.opacity), '1');
  await page.locator('#reset').click();
  assert.equal((await frame('work_heavy')).shown, true);
  br.answer = 'work_';
  await page.locator('#search').click();
  assert.match(await page.locator('#matched').textContent(), /^Matched: (9\d|100)\.\d\d%$/);
  const fill = await page.evaluate(() => {
    for (const g of document.querySelectorAll('g.f')) {
      if (g.querySelector('title').textContent.startsWith('work_heavy (')) return g.querySelector('rect').getAttribute('fill');
    }
    return null;
  });
  assert.equal(fill, 'rgb(230,0,230)');
  await page.screenshot({ path: path.join(env('PG_SCREENSHOTS', 'screenshots'), 'flamegraph-svg-search.png') });
});
