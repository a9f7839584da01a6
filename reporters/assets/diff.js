/*
 * profgate's differential flame graph (the page reporters/diff.c writes):
 * the merged call tree of a BEFORE and an AFTER profile, drawn with the
 * report's flame graph widget (report.js, embedded just before this file,
 * hands its pieces over as window.__pgLib) in AFTER's shape or BEFORE's,
 * each frame coloured by how much its weight changed: red where it grew,
 * blue where it shrank, white where it did not, the colour's strength
 * proportional to the change over the largest change of any frame. Under
 * the graph, the functions that changed most.
 *
 * The colour ("Colour by") is the change in the frame's self weight (where
 * the time or the bytes went, as in flamegraph.pl's differential graphs),
 * in its total weight along that path, or in its function's total weight
 * across all paths ("Function": every frame of a function has the same
 * colour, so that work that moved to other call paths is not drawn as new
 * or gone). The page opens in function mode when the call paths changed a
 * lot (d.colour, chosen by diff.c), else in self mode. The table lists the
 * functions by the change of their self weight. Weights are BEFORE's scaled to AFTER's
 * total ("Normalized") or as measured ("Absolute"); the page keeps the
 * unscaled numbers and scales as it draws.
 *
 * Frame names are data: they reach the page only through textContent and
 * canvas fillText. Nothing here loads anything.
 */
(function () {
  'use strict';

  const L = window.__pgLib;
  const el = L.el, fmtInt = L.fmtInt, fmtBytes = L.fmtBytes, fmtSeconds = L.fmtSeconds, fmtPct = L.fmtPct;
  const FlameGraph = L.FlameGraph, ROOT_NAME = L.ROOT_NAME, MERGED_NAME = L.MERGED_NAME;

  const BEFORE = 0, AFTER = 1;
  const SIDE_NAMES = ['BEFORE', 'AFTER'];
  // The full colours of the largest growth and shrinkage; no change is
  // white. The SVG (diff_svg.c) uses the same.
  const GREW = [214, 39, 40];
  const SHRANK = [33, 102, 172];
  const LEVELS = 256;
  const TABLE_ROWS = 20;

  // WCAG's relative luminance of an sRGB colour.
  function luminance(rgb) {
    const lin = function (c) { const v = c / 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]);
  }

  // LEVELS steps from white to the full colour, and whether labels on
  // each read better in white (luminance below 0.179, where the contrasts
  // of black and white text are equal).
  function ramp(full) {
    const fill = [], light = [];
    for (let k = 0; k < LEVELS; k++) {
      const t = k / (LEVELS - 1);
      const rgb = [0, 1, 2].map(function (c) { return Math.round(255 - t * (255 - full[c])); });
      fill.push('rgb(' + rgb.join(',') + ')');
      light.push(luminance(rgb) < 0.179);
    }
    return { fill: fill, light: light };
  }
  const GREW_RAMP = ramp(GREW);
  const SHRANK_RAMP = ramp(SHRANK);

  // t in [-1, 1]: the change over the largest change.
  function level(t) { return Math.min(LEVELS - 1, Math.round(Math.abs(t) * (LEVELS - 1))); }
  const NOISE_FILL = '#dde1e6';
  function changeColour(t) { return (t >= 0 ? GREW_RAMP : SHRANK_RAMP).fill[level(t)]; }
  function lightText(t) { return (t >= 0 ? GREW_RAMP : SHRANK_RAMP).light[level(t)]; }

  let data;

  // ------------------------------------------------------------------
  // Numbers.

  function Units(unit, hz) {
    this.bytes = unit === 'bytes';
    this.hz = hz;
  }
  // A weight, short: "1,234" samples or "1.50 MiB".
  Units.prototype.short = function (v) {
    return this.bytes ? fmtBytes(Math.max(0, v)) : fmtInt(v);
  };
  // A weight with its unit: "1,234 samples (1.23 s)" or "1.50 MiB".
  Units.prototype.long = function (v) {
    if (this.bytes) return fmtBytes(Math.max(0, v));
    const n = Math.round(v);
    return fmtInt(n) + (n === 1 ? ' sample' : ' samples') + (this.hz > 0 ? ' (' + fmtSeconds(v / this.hz) + ')' : '');
  };
  // A change: "+1,234", "−1.50 MiB", "0".
  Units.prototype.delta = function (d) {
    // Below half a sample or a byte: what scaling leaves of no change.
    if (Math.abs(d) < 0.5) return '0';
    return (d > 0 ? '+' : '−') + this.short(Math.abs(d));
  };

  // A relative change: "+50.0%", "−100%", "new" (from nothing, unless
  // notNew: a self weight of a frame that was there), "".
  function fmtChange(before, after, notNew) {
    if (before === 0) return after > 0 && !notNew ? 'new' : '';
    const r = 100 * (after - before) / before;
    if (Math.abs(r) < 0.05) return '±0%';
    const a = Math.abs(r);
    return (r > 0 ? '+' : '−') + (a >= 1000 ? fmtInt(a) : a.toFixed(a >= 100 ? 0 : 1)) + '%';
  }

  // A change of share in percentage points: "+12.3 pp".
  function fmtPoints(pp) {
    if (Math.abs(pp) < 0.005) return '±0 pp';
    return (pp > 0 ? '+' : '−') + Math.abs(pp).toFixed(Math.abs(pp) >= 10 ? 1 : 2) + ' pp';
  }

  // ------------------------------------------------------------------
  // The comparison: the scale of BEFORE's weights, shared by the graph,
  // the table and the header.

  function Comparison(d) {
    this.total = [d.before.total, d.after.total];
    this.stacks = [d.before.stacks, d.after.stacks];
    this.normalized = !!d.normalize;
    this.colourBy = d.colour === 'function' ? 'function' : 'self';
    this.units = new Units(d.unit, d.hz);
    this.listeners = [];
    // Interleaved mode: only these functions changed significantly
    // across the pairs; every other frame is drawn neutral.
    this.paired = Array.isArray(d.significant);
    this.significant = new Set(this.paired ? d.significant : []);
  }
  Comparison.prototype.scale = function () {
    return this.normalized && this.total[BEFORE] > 0 ? this.total[AFTER] / this.total[BEFORE] : 1;
  };
  Comparison.prototype.changed = function () {
    for (const f of this.listeners) f();
  };

  // ------------------------------------------------------------------
  // The graph: report.js's FlameGraph with a differential view.

  function DiffGraph(panel, prof, cmp) {
    this.cmp = cmp;
    // AFTER's shape, unless AFTER is empty: then what was removed.
    this.shape = cmp.total[AFTER] === 0 && cmp.total[BEFORE] > 0 ? BEFORE : AFTER;
    const self = this;
    FlameGraph.call(this, panel, prof, {
      palette: 'cpu', unit: cmp.units.bytes ? 'bytes' : 'samples', threads: false,
      beforeGraph: function (p) { self.makeBar(p); },
    });
    this.outline = 'rgba(31,41,51,0.18)';
    this.canvas.setAttribute('aria-label', 'Differential flame graph; hover a frame for its weights before and after');
    this.status.textContent = 'Click a frame to zoom in, click below it to zoom out; hover for before and after. ' +
      'Keys: / search, B switch between AFTER and BEFORE, Esc reset.';
    cmp.listeners.push(function () {
      self.updateBar();
      self.prepareView(self.view);
      self.computeSearch();
      self.draw();
    });
    this.updateBar();
  }
  DiffGraph.prototype = Object.create(FlameGraph.prototype);
  DiffGraph.prototype.constructor = DiffGraph;

  // A group of buttons of which one is pressed.
  function segmented(label, options, title, onPick) {
    const box = el('div', 'pg-seg');
    box.setAttribute('role', 'radiogroup');
    box.setAttribute('aria-label', label);
    if (title) box.title = title;
    box.appendChild(el('span', 'pg-seg-label', label));
    const buttons = options.map(function (o) {
      const b = el('button', 'pg-seg-button', o.text);
      b.type = 'button';
      b.setAttribute('role', 'radio');
      b.dataset.value = o.value;
      if (o.title) b.title = o.title;
      b.addEventListener('click', function () { onPick(o.value); });
      box.appendChild(b);
      return b;
    });
    return {
      element: box,
      set: function (value) {
        for (const b of buttons) {
          const on = b.dataset.value === String(value);
          b.classList.toggle('pg-on', on);
          b.setAttribute('aria-checked', on ? 'true' : 'false');
        }
      },
    };
  }

  DiffGraph.prototype.makeBar = function (panel) {
    const self = this, cmp = this.cmp;
    const bar = el('div', 'pg-toolbar pg-diff-bar');
    this.shapeSwitch = segmented('Shape', [
      { value: AFTER, text: 'AFTER', title: 'Frames as wide as their weight in AFTER (what runs now)' },
      { value: BEFORE, text: 'BEFORE', title: 'Frames as wide as their weight in BEFORE: shows the stacks that are gone' },
    ], 'Which profile gives the frames their widths (key B)', function (v) { self.setShape(Number(v)); });
    bar.appendChild(this.shapeSwitch.element);
    this.scaleSwitch = segmented('Weights', [
      { value: 'normalized', text: 'Normalized', title: 'BEFORE scaled to AFTER\'s total: changes of proportion' },
      { value: 'absolute', text: 'Absolute', title: 'Both as measured: changes of amount' },
    ], null, function (v) { cmp.normalized = v === 'normalized'; cmp.changed(); });
    bar.appendChild(this.scaleSwitch.element);
    this.colourSwitch = segmented('Colour by', [
      { value: 'self', text: 'Self', title: 'The change of the weight spent in the frame itself' },
      { value: 'total', text: 'Total', title: 'The change of the weight spent in the frame and everything it called' },
      { value: 'function', text: 'Function', title: 'The change of the function\'s total weight across all call paths: ' +
        'the same colour for every frame of a function' },
    ], null, function (v) { cmp.colourBy = v; cmp.changed(); });
    bar.appendChild(this.colourSwitch.element);
    bar.appendChild(el('div', 'pg-spacer'));
    const legend = el('div', 'pg-diff-legend');
    legend.setAttribute('aria-label', 'Colour scale');
    this.legendLow = el('span', 'pg-diff-legend-end pg-shrank');
    this.legendHigh = el('span', 'pg-diff-legend-end pg-grew');
    legend.appendChild(this.legendLow);
    legend.appendChild(el('span', 'pg-diff-gradient'));
    legend.appendChild(this.legendHigh);
    bar.appendChild(legend);
    panel.appendChild(bar);
    // Said when the shape drawn has nothing in it.
    this.emptyNote = el('div', 'pg-note');
    this.emptyNote.hidden = true;
    panel.appendChild(this.emptyNote);
  };

  DiffGraph.prototype.updateBar = function () {
    const cmp = this.cmp;
    if (!this.shapeSwitch) return;
    this.shapeSwitch.set(this.shape);
    this.scaleSwitch.set(cmp.normalized ? 'normalized' : 'absolute');
    this.colourSwitch.set(cmp.colourBy);
    const max = this.view ? this.maxChange(this.view) : 0;
    const what = cmp.colourBy === 'self' ? 'self weight' : cmp.colourBy === 'total' ? 'total weight' :
      'function\'s total weight across all paths';
    this.legendLow.textContent = 'shrank ' + (max > 0 ? cmp.units.delta(-max) : '');
    this.legendHigh.textContent = (max > 0 ? cmp.units.delta(max) : '') + ' grew';
    this.legendLow.parentNode.title = 'Colour of a frame by the change of its ' + what + ', from the largest ' +
      'shrinkage (blue) through no change (white) to the largest growth (red)';
    const other = this.shape === AFTER ? BEFORE : AFTER;
    let empty = '';
    if (cmp.total[this.shape] === 0) {
      empty = cmp.total[other] === 0 ? 'Neither profile has any ' + (cmp.units.bytes ? 'bytes' : 'samples') +
        ': there is nothing to compare.' : SIDE_NAMES[this.shape] + ' is empty: switch to ' + SIDE_NAMES[other] +
        '\'s shape to see what ' + (this.shape === AFTER ? 'was removed.' : 'was added.');
    }
    this.emptyNote.textContent = empty;
    this.emptyNote.hidden = !empty;
  };

  DiffGraph.prototype.setShape = function (shape) {
    if (shape === this.shape) return;
    this.shape = shape;
    const v = this.view;
    this.prepareView(v);
    // The zoomed frame may have no width in this shape: its nearest
    // ancestor that has.
    let z = this.zoom;
    while (z !== 0 && !(v.total[z] > 0)) z = v.parent[z];
    this.zoom = z;
    this.hover = -1;
    L.hideTooltip();
    this.computeSearch();
    this.updateBar();
    this.draw();
    if (window.__pg) window.__pg.shape = SIDE_NAMES[shape];
  };

  // The shape's weights become the view's: layout and search use them.
  DiffGraph.prototype.prepareView = function (v) {
    v.self = v.colSelf[this.shape];
    v.total = v.colTotal[this.shape];
    v.maxKey = null;
  };

  DiffGraph.prototype.weights = function (v, node) {
    const s = this.cmp.scale();
    return {
      selfBefore: v.colSelf[BEFORE][node] * s, selfAfter: v.colSelf[AFTER][node],
      totalBefore: v.colTotal[BEFORE][node] * s, totalAfter: v.colTotal[AFTER][node],
    };
  };

  // Each function's total weight per side across all its paths, by name
  // index: a frame counts unless a frame of the same name is above it (the
  // samples of a recursion are spent once). Merged boxes have no function.
  DiffGraph.prototype.functionTotals = function (v) {
    if (v.fnTotal) return v.fnTotal;
    const fn = [new Map(), new Map()];
    for (let c = 1; c < v.n; c++) {
      const nm = v.name[c];
      if (nm === MERGED_NAME || nm === ROOT_NAME) continue;
      let p = v.parent[c], nested = false;
      while (p > 0 && !nested) { nested = v.name[p] === nm; p = v.parent[p]; }
      if (nested) continue;
      for (let k = 0; k < 2; k++) fn[k].set(nm, (fn[k].get(nm) || 0) + v.colTotal[k][c]);
    }
    v.fnTotal = fn;
    return fn;
  };

  DiffGraph.prototype.change = function (v, node) {
    if (this.cmp.colourBy === 'function') {
      const nm = v.name[node];
      if (node === 0 || nm === MERGED_NAME) return 0;
      const fn = this.functionTotals(v);
      return (fn[AFTER].get(nm) || 0) - (fn[BEFORE].get(nm) || 0) * this.cmp.scale();
    }
    const cols = this.cmp.colourBy === 'self' ? v.colSelf : v.colTotal;
    return cols[AFTER][node] - cols[BEFORE][node] * this.cmp.scale();
  };

  // The largest |change| of any frame of the view, in the current mode
  // (the same in both shapes, so that a frame keeps its colour). By total
  // or by function, the program frames (depth 1) do not count: their change
  // is the whole profile's, which would pale every function under them.
  DiffGraph.prototype.maxChange = function (v) {
    const key = this.cmp.colourBy + '|' + this.cmp.scale();
    if (v.maxKey === key) return v.maxValue;
    const skipPrograms = this.cmp.colourBy !== 'self';
    let max = 0;
    for (let c = 0; c < v.n; c++) {
      if (skipPrograms && (c === 0 || v.parent[c] === 0)) continue;
      const d = Math.abs(this.change(v, c));
      if (d > max) max = d;
    }
    v.maxKey = key;
    v.maxValue = max;
    return max;
  };

  DiffGraph.prototype.strength = function (d) {
    const max = this.maxChange(this.view);
    if (!(max > 0)) return 0;
    // Differences of rounding after scaling are no change.
    if (Math.abs(d) < max * 1e-9) return 0;
    return Math.max(-1, Math.min(1, d / max));
  };

  // A frame whose function's change is not significant across the pairs.
  DiffGraph.prototype.withinNoise = function (node) {
    return this.cmp.paired && !this.cmp.significant.has(this.prof.nameOf(this.view.name[node]));
  };

  DiffGraph.prototype.fillOf = function (node) {
    if (this.withinNoise(node)) return NOISE_FILL;
    return changeColour(this.strength(this.change(this.view, node)));
  };

  DiffGraph.prototype.textFill = function (node) {
    if (this.withinNoise(node)) return '#111';
    return lightText(this.strength(this.change(this.view, node))) ? '#ffffff' : '#111';
  };

  DiffGraph.prototype.runChange = function (run) {
    const v = this.view;
    let d = 0;
    for (let k = run.from; k < run.to; k++) d += this.change(v, v.children[k]);
    return d;
  };

  DiffGraph.prototype.runFill = function (run) {
    if (this.cmp.paired) return NOISE_FILL;
    return changeColour(this.strength(this.runChange(run)));
  };

  DiffGraph.prototype.rootLabel = function () {
    const w = this.weights(this.view, 0);
    const cmp = this.cmp;
    const now = this.shape === AFTER ? w.totalAfter : w.totalBefore;
    let label = 'all · ' + SIDE_NAMES[this.shape] + ' ' + cmp.units.long(now);
    const ch = fmtChange(w.totalBefore, w.totalAfter);
    if (ch) label += ' · ' + ch;
    return label;
  };

  // The share below which frames were merged (the mean of a frame's
  // shares of BEFORE and AFTER): "0.02%" or "1/250,000".
  function fmtShare(share) {
    return share >= 0.0001 ? fmtPct(100 * share) : '1/' + fmtInt(1 / share);
  }

  DiffGraph.prototype.mergedNote = function () {
    const prof = this.prof;
    if (!(prof.mergedNodes > 0)) return null;
    return 'These profiles have ' + fmtInt(this.cmp.stacks[BEFORE]) + ' and ' + fmtInt(this.cmp.stacks[AFTER]) +
      ' distinct stacks. To keep the page small, ' + fmtInt(prof.mergedNodes) + ' frames lighter than ' +
      fmtShare(prof.threshold) + ' of the profiles were merged into "[merged narrow frames]" boxes. ' +
      'Every total is exact; search does not see inside merged boxes.';
  };

  DiffGraph.prototype.mergedHint = function (node) {
    return fmtInt(this.view.merged[node]) + ' frames, each lighter than ' + fmtShare(this.prof.threshold) +
      ' of the profiles, merged when the page was written; the totals are exact.';
  };

  DiffGraph.prototype.matchedText = function (s) {
    if (!s.count) return 'no match';
    const v = this.view, sc = this.cmp.scale(), u = this.cmp.units;
    let b = 0, a = 0;
    for (const c of s.tops) { b += v.colTotal[BEFORE][c] * sc; a += v.colTotal[AFTER][c]; }
    const share = 100 * s.sum / v.total[0];
    const ch = fmtChange(b, a);
    return 'Matched ' + fmtPct(share) + ' · ' + u.short(b) + ' → ' + u.short(a) + (ch ? ' (' + ch + ')' : '');
  };

  // The tooltip: name, what happened, then before / after / change.
  DiffGraph.prototype.describeWeights = function (title, w, rows) {
    const cmp = this.cmp, u = cmp.units;
    const all = [this.cmp.total[BEFORE] * cmp.scale(), this.cmp.total[AFTER]];
    rows.push({ text: title, cls: 'pg-tt-name' });
    let what, cls;
    if (w.totalBefore === 0 && w.totalAfter > 0) { what = 'new in AFTER'; cls = 'pg-tt-grew'; }
    else if (w.totalAfter === 0 && w.totalBefore > 0) { what = 'gone in AFTER'; cls = 'pg-tt-shrank'; }
    else {
      const d = cmp.colourBy === 'self' ? w.selfAfter - w.selfBefore :
        cmp.colourBy === 'function' && w.fnAfter !== undefined ? w.fnAfter - w.fnBefore : w.totalAfter - w.totalBefore;
      const s = this.strength(d);
      const kind = cmp.colourBy === 'self' ? 'self weight ' : cmp.colourBy === 'function' && w.fnAfter !== undefined ?
        'the function (all paths) ' : '';
      what = s > 0 ? kind + 'grew' : s < 0 ? kind + 'shrank' : 'unchanged';
      cls = s > 0 ? 'pg-tt-grew' : s < 0 ? 'pg-tt-shrank' : 'pg-tt-same';
    }
    rows.push({ text: what, cls: 'pg-tt-verdict ' + cls });
    rows.push({ cells: [{ text: '' }, { text: 'Before', cls: 'h' }, { text: 'After', cls: 'h' }, { text: 'Change', cls: 'h' }],
      cls: 'pg-tt-head' });
    const line = function (label, b, a) {
      const d = a - b;
      const ch = fmtChange(b, a, w.totalBefore > 0);
      rows.push({ cells: [{ text: label, cls: 'k' }, { text: u.short(b), cls: 'n' }, { text: u.short(a), cls: 'n' },
        { text: u.delta(d) + (ch && ch !== '±0%' ? ' (' + ch + ')' : ''), cls: 'n ' + (d > 0.5 ? 'up' : d < -0.5 ? 'down' : '') }] });
    };
    line('Total', w.totalBefore, w.totalAfter);
    line('Self', w.selfBefore, w.selfAfter);
    if (w.fnAfter !== undefined) line('All paths', w.fnBefore, w.fnAfter);
    const sb = all[BEFORE] > 0 ? 100 * w.totalBefore / all[BEFORE] : 0;
    const sa = all[AFTER] > 0 ? 100 * w.totalAfter / all[AFTER] : 0;
    rows.push({ cells: [{ text: '% of total', cls: 'k' }, { text: fmtPct(sb), cls: 'n' }, { text: fmtPct(sa), cls: 'n' },
      { text: fmtPoints(sa - sb), cls: 'n ' + (sa - sb > 0.005 ? 'up' : sa - sb < -0.005 ? 'down' : '') }] });
    if (!u.bytes && u.hz > 0) {
      rows.push({ cells: [{ text: 'Time', cls: 'k' }, { text: fmtSeconds(w.totalBefore / u.hz), cls: 'n' },
        { text: fmtSeconds(w.totalAfter / u.hz), cls: 'n' }, { text: '', cls: 'n' }] });
    }
    rows.push({ text: (u.bytes ? 'Bytes' : 'Samples') + (cmp.normalized ? '; BEFORE scaled ×' + cmp.scale().toPrecision(4) +
      ' to AFTER\'s total' : ', as measured'), cls: 'pg-tt-hint' });
  };

  DiffGraph.prototype.describe = function (i) {
    const v = this.view, b = this.boxes, prof = this.prof;
    const rows = [];
    if (b.node[i] < 0) {
      const run = this.runs[b.run[i]];
      const s = this.cmp.scale();
      const w = { selfBefore: 0, selfAfter: 0, totalBefore: 0, totalAfter: 0 };
      for (let k = run.from; k < run.to; k++) {
        const c = v.children[k];
        w.selfBefore += v.colSelf[BEFORE][c] * s;
        w.selfAfter += v.colSelf[AFTER][c];
        w.totalBefore += v.colTotal[BEFORE][c] * s;
        w.totalAfter += v.colTotal[AFTER][c];
      }
      this.describeWeights(fmtInt(run.count) + ' frames narrower than a pixel', w, rows);
      rows.push({ text: 'Click to zoom into the widest of them (' + prof.nameOf(v.name[run.best]) + ')', cls: 'pg-tt-hint' });
      return rows;
    }
    const node = b.node[i];
    const nm = v.name[node];
    const w = this.weights(v, node);
    if (node !== 0 && nm !== MERGED_NAME) {
      const fn = this.functionTotals(v);
      w.fnBefore = (fn[BEFORE].get(nm) || 0) * this.cmp.scale();
      w.fnAfter = fn[AFTER].get(nm) || 0;
    }
    this.describeWeights(nm === ROOT_NAME ? 'all (the whole profile)' : prof.nameOf(nm), w, rows);
    if (this.withinNoise(node) && node !== 0) {
      rows.push({ text: 'within noise: this function\'s change is not significant across the interleaved pairs',
        cls: 'pg-tt-hint' });
    }
    if (nm === MERGED_NAME) rows.push({ text: this.mergedHint(node), cls: 'pg-tt-hint' });
    else if (node === this.zoom && node !== 0) rows.push({ text: 'Click to zoom out', cls: 'pg-tt-hint' });
    else if (node !== 0) rows.push({ text: 'Click to zoom in', cls: 'pg-tt-hint' });
    return rows;
  };

  // For the browser tests and scripting: the weights of the first frame
  // named `name` in the view (scaled as shown), or null.
  DiffGraph.prototype.weightsOf = function (name) {
    const v = this.view, prof = this.prof;
    for (let c = 0; c < v.n; c++) {
      if ((c === 0 ? 'all' : prof.nameOf(v.name[c])) === name) return this.weights(v, c);
    }
    return null;
  };

  // ------------------------------------------------------------------
  // The table of the functions that changed most.

  function FunctionTable(parent, rows, count, cmp, graph) {
    this.rows = rows.map(function (r) {
      return { name: r[0], selfBefore: r[1], selfAfter: r[2], totalBefore: r[3], totalAfter: r[4] };
    });
    this.count = count;
    this.cmp = cmp;
    this.graph = graph;
    this.all = false;
    const self = this;
    const panel = el('section', 'pg-panel pg-fn-panel');
    const head = el('div', 'pg-toolbar pg-fn-head');
    head.appendChild(el('h2', 'pg-fn-title', 'Top changed functions'));
    this.caption = el('span', 'pg-fn-caption');
    head.appendChild(this.caption);
    head.appendChild(el('div', 'pg-spacer'));
    this.more = L.button('Show more', 'Show every function listed here', function () {
      self.all = !self.all;
      self.render();
    });
    head.appendChild(this.more);
    panel.appendChild(head);
    const wrap = el('div', 'pg-fn-wrap');
    this.table = el('table', 'pg-fn-table');
    const thead = el('thead');
    const tr = el('tr');
    const cols = [['Function', 'name'], ['Self before', 'num'], ['Self after', 'num'], ['Total before', 'num'],
      ['Total after', 'num'], ['Self change', 'num'], ['', 'bar']];
    for (const c of cols) tr.appendChild(el('th', c[1], c[0]));
    thead.appendChild(tr);
    this.table.appendChild(thead);
    this.tbody = el('tbody');
    this.table.appendChild(this.tbody);
    wrap.appendChild(this.table);
    panel.appendChild(wrap);
    parent.appendChild(panel);
    cmp.listeners.push(function () { self.render(); });
    L.settings.listeners.push(function () { self.render(); });
    L.settings.labelListeners.push(function () { self.render(); });
    this.render();
  }

  FunctionTable.prototype.render = function () {
    const cmp = this.cmp, u = cmp.units, s = cmp.scale();
    // The graph's "Hide runtime frames" leaves them out here too: their
    // totals only repeat main's.
    const hide = L.settings.hide;
    const rows = this.rows.filter(function (r) { return !hide || !L.isRuntimeFrame(r.name); }).map(function (r) {
      return { r: r, sb: r.selfBefore * s, sa: r.selfAfter, tb: r.totalBefore * s, ta: r.totalAfter };
    });
    // By the change of self weight: where the time or the bytes went. (By
    // total, main and the program's root would top every table.)
    rows.forEach(function (x) { x.d = x.sa - x.sb; });
    rows.sort(function (a, b) {
      const da = Math.abs(a.d), db = Math.abs(b.d);
      return da !== db ? db - da : a.r.name < b.r.name ? -1 : a.r.name > b.r.name ? 1 : 0;
    });
    const shown = this.all ? rows : rows.slice(0, TABLE_ROWS);
    const max = rows.length ? Math.abs(rows[0].d) : 0;
    this.tbody.textContent = '';
    const self = this;
    for (const x of shown) {
      const tr = el('tr');
      tr.title = 'Click to find ' + x.r.name + ' in the graph';
      const name = el('td', 'name');
      const shown = L.labelName(x.r.name);
      const span = el('span', 'pg-fn-name', shown);
      if (shown !== x.r.name) span.title = x.r.name;
      name.appendChild(span);
      tr.appendChild(name);
      tr.appendChild(el('td', 'num', u.short(x.sb)));
      tr.appendChild(el('td', 'num', u.short(x.sa)));
      tr.appendChild(el('td', 'num', u.short(x.tb)));
      tr.appendChild(el('td', 'num', u.short(x.ta)));
      const ch = fmtChange(x.sb, x.sa);
      const dir = x.d > 0.5 ? 'up' : x.d < -0.5 ? 'down' : '';
      tr.appendChild(el('td', 'num pg-fn-change ' + dir, u.delta(x.d) + (ch && ch !== '±0%' ? ' (' + ch + ')' : '')));
      const bar = el('td', 'bar');
      const fill = el('span', 'pg-fn-bar ' + dir);
      fill.style.width = (max > 0 ? Math.max(1, Math.round(100 * Math.abs(x.d) / max)) : 0) + '%';
      bar.appendChild(fill);
      tr.appendChild(bar);
      tr.addEventListener('click', function () { self.find(x.r.name); });
      this.tbody.appendChild(tr);
    }
    if (!rows.length) {
      const tr = el('tr');
      const td = el('td', 'pg-fn-empty', 'Neither profile has any function.');
      td.colSpan = 7;
      tr.appendChild(td);
      this.tbody.appendChild(tr);
    }
    this.caption.textContent = 'by change of self weight, ' +
      (u.bytes ? 'bytes' : 'samples') + (cmp.normalized ? ', BEFORE scaled ×' + s.toPrecision(4) + ' to AFTER\'s total'
        : ', as measured') + ' · ' + shown.length + ' of ' + fmtInt(this.count) + ' functions' +
      (hide ? ', runtime frames hidden' : '');
    this.more.hidden = rows.length <= TABLE_ROWS;
    this.more.textContent = this.all ? 'Show fewer' : 'Show ' + rows.length;
  };

  // Highlights the function in the graph through its search.
  FunctionTable.prototype.find = function (name) {
    const g = this.graph;
    const re = '/^' + name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + '$/';
    g.searchInput.value = re;
    g.setSearch(re);
    g.canvas.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  };

  // ------------------------------------------------------------------
  // The page.

  function header(root, cmp) {
    const u = cmp.units;
    const head = el('header', 'pg-header pg-diff-header');
    const line = el('div', 'pg-title-row');
    line.appendChild(el('span', 'pg-brand', 'profgate diff'));
    line.appendChild(el('h1', 'pg-title', data.title || 'Differential flame graph'));
    head.appendChild(line);
    const facts = el('dl', 'pg-facts');
    const fact = function (k, v, cls) {
      const d = el('div', 'pg-fact');
      d.appendChild(el('dt', '', k));
      d.appendChild(el('dd', cls || '', v));
      facts.appendChild(d);
      return d;
    };
    const side = function (k) {
      return u.long(cmp.total[k]) + ' · ' + fmtInt(cmp.stacks[k]) + (cmp.stacks[k] === 1 ? ' stack' : ' stacks');
    };
    fact('Before', side(BEFORE));
    fact('After', side(AFTER));
    const d = cmp.total[AFTER] - cmp.total[BEFORE];
    const ch = fmtChange(cmp.total[BEFORE], cmp.total[AFTER]);
    fact('Change', u.delta(d) + (ch ? ' (' + ch + ')' : ''), d > 0 ? 'pg-grew' : d < 0 ? 'pg-shrank' : '');
    if (!u.bytes && u.hz > 0) fact('Rate', fmtInt(u.hz) + ' Hz');
    head.appendChild(facts);
    root.appendChild(head);
  }

  function main() {
    data = JSON.parse(document.getElementById('pg-data').textContent);
    const root = document.getElementById('app');
    document.body.appendChild(L.tooltip);
    const cmp = new Comparison(data);
    header(root, cmp);

    const t = data.tree;
    const n = t.depth.length;
    const before = Float64Array.from(t.before), after = Float64Array.from(t.after);
    const both = new Float64Array(n);
    for (let i = 0; i < n; i++) both[i] = before[i] + after[i];
    const prof = new L.Profile({
      names: t.names, total: data.after.total, threshold: t.min_share, merged: t.merged, stacks: data.after.stacks,
      depth: t.depth, name: t.name, self: both, rest: t.rest, threads: [],
    }, data.unit, data.hz);
    prof.columns = [before, after];

    const body = el('main', 'pg-panels pg-diff-panels');
    root.appendChild(body);
    const panel = el('section', 'pg-panel');
    panel.dataset.tab = 'diff';
    body.appendChild(panel);
    const graph = new DiffGraph(panel, prof, cmp);
    graph.visible = true;
    graph.draw();
    const table = new FunctionTable(body, data.functions.rows, data.functions.count, cmp, graph);

    window.__pg = {
      ready: false,
      active: 'diff',
      tabs: ['diff'],
      shape: SIDE_NAMES[graph.shape],
      widget: function () { return graph; },
      table: table,
      locate: function (name) { return graph.locate(name); },
      setShape: function (s) { graph.setShape(s === 'BEFORE' ? BEFORE : AFTER); },
      setNormalized: function (on) { cmp.normalized = !!on; cmp.changed(); },
      setColourBy: function (by) { cmp.colourBy = by; cmp.changed(); },
      weightsOf: function (name) { return graph.weightsOf(name); },
    };

    let resizeTimer = 0;
    window.addEventListener('resize', function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () { graph.draw(); }, 100);
    });
    document.addEventListener('keydown', function (e) {
      const typing = e.target && (e.target.tagName === 'INPUT' || e.target.tagName === 'SELECT');
      if ((e.key === '/' && !typing) || ((e.ctrlKey || e.metaKey) && e.key === 'f')) {
        e.preventDefault();
        graph.searchInput.focus();
        graph.searchInput.select();
      } else if (e.key === 'Escape' && !typing) {
        graph.setZoom(0);
      } else if ((e.key === 'b' || e.key === 'B') && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        graph.setShape(graph.shape === AFTER ? BEFORE : AFTER);
      }
    });
    window.__pg.ready = true;
    document.body.dataset.ready = '1';
    if (window.performance && performance.mark) performance.mark('pg-first-paint');
  }

  main();
})();
