/*
 * profgate's HTML report: renders the JSON embedded in the page
 * (the element with id "pg-data", written by reporters/report_html.c) as tabs of
 * canvas flame graphs, a per-thread timeline and memory over time.
 *
 * Frame names are data: they reach the page only through textContent and
 * canvas fillText, never as markup. Nothing here loads anything.
 *
 * Speed: a profile arrives as its call tree in preorder (flat arrays). A
 * "view" (thread filter, hidden runtime frames, reversed stacks) is a new
 * tree built from it in one pass; drawing walks the zoomed subtree and stops
 * at frames narrower than a pixel, which are drawn merged, so the cost of a
 * frame of the animation depends on the screen, not on the profile.
 */
(function () {
  'use strict';

  // ------------------------------------------------------------------
  // Small helpers: elements, numbers, colours.

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function fmtInt(n) {
    return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  function fmtBytes(b) {
    if (b < 1024) return fmtInt(b) + ' B';
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let v = b / 1024;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)) + ' ' + units[u];
  }

  function fmtSeconds(s) {
    if (s === 0) return '0 s';
    if (s >= 100) return s.toFixed(0) + ' s';
    if (s >= 1) return s.toFixed(2) + ' s';
    if (s >= 0.001) return (s * 1000).toFixed(s >= 0.1 ? 0 : 1) + ' ms';
    return (s * 1e6).toFixed(0) + ' µs';
  }

  function fmtPct(x) {
    if (!isFinite(x)) return '–';
    if (x >= 10) return x.toFixed(1) + '%';
    if (x >= 0.01) return x.toFixed(2) + '%';
    if (x > 0) return '<0.01%';
    return '0%';
  }

  // FNV-1a over the name's UTF-8 bytes: the SVG writer (flamegraph_svg.c)
  // uses the same, so a function has one colour everywhere.
  function hashName(s) {
    let h = 0x811c9dc5;
    const add = function (b) { h = Math.imul(h ^ b, 16777619) >>> 0; };
    for (const ch of s) {
      const c = ch.codePointAt(0);
      if (c < 0x80) add(c);
      else if (c < 0x800) { add(0xc0 | c >> 6); add(0x80 | c & 63); }
      else if (c < 0x10000) { add(0xe0 | c >> 12); add(0x80 | c >> 6 & 63); add(0x80 | c & 63); }
      else { add(0xf0 | c >> 18); add(0x80 | c >> 12 & 63); add(0x80 | c >> 6 & 63); add(0x80 | c & 63); }
    }
    return h >>> 0;
  }

  const PALETTES = {
    // Warm hues for time, as flame graphs have always been.
    cpu: function (v1, v2, v3) { return [205 + 50 * v3, 70 + 160 * v1, 55 * v2]; },
    // Greens and teals for bytes.
    mem: function (v1, v2, v3) { return [40 + 60 * v3, 170 + 60 * v2, 70 + 130 * v1]; },
    // Cool greys for a thread that was waiting.
    wait: function (v1, v2, v3) { return [160 + 30 * v3, 176 + 30 * v2, 200 + 30 * v1]; },
  };
  const WAITING_COLOUR = 'rgb(180,196,214)';
  const colourCache = { cpu: new Map(), mem: new Map(), wait: new Map() };

  function frameColour(palette, name) {
    const cache = colourCache[palette];
    let c = cache.get(name);
    if (c === undefined) {
      if (name === '[waiting]') {
        c = WAITING_COLOUR;
      } else {
        const h = hashName(name);
        const rgb = PALETTES[palette]((h & 0xff) / 255, (h >>> 8 & 0xff) / 255, (h >>> 16 & 0xff) / 255);
        c = 'rgb(' + (rgb[0] | 0) + ',' + (rgb[1] | 0) + ',' + (rgb[2] | 0) + ')';
      }
      cache.set(name, c);
    }
    return c;
  }

  // Frames that the "hide runtime frames" toggle removes: the dynamic
  // loader, libc's start-up and thread start, profgate itself, and the
  // Python interpreter's own frames (its start-up, evaluator and call
  // machinery, and its unnamed frames; common/pynames.c has the same list).
  const RUNTIME_EXACT = new Set(['_start', '__libc_start_main', '__libc_start_call_main', '__clone3',
    'clone', 'clone3', '__clone', 'start_thread',
    '_PyEval_EvalFrameDefault', '_PyEval_EvalFrame', '_PyEval_Vector', '_PyFunction_Vectorcall',
    '_PyObject_MakeTpCall', '_PyObject_VectorcallTstate', 'PyObject_Vectorcall',
    'PyObject_VectorcallMethod', 'PyObject_VectorcallDict', '_PyObject_VectorcallDictTstate',
    '_PyObject_FastCallDictTstate', '_PyObject_Call', 'PyObject_Call', '_PyObject_Call_Prepend',
    'PyObject_CallOneArg', 'PyObject_CallNoArgs', '_PyObject_CallNoArgs', 'PyObject_CallObject',
    'PyObject_CallFunctionObjArgs', 'PyObject_CallMethodObjArgs', '_PyObject_CallMethod',
    'PyObject_CallMethod', 'object_vacall', 'cfunction_call', 'PyVectorcall_Call',
    '_PyVectorcall_Call', 'type_call', 'do_call_core', 'call_function', 'vectorcall_method',
    'vectorcall_unbound', 'gen_send_ex', 'gen_send_ex2', 'gen_iternext', 'PyIter_Next',
    '_PyEval_EvalCode', 'method_vectorcall', 'PyEval_EvalCode', 'PyEval_EvalCodeEx', 'run_mod',
    'run_eval_code_obj']);
  const RUNTIME_PREFIXES = ['_dl_', 'Py_', '_Py_', 'pymain_', 'pyrun_', '_PyRun_', 'PyRun_', '[python', '[libpython',
    'method_vectorcall_', 'cfunction_vectorcall_', 'slot_tp_', 'wrapper_call', 'wrapperdescr_call',
    'builtin_call'];
  function isRuntimeFrame(name) {
    // An inlined frame ("pyrun_file [inlined]") is the runtime's as much as
    // the function it stands for.
    if (name.endsWith(' [inlined]')) name = name.slice(0, -' [inlined]'.length);
    if (RUNTIME_EXACT.has(name) || name.indexOf('profgate') >= 0) return true;
    for (const p of RUNTIME_PREFIXES) if (name.startsWith(p)) return true;
    return false;
  }

  const MERGED_NAME = -2;   // name of a remainder node (report_html.c)
  const ROOT_NAME = -1;

  // ------------------------------------------------------------------
  // Profiles: the base tree as the report holds it.

  function Profile(json, unit, hz) {
    this.unit = unit;
    this.hz = hz;
    this.names = json.names;
    this.totalWeight = json.total;
    this.threshold = json.threshold;
    this.mergedNodes = json.merged;
    this.stackCount = json.stacks;
    const n = json.depth.length;
    this.n = n;
    this.depth = Int32Array.from(json.depth);
    this.name = Int32Array.from(json.name);
    this.self = Float64Array.from(json.self);
    this.parent = new Int32Array(n);
    const last = [];
    for (let i = 0; i < n; i++) {
      const d = this.depth[i];
      last[d] = i;
      this.parent[i] = d > 0 ? last[d - 1] : 0;
    }
    this.total = accumulate(this.self, this.parent);
    this.restCount = new Map();
    for (let i = 0; i + 1 < json.rest.length; i += 2) this.restCount.set(json.rest[i], json.rest[i + 1]);
    this.hidden = new Uint8Array(this.names.length);
    for (let k = 0; k < this.names.length; k++) this.hidden[k] = isRuntimeFrame(this.names[k]) ? 1 : 0;
    // Name order for siblings, as the C side sorts them.
    const order = this.names.map(function (s, i) { return i; });
    const names = this.names;
    order.sort(function (a, b) { return names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0; });
    this.rank = new Int32Array(this.names.length);
    for (let k = 0; k < order.length; k++) this.rank[order[k]] = k;
    this.threads = (json.threads || []).map(function (t) {
      let sum = 0;
      for (let i = 1; i < t.self.length; i += 2) sum += t.self[i];
      return { tid: t.tid, pairs: t.self, total: sum };
    });
    // More weights per base node that views add up alongside self (the
    // differential graph's BEFORE and AFTER, diff.js); none in a report.
    this.columns = [];
    this.views = new Map();
  }

  function accumulate(self, parent) {
    const total = Float64Array.from(self);
    for (let i = total.length - 1; i > 0; i--) total[parent[i]] += total[i];
    return total;
  }

  Profile.prototype.nameOf = function (k) {
    if (k === ROOT_NAME) return 'all';
    if (k === MERGED_NAME) return '[merged narrow frames]';
    return this.names[k];
  };

  Profile.prototype.threadSelf = function (tid) {
    const self = new Float64Array(this.n);
    for (const t of this.threads) {
      if (t.tid !== tid) continue;
      for (let i = 0; i + 1 < t.pairs.length; i += 2) self[t.pairs[i]] += t.pairs[i + 1];
    }
    return self;
  };

  // The view of a profile for the options: a tree of its own (arrays
  // indexed by view node, node 0 the root), cached per option set.
  Profile.prototype.view = function (opt) {
    const key = (opt.thread === null ? 'all' : opt.thread) + '|' + (opt.hide ? 1 : 0) + '|' + (opt.reversed ? 1 : 0);
    let v = this.views.get(key);
    if (!v) {
      v = opt.reversed ? buildReversed(this, opt) : buildView(this, opt);
      finishView(this, v);
      this.views.set(key, v);
    }
    return v;
  };

  function ViewBuilder(cap, ncols) {
    this.count = 0;
    this.cols = [];
    for (let k = 0; k < ncols; k++) this.cols.push(null);
    this.grow(Math.max(cap, 16));
  }
  ViewBuilder.prototype.grow = function (cap) {
    const old = this;
    const make = function (T, a) { const b = new T(cap); if (a) b.set(a.subarray(0, old.count)); return b; };
    this.name = make(Int32Array, this.name);
    this.parent = make(Int32Array, this.parent);
    this.depth = make(Int32Array, this.depth);
    this.self = make(Float64Array, this.self);
    this.merged = make(Float64Array, this.merged);
    for (let k = 0; k < this.cols.length; k++) this.cols[k] = make(Float64Array, this.cols[k]);
    this.cap = cap;
  };
  // Adds base node i's weights in the extra columns to view node c.
  ViewBuilder.prototype.addColumns = function (p, c, i) {
    for (let k = 0; k < this.cols.length; k++) this.cols[k][c] += p.columns[k][i];
  };
  ViewBuilder.prototype.add = function (name, parent) {
    if (this.count === this.cap) this.grow(this.cap * 2);
    const c = this.count++;
    this.name[c] = name;
    this.parent[c] = parent;
    this.depth[c] = c === 0 ? 0 : this.depth[parent] + 1;
    return c;
  };

  function buildView(p, opt) {
    const self = opt.thread === null ? p.self : p.threadSelf(opt.thread);
    const tot = opt.thread === null ? p.total : accumulate(self, p.parent);
    const b = new ViewBuilder(p.n, p.columns.length);
    const map = new Int32Array(p.n);
    // Hiding frames can make two children of one parent the same function:
    // they merge. Without hiding, the base tree's children are distinct.
    const merging = opt.hide;
    const keys = merging ? new Map() : null;
    const M = p.names.length + 2;
    b.add(ROOT_NAME, 0);
    b.self[0] = self[0];
    for (let i = 1; i < p.n; i++) {
      if (!(tot[i] > 0)) { map[i] = -1; continue; }
      const par = map[p.parent[i]];
      if (par < 0) { map[i] = -1; continue; }
      const nm = p.name[i];
      if (opt.hide && nm >= 0 && p.hidden[nm] && p.depth[i] > 1) {
        map[i] = par;
        b.self[par] += self[i];
        b.addColumns(p, par, i);
        continue;
      }
      let c;
      if (merging) {
        const k = par * M + nm + 2;
        c = keys.get(k);
        if (c === undefined) { c = b.add(nm, par); keys.set(k, c); }
      } else {
        c = b.add(nm, par);
      }
      map[i] = c;
      b.self[c] += self[i];
      b.addColumns(p, c, i);
      if (nm === MERGED_NAME) b.merged[c] += p.restCount.get(i) || 0;
    }
    b.sortChildren = merging;
    return b;
  }

  // Reversed: every stack read from its leaf, so that the roots are the
  // functions where the time (or the bytes) was spent, and above each
  // are its callers.
  function buildReversed(p, opt) {
    const self = opt.thread === null ? p.self : p.threadSelf(opt.thread);
    const b = new ViewBuilder(p.n, p.columns.length);
    const keys = new Map();
    const M = p.names.length + 2;
    b.add(ROOT_NAME, 0);
    for (let i = 1; i < p.n; i++) {
      const w = self[i];
      if (!(w > 0)) continue;
      let cur = 0;
      for (let j = i; j !== 0; j = p.parent[j]) {
        const nm = p.name[j];
        if (opt.hide && nm >= 0 && p.hidden[nm] && p.depth[j] > 1) continue;
        const k = cur * M + nm + 2;
        let c = keys.get(k);
        if (c === undefined) { c = b.add(nm, cur); keys.set(k, c); }
        if (nm === MERGED_NAME && j === i) b.merged[c] += p.restCount.get(i) || 0;
        cur = c;
      }
      b.self[cur] += w;
      b.addColumns(p, cur, i);
    }
    b.sortChildren = true;
    return b;
  }

  // Totals, child lists in name order (merged boxes last), maximum depth.
  function finishView(p, v) {
    const n = v.count;
    v.total = accumulate(v.self.subarray(0, n), v.parent);
    v.colSelf = v.cols.map(function (c) { return c.subarray(0, n); });
    v.colTotal = v.colSelf.map(function (c) { return accumulate(c, v.parent); });
    const start = new Int32Array(n + 1);
    for (let c = 1; c < n; c++) start[v.parent[c] + 1]++;
    for (let i = 0; i < n; i++) start[i + 1] += start[i];
    const fill = start.slice(0, n);
    const kids = new Int32Array(Math.max(n - 1, 0));
    for (let c = 1; c < n; c++) kids[fill[v.parent[c]]++] = c;
    if (v.sortChildren) {
      const rank = p.rank;
      const key = function (c) { const nm = v.name[c]; return nm >= 0 ? rank[nm] : 1e9 - nm; };
      for (let i = 0; i < n; i++) {
        const a = start[i], z = start[i + 1];
        if (z - a > 1) {
          const part = Array.from(kids.subarray(a, z));
          part.sort(function (x, y) { return key(x) - key(y); });
          kids.set(part, a);
        }
      }
    }
    v.childStart = start;
    v.children = kids;
    let maxDepth = 0;
    for (let c = 0; c < n; c++) if (v.depth[c] > maxDepth) maxDepth = v.depth[c];
    v.maxDepth = maxDepth;
    v.n = n;
  }

  // ------------------------------------------------------------------
  // The tooltip, shared by every widget.

  const tooltip = el('div', 'pg-tooltip');
  tooltip.setAttribute('role', 'tooltip');

  function showTooltip(rows, clientX, clientY) {
    tooltip.textContent = '';
    for (const r of rows) {
      const line = el('div', r.cls || '');
      if (r.cells) {
        line.classList.add('pg-tt-row');
        for (const c of r.cells) line.appendChild(el('span', c.cls || '', c.text));
      } else if (r.label) {
        line.appendChild(el('span', 'k', r.label));
        line.appendChild(el('span', 'v', r.value));
      } else {
        line.textContent = r.text;
      }
      tooltip.appendChild(line);
    }
    tooltip.style.display = 'block';
    // Beside the pointer, flipped to stay inside the window.
    const pad = 14;
    const w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    let x = clientX + pad, y = clientY + pad;
    if (x + w > window.innerWidth - 4) x = Math.max(4, clientX - pad - w);
    if (y + h > window.innerHeight - 4) y = Math.max(4, clientY - pad - h);
    tooltip.style.left = x + 'px';
    tooltip.style.top = y + 'px';
  }

  function hideTooltip() { tooltip.style.display = 'none'; }

  // ------------------------------------------------------------------
  // Shared settings: the runtime-frames toggle applies to every tab.

  const settings = { hide: true, listeners: [], templates: true, labelListeners: [] };
  function setHide(on) {
    settings.hide = on;
    for (const f of settings.listeners) f();
  }

  // The "Collapse templates" toggle (on by default): labels, crumbs and the
  // diff's table show every template argument list as <…>
  // ("std::vector<…>::_M_realloc_insert<…>"); hover, search and profile.json
  // keep the whole name. Only the labels change: nothing is rebuilt.
  function setTemplates(on) {
    settings.templates = on;
    for (const f of settings.labelListeners) f();
  }

  // name with its template argument lists (the outermost ones, whatever is
  // inside) written <…>. A list opens with a '<' right after an identifier
  // ("vector<") or after an operator and a space ("operator<< <"); other
  // '<' are text ("a < b", "<module>", "operator<", "operator->"). A list
  // too short to gain ("<T>") stays.
  const OPERATOR_CHARS = '<>=!+-*/%^&|~,[]';
  const IDENT = /[A-Za-z0-9_$]/;
  function collapseTemplates(name) {
    if (name.indexOf('<') < 0) return name;
    let out = '', depth = 0, start = 0, afterOperator = false;
    for (let i = 0; i < name.length;) {
      const c = name[i];
      if (depth === 0 && name.startsWith('operator', i) && (i === 0 || !IDENT.test(name[i - 1])) &&
          !IDENT.test(name[i + 8] || '')) {
        let j = i + 8;
        while (j < name.length && OPERATOR_CHARS.indexOf(name[j]) >= 0) j++;
        out += name.slice(i, j);
        afterOperator = j > i + 8 && name[j] === ' ' && name[j + 1] === '<';
        i = j;
        continue;
      }
      if (c === '<' && (depth > 0 || (i > 0 && IDENT.test(name[i - 1])) || afterOperator)) {
        if (depth === 0) start = i;
        depth++;
      } else if (c === '>' && depth > 0) {
        depth--;
        if (depth === 0) out += i - start - 1 > 1 ? '<…>' : name.slice(start, i + 1);
      } else if (depth === 0) {
        out += c;
      }
      if (c !== ' ') afterOperator = false;
      i++;
    }
    return depth > 0 ? out + name.slice(start) : out;
  }
  const collapsedNames = new Map();
  function labelName(name) {
    if (!settings.templates) return name;
    let s = collapsedNames.get(name);
    if (s === undefined) {
      s = collapseTemplates(name);
      collapsedNames.set(name, s);
    }
    return s;
  }

  function checkbox(label, checked, title, onChange) {
    const lab = el('label', 'pg-check');
    const box = el('input');
    box.type = 'checkbox';
    box.checked = checked;
    box.addEventListener('change', function () { onChange(box.checked); });
    lab.appendChild(box);
    lab.appendChild(document.createTextNode(' ' + label));
    if (title) lab.title = title;
    return { label: lab, box: box };
  }

  function button(text, title, onClick) {
    const b = el('button', 'pg-button', text);
    b.type = 'button';
    if (title) b.title = title;
    b.addEventListener('click', onClick);
    return b;
  }

  function setupCanvas(canvas, width, height) {
    const dpr = window.devicePixelRatio || 1;
    canvas.style.width = width + 'px';
    canvas.style.height = height + 'px';
    canvas.width = Math.max(1, Math.round(width * dpr));
    canvas.height = Math.max(1, Math.round(height * dpr));
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
  }

  const LABEL_FONT = '12px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace';
  const SMALL_LABEL_FONT = LABEL_FONT.replace('12px', '11px');
  let charWidth = 0;
  function labelCharWidth(ctx) {
    if (!charWidth) {
      ctx.font = LABEL_FONT;
      charWidth = ctx.measureText('mmmmmmmmmm').width / 10 || 7.2;
    }
    return charWidth;
  }

  // The text that fits in w pixels: the whole name, or its start and '…'.
  function fitLabel(name, w, cw) {
    const room = Math.floor((w - 6) / cw);
    if (room < 2) return '';
    if (name.length <= room) return name;
    return name.slice(0, room - 1) + '…';
  }

  // ------------------------------------------------------------------
  // A flame graph.

  const ROW = 18;         // pixels per frame row
  const MIN_PX = 1;       // frames narrower than this are drawn merged

  function FlameGraph(panel, prof, opts) {
    this.prof = prof;
    this.palette = opts.palette;
    this.unitLabel = opts.unit;
    this.state = { thread: null, reversed: false, icicle: !!opts.inverted };
    this.zoom = 0;
    this.search = null;
    this.hover = -1;
    this.boxes = null;
    const self = this;

    const bar = el('div', 'pg-toolbar');
    this.resetButton = button('Reset zoom', 'Show the whole profile (Esc)', function () { self.setZoom(0); });
    bar.appendChild(this.resetButton);
    this.crumbs = el('div', 'pg-crumbs');
    bar.appendChild(this.crumbs);
    bar.appendChild(el('div', 'pg-spacer'));

    const searchBox = el('div', 'pg-search');
    this.searchInput = el('input');
    this.searchInput.type = 'search';
    this.searchInput.placeholder = 'Search functions (text or /regex/)';
    this.searchInput.setAttribute('aria-label', 'Search functions');
    let timer = 0;
    this.searchInput.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.setSearch(self.searchInput.value); }, prof.n > 50000 ? 150 : 30);
    });
    this.searchInput.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { clearTimeout(timer); self.setSearch(self.searchInput.value); }
      if (e.key === 'Escape') { self.searchInput.value = ''; self.setSearch(''); }
    });
    searchBox.appendChild(this.searchInput);
    this.matched = el('span', 'pg-matched');
    searchBox.appendChild(this.matched);
    bar.appendChild(searchBox);

    const hide = checkbox('Hide runtime frames', settings.hide,
      'Leave out the dynamic loader (_dl_*), libc start-up (_start, __libc_start_main, clone, start_thread) ' +
      'and profgate\'s own frames; their time stays in their callers', setHide);
    this.hideBox = hide.box;
    bar.appendChild(hide.label);
    const tpl = checkbox('Collapse templates', settings.templates,
      'Write template argument lists as <…> in the labels (std::vector<…>::push_back); ' +
      'hover a frame for its whole name', setTemplates);
    this.templatesBox = tpl.box;
    bar.appendChild(tpl.label);

    // A differential graph has no threads to filter (opts.threads false).
    this.threadSelect = null;
    if (opts.threads !== false) {
      this.threadSelect = el('select', 'pg-select');
      this.threadSelect.setAttribute('aria-label', 'Thread');
      this.fillThreads();
      this.threadSelect.addEventListener('change', function () {
        const v = self.threadSelect.value;
        self.state.thread = v === '' ? null : Number(v);
        self.rebuild(true);
      });
      bar.appendChild(this.threadSelect);
    }

    const ice = checkbox('Icicle', this.state.icicle, 'Inverted: the root on top, callees below', function (on) {
      self.state.icicle = on;
      self.draw();
    });
    this.icicleBox = ice.box;
    bar.appendChild(ice.label);
    const rev = checkbox('Reversed', false, 'Stacks read from the leaf: the functions where the ' +
      (prof.unit === 'bytes' ? 'bytes were allocated' : 'time was spent') + ' at the root, their callers above',
    function (on) {
      self.state.reversed = on;
      self.rebuild(true);
    });
    this.reversedBox = rev.box;
    bar.appendChild(rev.label);
    panel.appendChild(bar);
    if (opts.beforeGraph) opts.beforeGraph(panel);

    const note = this.mergedNote();
    if (note) panel.appendChild(el('div', 'pg-note', note));

    this.wrap = el('div', 'pg-canvas-wrap pg-scroll');
    this.canvas = el('canvas', 'pg-flame');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Flame graph of ' + fmtValueLabel(prof) + '; hover a frame for details');
    this.wrap.appendChild(this.canvas);
    panel.appendChild(this.wrap);
    this.status = el('div', 'pg-status', 'Click a frame to zoom in, click below it to zoom out; hover for details. ' +
      'Keys: / search, Esc reset.');
    panel.appendChild(this.status);

    this.canvas.addEventListener('mousemove', function (e) { self.onMove(e); });
    this.canvas.addEventListener('mouseleave', function () { self.setHover(-1); hideTooltip(); });
    this.wrap.addEventListener('scroll', hideTooltip);
    this.canvas.addEventListener('click', function (e) { self.onClick(e); });
    settings.listeners.push(function () {
      self.hideBox.checked = settings.hide;
      if (self.visible) self.rebuild(true); else self.stale = true;
    });
    settings.labelListeners.push(function () {
      self.templatesBox.checked = settings.templates;
      if (self.visible) { self.draw(); self.updateCrumbs(); } else self.stale = true;
    });
    this.rebuild(false);
  }

  FlameGraph.prototype.mergedNote = function () {
    const prof = this.prof;
    if (!(prof.mergedNodes > 0)) return null;
    const share = prof.threshold / prof.totalWeight;
    const of = share >= 0.0001 ? fmtPct(100 * share) : '1/' + fmtInt(1 / share);
    return 'This profile has ' + fmtInt(prof.stackCount) + ' distinct stacks. To keep the report small, ' +
      fmtInt(prof.mergedNodes) + ' frames lighter than ' + this.fmtValue(prof.threshold) + ' (' + of +
      ' of the total) were merged into "[merged narrow frames]" boxes. Every total is exact; search does ' +
      'not see inside merged boxes.';
  };

  function fmtValueLabel(prof) {
    return prof.unit === 'bytes' ? fmtBytes(prof.totalWeight) : fmtInt(prof.totalWeight) + ' samples';
  }

  FlameGraph.prototype.fmtValue = function (v) {
    if (this.prof.unit === 'bytes') return fmtBytes(v);
    let s = fmtInt(v) + (v === 1 ? ' sample' : ' samples');
    if (this.prof.hz > 0) s += ' (' + fmtSeconds(v / this.prof.hz) + ')';
    return s;
  };

  FlameGraph.prototype.fillThreads = function () {
    const sel = this.threadSelect;
    const prof = this.prof;
    if (!prof.threads.length) {
      sel.appendChild(el('option', '', 'All threads'));
      sel.disabled = true;
      sel.title = 'This profile does not record which thread each stack came from';
      return;
    }
    const all = el('option', '', 'All threads (' + prof.threads.length + ')');
    all.value = '';
    sel.appendChild(all);
    const sorted = prof.threads.slice().sort(function (a, b) { return b.total - a.total; });
    for (const t of sorted) {
      const info = threadInfo(t.tid);
      const label = (info && info.name ? info.name + ' ' : '') + '[' + t.tid + '] ' +
        fmtPct(100 * t.total / prof.totalWeight);
      const o = el('option', '', label);
      o.value = String(t.tid);
      sel.appendChild(o);
    }
    sel.title = 'Show one thread\'s stacks';
  };

  FlameGraph.prototype.rebuild = function (keepZoomName) {
    const oldView = this.view;
    const oldPath = keepZoomName && oldView && this.zoom ? this.pathNames(oldView, this.zoom) : null;
    this.view = this.prof.view({ thread: this.state.thread, hide: settings.hide, reversed: this.state.reversed });
    this.prepareView(this.view);
    this.zoom = oldPath ? this.findPath(oldPath) : 0;
    this.stale = false;
    this.computeSearch();
    this.draw();
  };

  // Called with each view before it is searched and drawn (diff.js picks
  // the shape's weights here).
  FlameGraph.prototype.prepareView = function () {};

  FlameGraph.prototype.pathNames = function (v, node) {
    const out = [];
    for (let c = node; c !== 0; c = v.parent[c]) out.push(this.prof.nameOf(v.name[c]));
    return out.reverse();
  };

  // The deepest node of the current view along the path of names.
  FlameGraph.prototype.findPath = function (names) {
    const v = this.view;
    let node = 0;
    for (const nm of names) {
      let next = -1;
      for (let k = v.childStart[node]; k < v.childStart[node + 1]; k++) {
        if (this.prof.nameOf(v.name[v.children[k]]) === nm) { next = v.children[k]; break; }
      }
      if (next < 0) break;
      node = next;
    }
    return node;
  };

  FlameGraph.prototype.setZoom = function (node) {
    this.zoom = node;
    this.draw();
  };

  FlameGraph.prototype.setSearch = function (text) {
    this.searchText = text;
    this.computeSearch();
    this.draw();
  };

  FlameGraph.prototype.computeSearch = function () {
    const text = this.searchText || '';
    this.search = null;
    this.matched.textContent = '';
    this.searchInput.classList.remove('pg-bad');
    if (!text) return;
    let test;
    const m = /^\/(.*)\/([a-z]*)$/.exec(text);
    if (m) {
      let re;
      try { re = new RegExp(m[1], m[2].replace(/[gy]/g, '')); } catch (e) {
        this.searchInput.classList.add('pg-bad');
        this.matched.textContent = 'bad regex';
        return;
      }
      test = function (s) { return re.test(s); };
    } else {
      const needle = text.toLowerCase();
      test = function (s) { return s.toLowerCase().indexOf(needle) >= 0; };
    }
    const prof = this.prof, v = this.view;
    const nameMatch = new Uint8Array(prof.names.length);
    for (let k = 0; k < prof.names.length; k++) nameMatch[k] = test(prof.names[k]) ? 1 : 0;
    const match = new Uint8Array(v.n);
    const covered = new Uint8Array(v.n);
    const below = new Uint8Array(v.n);
    let sum = 0, count = 0;
    const tops = [];
    // Parents come before children in view order: a match under a match
    // is not counted twice.
    for (let c = 1; c < v.n; c++) {
      const nm = v.name[c];
      const hit = nm >= 0 && nameMatch[nm] === 1;
      match[c] = hit ? 1 : 0;
      const par = v.parent[c];
      covered[c] = covered[par] || hit ? 1 : 0;
      if (hit) { count++; if (!covered[par]) { sum += v.total[c]; tops.push(c); } }
    }
    for (let c = v.n - 1; c > 0; c--) {
      if (match[c]) below[c] = 1;
      if (below[c]) below[v.parent[c]] = 1;
    }
    this.search = { match: match, below: below, sum: sum, count: count, tops: tops };
    this.matched.textContent = this.matchedText(this.search);
  };

  // The line beside the search box; s.tops are the matches not inside
  // another match, whose totals add up to s.sum.
  FlameGraph.prototype.matchedText = function (s) {
    return s.count ? 'Matched ' + fmtPct(100 * s.sum / this.view.total[0]) + ' · ' + this.fmtValue(s.sum) : 'no match';
  };

  // Lays out the view from the zoomed node (boxes for frames at least a
  // pixel wide, narrower siblings merged into one box), then paints.
  FlameGraph.prototype.layout = function (width) {
    const v = this.view;
    const boxes = { x: [], w: [], row: [], node: [], run: [] };
    const runs = [];
    const search = this.search;
    const add = function (x, w, row, node, run) {
      boxes.x.push(x); boxes.w.push(w); boxes.row.push(row); boxes.node.push(node); boxes.run.push(run);
    };
    // The zoomed node's ancestors, full width (drawn dimmed).
    const anc = [];
    for (let c = this.zoom; c !== 0; c = v.parent[c]) anc.push(v.parent[c]);
    for (let k = anc.length - 1; k >= 0; k--) add(0, width, v.depth[anc[k]], anc[k], -2);
    const total = v.total[this.zoom];
    const scale = total > 0 ? width / total : 0;
    const stack = [this.zoom, 0];
    while (stack.length) {
      const x = stack.pop(), node = stack.pop();
      add(x, v.total[node] * scale, v.depth[node], node, -1);
      let cx = x;
      let runX = 0, runW = 0, runN = 0, runBest = -1, runHit = 0, runFrom = 0, runTo = 0;
      const flush = function () {
        if (runN === 0) return;
        if (runW >= 0.35) {
          // from/to: the run's children are v.children[from..to).
          runs.push({ parent: node, count: runN, best: runBest, total: runW / scale, hit: runHit,
            from: runFrom, to: runTo });
          add(runX, runW, v.depth[node] + 1, -1, runs.length - 1);
        }
        runN = 0; runW = 0; runHit = 0;
      };
      for (let k = v.childStart[node]; k < v.childStart[node + 1]; k++) {
        const c = v.children[k];
        const w = v.total[c] * scale;
        if (w >= MIN_PX) {
          flush();
          stack.push(c, cx);
        } else if (w > 0) {
          if (runN === 0) { runX = cx; runBest = c; runFrom = k; }
          runTo = k + 1;
          if (v.total[c] > v.total[runBest]) runBest = c;
          runN++;
          runW += w;
          if (search && search.below[c]) runHit = 1;
        }
        cx += w;
      }
      flush();
    }
    let rows = 1;
    for (let i = 0; i < boxes.row.length; i++) if (boxes.row[i] + 1 > rows) rows = boxes.row[i] + 1;
    this.boxes = boxes;
    this.runs = runs;
    this.rows = rows;
  };

  FlameGraph.prototype.draw = function () {
    if (!this.visible) { this.dirty = true; return; }
    this.dirty = false;
    const v = this.view;
    const width = Math.max(200, this.wrap.clientWidth - 16);
    this.layout(width);
    const height = this.rows * ROW + 4;
    const oldHeight = this.height;
    const ctx = setupCanvas(this.canvas, width, height);
    this.width = width;
    this.height = height;
    ctx.clearRect(0, 0, width, height);
    ctx.font = LABEL_FONT;
    ctx.textBaseline = 'middle';
    const cw = labelCharWidth(ctx);
    const icicle = this.state.icicle;
    const yOf = function (depth) { return icicle ? 2 + depth * ROW : height - 2 - (depth + 1) * ROW; };
    this.yOf = yOf;
    const b = this.boxes;
    const search = this.search;
    const prof = this.prof;
    for (let i = 0; i < b.x.length; i++) {
      const x = b.x[i], w = b.w[i], y = yOf(b.row[i]);
      const node = b.node[i];
      if (node < 0) {
        const run = this.runs[b.run[i]];
        ctx.fillStyle = run.hit ? SEARCH_FILL : this.runFill(run);
        ctx.fillRect(x, y, Math.max(w, 0.5), ROW - 1);
        if (this.outline) {
          ctx.fillStyle = this.outline;
          ctx.fillRect(x, y, Math.max(w, 0.5), ROW - 1);
        }
        continue;
      }
      const nm = v.name[node];
      const hit = search && search.match[node];
      const fill = hit ? SEARCH_FILL : this.fillOf(node, nm);
      ctx.globalAlpha = b.run[i] === -2 ? 0.45 : (search && !search.below[node] && !hit ? 0.5 : 1);
      ctx.fillStyle = fill;
      ctx.fillRect(x, y, Math.max(w - (w > 3 ? 1 : 0), 0.5), ROW - 1);
      // An outline (diff.js sets one) keeps white frames in sight on the
      // white page; frames too narrow to outline are tinted with it.
      if (this.outline && w > 3) {
        ctx.strokeStyle = this.outline;
        ctx.lineWidth = 1;
        ctx.strokeRect(x + 0.5, y + 0.5, w - 2, ROW - 2);
      } else if (this.outline) {
        ctx.fillStyle = this.outline;
        ctx.fillRect(x, y, Math.max(w, 0.5), ROW - 1);
      }
      if (w > 3 * cw) {
        const label = fitLabel(nm === ROOT_NAME ? this.rootLabel() : labelName(prof.nameOf(nm)), w, cw);
        if (label) {
          ctx.fillStyle = hit ? '#ffffff' : this.textFill(node, fill);
          ctx.fillText(label, x + 3, y + ROW / 2 + 0.5);
        }
      }
      ctx.globalAlpha = 1;
    }
    // The hovered frame, outlined.
    if (this.hover >= 0 && this.hover < b.x.length) {
      const i = this.hover;
      ctx.strokeStyle = '#1b1f24';
      ctx.lineWidth = 1.5;
      ctx.strokeRect(b.x[i] + 0.75, yOf(b.row[i]) + 0.75, Math.max(b.w[i] - 1.5, 1), ROW - 2.5);
    }
    // Keep the root in sight: a flame graph grows upwards from the bottom.
    if (!icicle && height !== oldHeight) this.wrap.scrollTop = this.wrap.scrollHeight;
    if (icicle && height !== oldHeight) this.wrap.scrollTop = 0;
    this.updateCrumbs();
    this.resetButton.disabled = this.zoom === 0;
  };

  const SEARCH_FILL = '#d23dd2';

  // The colours of a frame, of its label, and of a run of frames too
  // narrow to draw one by one: by name here, by change in diff.js.
  FlameGraph.prototype.fillOf = function (node, nm) {
    if (nm === ROOT_NAME) return '#c9ced6';
    if (nm === MERGED_NAME) return '#d9d9d9';
    return frameColour(this.palette, this.prof.names[nm]);
  };
  FlameGraph.prototype.textFill = function () { return '#111'; };
  FlameGraph.prototype.runFill = function () { return '#b5b5b5'; };

  FlameGraph.prototype.rootLabel = function () {
    return 'all · ' + this.fmtValue(this.view.total[0]);
  };

  FlameGraph.prototype.updateCrumbs = function () {
    const self = this;
    const v = this.view;
    this.crumbs.textContent = '';
    if (this.zoom === 0) return;
    const path = [];
    for (let c = this.zoom; c !== 0; c = v.parent[c]) path.push(c);
    path.push(0);
    path.reverse();
    const shown = path.length > 6 ? [path[0], -1].concat(path.slice(path.length - 4)) : path;
    shown.forEach(function (node, i) {
      if (i) self.crumbs.appendChild(el('span', 'pg-crumb-sep', '›'));
      if (node === -1) { self.crumbs.appendChild(el('span', 'pg-crumb-gap', '…')); return; }
      const full = node === 0 ? 'all' : self.prof.nameOf(v.name[node]);
      const b = el('button', 'pg-crumb', labelName(full));
      b.type = 'button';
      b.title = node === 0 ? 'Show everything' : 'Zoom to ' + full;
      b.addEventListener('click', function () { self.setZoom(node); });
      self.crumbs.appendChild(b);
    });
  };

  FlameGraph.prototype.hitTest = function (e) {
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left, y = e.clientY - r.top;
    const b = this.boxes;
    if (!b) return -1;
    let row;
    if (this.state.icicle) row = Math.floor((y - 2) / ROW);
    else row = Math.floor((this.height - 2 - y) / ROW);
    for (let i = 0; i < b.x.length; i++) {
      if (b.row[i] === row && x >= b.x[i] && x < b.x[i] + Math.max(b.w[i], 1)) return i;
    }
    return -1;
  };

  FlameGraph.prototype.setHover = function (i) {
    if (i === this.hover) return;
    this.hover = i;
    this.draw();
    this.canvas.style.cursor = i >= 0 ? 'pointer' : 'default';
  };

  FlameGraph.prototype.onMove = function (e) {
    const i = this.hitTest(e);
    this.setHover(i);
    if (i < 0) { hideTooltip(); return; }
    showTooltip(this.describe(i), e.clientX, e.clientY);
  };

  FlameGraph.prototype.describe = function (i) {
    const v = this.view, b = this.boxes, prof = this.prof;
    const all = v.total[0];
    const rows = [];
    if (b.node[i] < 0) {
      const run = this.runs[b.run[i]];
      rows.push({ text: fmtInt(run.count) + ' frames narrower than a pixel', cls: 'pg-tt-name' });
      rows.push({ label: 'Together', value: this.fmtValue(run.total) });
      rows.push({ label: '% of total', value: fmtPct(100 * run.total / all) });
      rows.push({ text: 'Click to zoom into the widest of them (' + prof.nameOf(v.name[run.best]) + ')', cls: 'pg-tt-hint' });
      return rows;
    }
    const node = b.node[i];
    const nm = v.name[node];
    rows.push({ text: nm === ROOT_NAME ? 'all (the whole profile)' : prof.nameOf(nm), cls: 'pg-tt-name' });
    // The frame is the display name; the demangled one, where longer, too.
    const full = nm !== ROOT_NAME && fullNames && Object.prototype.hasOwnProperty.call(fullNames, prof.nameOf(nm)) ?
      fullNames[prof.nameOf(nm)] : null;
    if (full) rows.push({ text: full, cls: 'pg-tt-hint pg-tt-full' });
    rows.push({ label: 'Total', value: this.fmtValue(v.total[node]) });
    rows.push({ label: '% of total', value: fmtPct(100 * v.total[node] / all) });
    if (node !== 0) rows.push({ label: '% of parent', value: fmtPct(100 * v.total[node] / v.total[v.parent[node]]) });
    if (v.self[node] > 0) rows.push({ label: 'Self', value: this.fmtValue(v.self[node]) + ' · ' + fmtPct(100 * v.self[node] / all) });
    if (this.state.thread !== null) {
      const info = threadInfo(this.state.thread);
      rows.push({ label: 'Thread', value: (info && info.name ? info.name + ' ' : '') + '[' + this.state.thread + ']' });
    }
    if (nm === MERGED_NAME) {
      rows.push({ text: this.mergedHint(node), cls: 'pg-tt-hint' });
    } else if (node === this.zoom && node !== 0) {
      rows.push({ text: 'Click to zoom out', cls: 'pg-tt-hint' });
    } else if (node !== 0) {
      rows.push({ text: 'Click to zoom in', cls: 'pg-tt-hint' });
    }
    return rows;
  };

  FlameGraph.prototype.mergedHint = function (node) {
    return fmtInt(this.view.merged[node]) + ' frames, each lighter than ' + this.fmtValue(this.prof.threshold) +
      ', merged when the report was written; the total is exact.';
  };

  FlameGraph.prototype.onClick = function (e) {
    const i = this.hitTest(e);
    if (i < 0) return;
    const b = this.boxes;
    let node = b.node[i];
    if (node < 0) node = this.runs[b.run[i]].best;
    else if (node === this.zoom && node !== 0) node = this.view.parent[node];
    this.hover = -1;
    hideTooltip();
    this.setZoom(node);
  };

  FlameGraph.prototype.show = function () {
    this.visible = true;
    if (this.stale) this.rebuild(true);
    else this.draw();
  };

  FlameGraph.prototype.hide = function () { this.visible = false; };

  // For the browser tests and for scripting: a point inside the widest drawn
  // frame whose name is exactly `name` ("all" for the root), in viewport
  // coordinates, scrolled into view; null if none is drawn.
  FlameGraph.prototype.locate = function (name) {
    const b = this.boxes, v = this.view;
    let i = -1;
    for (let k = 0; k < b.x.length; k++) {
      const node = b.node[k];
      if (node < 0 || b.w[k] < 2) continue;
      if ((node === 0 ? 'all' : this.prof.nameOf(v.name[node])) !== name) continue;
      if (i < 0 || b.w[k] > b.w[i]) i = k;
    }
    if (i >= 0) {
      const y = this.yOf(b.row[i]);
      const wrap = this.wrap;
      if (y < wrap.scrollTop || y + ROW > wrap.scrollTop + wrap.clientHeight - 12) {
        wrap.scrollTop = Math.max(0, y - wrap.clientHeight / 2);
      }
      this.canvas.scrollIntoView({ block: 'nearest' });
      const r = this.canvas.getBoundingClientRect();
      return { x: r.left + b.x[i] + Math.min(b.w[i], 40) / 2, y: r.top + y + ROW / 2, width: b.w[i],
        depth: b.row[i] };
    }
    return null;
  };

  // ------------------------------------------------------------------
  // The timeline: each thread a lane, time left to right, the stack of
  // each moment drawn downwards (root on top), waiting apart from running.

  const TL_ROW = 15;
  const TL_HEADER = 20;
  const TL_STRIP = 7;
  const TL_AXIS = 24;
  const TL_GAP = 10;
  const TL_MAX_ROWS = 40;

  function Timeline(panel, data, prof) {
    const tl = data.timeline;
    this.prof = prof;
    this.period = tl.period_us;
    this.palette = 'cpu';
    const n = tl.dt.length;
    const t = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) { acc += tl.dt[i]; t[i] = acc; }
    this.t = t;
    this.node = Int32Array.from(tl.node);
    this.waiting = Uint8Array.from(tl.waiting);
    // How long each sample lasts: one period, or the whole of a wait that
    // the collector gathered into one record (its weight in periods).
    const span = new Float64Array(n);
    for (let i = 0; i < n; i++) span[i] = (tl.ticks ? Math.max(1, tl.ticks[i]) : 1) * this.period;
    this.span = span;
    // Lanes in the order of the threads' first samples.
    const lanes = new Map();
    for (let i = 0; i < n; i++) {
      const th = tl.thread[i];
      let lane = lanes.get(th);
      if (!lane) { lane = { thread: th, idx: [] }; lanes.set(th, lane); }
      lane.idx.push(i);
    }
    this.lanes = Array.from(lanes.values());
    let most = 0;
    for (const lane of this.lanes) most = Math.max(most, lane.idx.length);
    for (const lane of this.lanes) {
      // A thread or process that lived for a few samples only (a shell a
      // script ran, a helper thread) starts folded: its header and strip.
      lane.collapsed = this.lanes.length > 1 && lane.idx.length < Math.max(5, most * 0.02);
      lane.idx = Int32Array.from(lane.idx);
      lane.times = new Float64Array(lane.idx.length);
      // Up to each sample, the latest end of any (reach) and the sample
      // that ends there (cover): a long wait still shows where shorter
      // samples that started inside it have ended.
      lane.reach = new Float64Array(lane.idx.length);
      lane.cover = new Int32Array(lane.idx.length);
      let running = 0, total = 0, reach = -1, cover = -1;
      for (let k = 0; k < lane.idx.length; k++) {
        const i = lane.idx[k];
        lane.times[k] = t[i];
        const end = t[i] + Math.max(span[i], this.period * 1.5);
        if (end > reach) { reach = end; cover = i; }
        lane.reach[k] = reach;
        lane.cover[k] = cover;
        total += span[i];
        if (!this.waiting[i]) running += span[i];
      }
      lane.running = running;
      lane.total = total;
      const info = data.threads[lane.thread] || {};
      lane.label = (info.name || 'thread') + '  [' + info.tid + ']' + (info.pid !== info.tid ? '  pid ' + info.pid : '');
    }
    let tmax = 0;
    for (let i = 0; i < n; i++) tmax = Math.max(tmax, t[i] + span[i]);
    this.tmax = n ? tmax : 1;
    this.range = [0, this.tmax];
    this.wallMode = data.mode === 'wall';
    this.paths = new Map();
    const self = this;

    const bar = el('div', 'pg-toolbar');
    this.resetButton = button('Reset zoom', 'Show the whole run', function () { self.setRange(0, self.tmax); });
    bar.appendChild(this.resetButton);
    this.rangeLabel = el('span', 'pg-range');
    bar.appendChild(this.rangeLabel);
    bar.appendChild(el('div', 'pg-spacer'));
    const legend = el('div', 'pg-legend');
    const key = function (cls, text) {
      const k = el('span', 'pg-key');
      k.appendChild(el('span', 'pg-swatch ' + cls));
      k.appendChild(document.createTextNode(text));
      legend.appendChild(k);
    };
    key('run', 'running');
    if (this.wallMode) key('wait', 'waiting (blocked or sleeping)');
    else key('none', 'no sample: off CPU (use --mode wall to see why)');
    bar.appendChild(legend);
    const hide = checkbox('Hide runtime frames', settings.hide, 'Leave out loader, libc start-up and profgate frames', setHide);
    this.hideBox = hide.box;
    bar.appendChild(hide.label);
    panel.appendChild(bar);

    this.wrap = el('div', 'pg-canvas-wrap');
    this.canvas = el('canvas', 'pg-timeline');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Timeline of ' + this.lanes.length + ' threads; hover for the stack at a moment');
    this.wrap.appendChild(this.canvas);
    panel.appendChild(this.wrap);
    panel.appendChild(el('div', 'pg-status', 'Drag across the timeline to zoom into that time; click a frame to zoom to it; ' +
      'double-click or Esc to see the whole run.'));

    this.drag = null;
    this.canvas.addEventListener('mousedown', function (e) {
      self.drag = { x0: self.localX(e), x1: self.localX(e) };
    });
    this.canvas.addEventListener('mousemove', function (e) {
      if (self.drag) { self.drag.x1 = self.localX(e); self.draw(); hideTooltip(); return; }
      self.onMove(e);
    });
    window.addEventListener('mouseup', function (e) {
      if (!self.drag) return;
      const d = self.drag;
      self.drag = null;
      if (Math.abs(d.x1 - d.x0) >= 4) {
        const a = self.timeAt(Math.min(d.x0, d.x1)), b = self.timeAt(Math.max(d.x0, d.x1));
        self.setRange(a, b);
      } else if (e.target === self.canvas) {
        self.onClick(e);
      } else {
        self.draw();
      }
    });
    this.canvas.addEventListener('dblclick', function () { self.setRange(0, self.tmax); });
    this.canvas.addEventListener('mouseleave', function () { hideTooltip(); });
    settings.listeners.push(function () {
      self.hideBox.checked = settings.hide;
      self.paths.clear();
      if (self.visible) self.draw();
    });
    settings.labelListeners.push(function () {
      if (self.visible) self.draw();
    });
  }

  // The frames of a base node, root first (the program's frame included),
  // as base node ids, with hidden frames left out.
  Timeline.prototype.path = function (node) {
    let p = this.paths.get(node);
    if (p) return p;
    const prof = this.prof;
    const out = [];
    for (let c = node; c !== 0; c = prof.parent[c]) {
      const nm = prof.name[c];
      if (settings.hide && nm >= 0 && prof.hidden[nm] && prof.depth[c] > 1) continue;
      out.push(c);
    }
    p = Int32Array.from(out.reverse());
    this.paths.set(node, p);
    return p;
  };

  Timeline.prototype.localX = function (e) {
    return e.clientX - this.canvas.getBoundingClientRect().left;
  };

  Timeline.prototype.timeAt = function (x) {
    const r = this.range;
    return r[0] + (x - this.plotX) / this.plotW * (r[1] - r[0]);
  };

  Timeline.prototype.setRange = function (a, b) {
    a = Math.max(0, a);
    b = Math.min(this.tmax, b);
    if (b - a < this.period * 4) { const m = (a + b) / 2; a = m - this.period * 2; b = m + this.period * 2; }
    this.range = [a, b];
    this.draw();
  };

  // The sample of the lane at time t, or -1: the last one that started by
  // t if it still lasts (a sample lasts a period and a half; a gathered
  // wait, its whole span), else the earlier wait that lasts longest, if it
  // covers t.
  Timeline.prototype.sampleAt = function (lane, t) {
    const times = lane.times;
    let lo = 0, hi = times.length - 1, k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] <= t) { k = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (k < 0) return -1;
    const i = lane.idx[k];
    if (t - times[k] <= Math.max(this.span[i], this.period * 1.5)) return i;
    return lane.reach[k] >= t ? lane.cover[k] : -1;
  };

  Timeline.prototype.draw = function () {
    if (!this.visible) return;
    const self = this;
    const width = Math.max(300, this.wrap.clientWidth);
    const plotX = 0;
    const plotW = width;
    this.plotX = plotX;
    this.plotW = plotW;
    // Lane heights: as deep as the lane's deepest stack, up to a cap.
    let y = TL_AXIS;
    for (const lane of this.lanes) {
      let depth = 1;
      for (let k = 0; k < lane.idx.length; k++) {
        const d = this.path(this.node[lane.idx[k]]).length;
        if (d > depth) depth = d;
      }
      lane.rows = lane.collapsed ? 0 : Math.min(depth, TL_MAX_ROWS);
      lane.cut = depth > TL_MAX_ROWS;
      lane.y = y;
      y += TL_HEADER + TL_STRIP + 2 + lane.rows * TL_ROW + TL_GAP;
    }
    const height = y;
    const ctx = setupCanvas(this.canvas, width, height);
    this.height = height;
    ctx.clearRect(0, 0, width, height);
    const r = this.range;
    const span = r[1] - r[0];

    // Time axis.
    ctx.font = '11px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#5b6570';
    const step = niceStep(span / 1e6 / Math.max(2, plotW / 110));
    const first = Math.ceil(r[0] / 1e6 / step) * step;
    for (let s = first; s * 1e6 <= r[1]; s += step) {
      const x = plotX + (s * 1e6 - r[0]) / span * plotW;
      ctx.fillRect(x, TL_AXIS - 7, 1, 6);
      ctx.fillStyle = '#eef0f3';
      ctx.fillRect(x, TL_AXIS, 1, height - TL_AXIS);
      ctx.fillStyle = '#5b6570';
      const label = fmtSeconds(s);
      const lw = ctx.measureText(label).width;
      ctx.fillText(label, Math.min(Math.max(x - lw / 2, 0), width - lw), 9);
    }
    ctx.fillStyle = '#c5cbd3';
    ctx.fillRect(0, TL_AXIS - 1, width, 1);

    ctx.font = SMALL_LABEL_FONT;
    const cw = ctx.measureText('mmmmmmmmmm').width / 10 || 6.6;
    const cols = new Int32Array(Math.ceil(plotW));
    const prof = this.prof;
    for (const lane of this.lanes) {
      // Lane header.
      ctx.font = '600 12px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
      ctx.fillStyle = '#1f2933';
      const pctRun = lane.total ? 100 * lane.running / lane.total : 0;
      const stats = fmtInt(lane.idx.length) + (lane.idx.length === 1 ? ' sample' : ' samples') +
        (this.wallMode ? ' · running ' + fmtPct(pctRun) : '') +
        (lane.collapsed ? ' · folded, click to show its stacks' : lane.cut ? ' · stacks cut at ' + TL_MAX_ROWS + ' frames' : '');
      ctx.fillStyle = '#5b6570';
      ctx.fillText(lane.collapsed ? '▸' : '▾', 4, lane.y + TL_HEADER / 2);
      ctx.font = '600 12px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
      ctx.fillStyle = '#1f2933';
      ctx.fillText(lane.label, 18, lane.y + TL_HEADER / 2);
      const lw = ctx.measureText(lane.label).width;
      ctx.font = '11px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
      ctx.fillStyle = '#5b6570';
      ctx.fillText(stats, 18 + lw + 12, lane.y + TL_HEADER / 2);

      // Which sample each pixel column shows.
      for (let px = 0; px < cols.length; px++) cols[px] = this.sampleAt(lane, r[0] + (px + 0.5) / plotW * span);

      // Activity strip.
      const sy = lane.y + TL_HEADER;
      ctx.fillStyle = '#f3f4f6';
      ctx.fillRect(plotX, sy, plotW, TL_STRIP);
      runs(cols.length, function (px) {
        const s = cols[px];
        return s < 0 ? -1 : self.waiting[s];
      }, function (a, b, key) {
        if (key < 0) return;
        ctx.fillStyle = key ? '#9fb3c8' : '#e8702a';
        ctx.fillRect(plotX + a, sy, b - a, TL_STRIP);
      });

      // The stacks: row d shows the frame at depth d of each column's sample.
      ctx.font = SMALL_LABEL_FONT;
      const fy = sy + TL_STRIP + 2;
      for (let d = 0; d < lane.rows; d++) {
        const rowY = fy + d * TL_ROW;
        runs(cols.length, function (px) {
          const s = cols[px];
          if (s < 0) return -1;
          const p = self.path(self.node[s]);
          if (d >= p.length) return -1;
          return p[d] * 2 + self.waiting[s];
        }, function (a, b, key) {
          if (key < 0) return;
          const node = key >> 1, waiting = key & 1;
          const nm = prof.name[node];
          const name = prof.nameOf(nm);
          ctx.fillStyle = nm < 0 ? '#d9d9d9' : frameColour(waiting ? 'wait' : self.palette, name);
          const w = b - a;
          ctx.fillRect(plotX + a, rowY, Math.max(w - (w > 3 ? 1 : 0), 1), TL_ROW - 1);
          if (w > 3 * cw) {
            const label = fitLabel(labelName(name), w, cw);
            if (label) {
              ctx.fillStyle = '#111';
              ctx.fillText(label, plotX + a + 3, rowY + TL_ROW / 2);
            }
          }
        });
      }
      // Lane separator.
      ctx.fillStyle = '#e3e6ea';
      ctx.fillRect(0, lane.y + TL_HEADER + TL_STRIP + 2 + lane.rows * TL_ROW + TL_GAP / 2, width, 1);
    }

    if (this.drag) {
      const a = Math.min(this.drag.x0, this.drag.x1), b = Math.max(this.drag.x0, this.drag.x1);
      ctx.fillStyle = 'rgba(40,110,220,0.15)';
      ctx.fillRect(a, TL_AXIS, b - a, height - TL_AXIS);
      ctx.fillStyle = 'rgba(40,110,220,0.8)';
      ctx.fillRect(a, TL_AXIS, 1, height - TL_AXIS);
      ctx.fillRect(b, TL_AXIS, 1, height - TL_AXIS);
    }
    this.rangeLabel.textContent = fmtSeconds(r[0] / 1e6) + ' – ' + fmtSeconds(r[1] / 1e6) +
      ' of ' + fmtSeconds(this.tmax / 1e6);
    this.resetButton.disabled = r[0] <= 0 && r[1] >= this.tmax;
  };

  // Calls draw(a, b, key) for each run of equal keys over columns [0, n).
  function runs(n, keyOf, draw) {
    let start = 0;
    let key = n ? keyOf(0) : -1;
    for (let px = 1; px <= n; px++) {
      const k = px < n ? keyOf(px) : NaN;
      if (k !== key) {
        draw(start, px, key);
        start = px;
        key = k;
      }
    }
  }

  // Byte axes step by powers of two, so that they read 512 KiB, 1 MiB,
  // 2 MiB... rather than 977 KiB or 1.91 MiB.
  function byteStep(raw) {
    return Math.pow(2, Math.ceil(Math.log2(Math.max(raw, 1))));
  }

  function niceStep(raw) {
    const pow = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / pow;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * pow;
  }

  Timeline.prototype.hit = function (e) {
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left, y = e.clientY - rect.top;
    for (const lane of this.lanes) {
      if (y >= lane.y && y < lane.y + TL_HEADER) return { lane: lane, header: true };
      const top = lane.y + TL_HEADER;
      const bottom = top + TL_STRIP + 2 + lane.rows * TL_ROW;
      if (y < lane.y || y >= bottom) continue;
      const t = this.timeAt(x);
      const s = this.sampleAt(lane, t);
      const depth = y < top + TL_STRIP + 2 ? -1 : Math.floor((y - top - TL_STRIP - 2) / TL_ROW);
      return { lane: lane, sample: s, depth: depth, t: t };
    }
    return null;
  };

  Timeline.prototype.onMove = function (e) {
    const h = this.hit(e);
    this.canvas.style.cursor = h && h.header ? 'pointer' : 'crosshair';
    if (!h || h.header) { hideTooltip(); return; }
    const rows = [{ text: h.lane.label, cls: 'pg-tt-name' }, { label: 'Time', value: fmtSeconds(h.t / 1e6) }];
    if (h.sample < 0) {
      rows.push({ text: this.wallMode ? 'no sample here' : 'no sample here: the thread was not on a CPU', cls: 'pg-tt-hint' });
    } else {
      rows.push({ label: 'State', value: this.waiting[h.sample] ? 'waiting' : 'running' });
      const p = this.path(this.node[h.sample]);
      const from = Math.max(0, p.length - 24);
      if (from > 0) rows.push({ text: '… ' + from + ' outer frames', cls: 'pg-tt-hint' });
      for (let d = from; d < p.length; d++) {
        rows.push({ text: (d === h.depth ? '▶ ' : '   ') + this.prof.nameOf(this.prof.name[p[d]]),
          cls: d === h.depth ? 'pg-tt-stack pg-tt-current' : 'pg-tt-stack' });
      }
    }
    showTooltip(rows, e.clientX, e.clientY);
  };

  // A click on a frame zooms to the stretch of time that frame covers.
  Timeline.prototype.onClick = function (e) {
    const h = this.hit(e);
    if (h && h.header) {
      h.lane.collapsed = !h.lane.collapsed;
      this.draw();
      return;
    }
    if (!h || h.sample < 0 || h.depth < 0) return;
    const p = this.path(this.node[h.sample]);
    if (h.depth >= p.length) return;
    const node = p[h.depth];
    const lane = h.lane;
    const idx = lane.idx;
    let k = 0;
    while (k < idx.length && idx[k] !== h.sample) k++;
    const same = function (j) {
      const q = this.path(this.node[idx[j]]);
      return h.depth < q.length && q[h.depth] === node;
    }.bind(this);
    const self = this;
    const end = function (j) { return lane.times[j] + Math.max(self.span[idx[j]], self.period); };
    const near = function (j) { return Math.max(self.span[idx[j]], self.period * 1.5); };
    let a = k, b = k;
    while (a > 0 && same(a - 1) && lane.times[a] - lane.times[a - 1] <= near(a - 1)) a--;
    while (b + 1 < idx.length && same(b + 1) && lane.times[b + 1] - lane.times[b] <= near(b)) b++;
    const pad = (end(b) - lane.times[a]) * 0.05;
    this.setRange(lane.times[a] - pad, end(b) + pad);
  };

  // The canvas y of the middle of row `depth` of lane `i` (-1: its strip),
  // for the browser tests and for scripting.
  Timeline.prototype.rowY = function (i, depth) {
    const lane = this.lanes[i];
    const top = lane.y + TL_HEADER;
    return depth < 0 ? top + TL_STRIP / 2 : top + TL_STRIP + 2 + depth * TL_ROW + TL_ROW / 2;
  };

  Timeline.prototype.show = function () { this.visible = true; this.draw(); };
  Timeline.prototype.hide = function () { this.visible = false; };
  Timeline.prototype.reset = function () { this.setRange(0, this.tmax); };

  // ------------------------------------------------------------------
  // Memory over time: heap and RSS, the peak marked.

  function MemoryChart(panel, data) {
    const m = data.memory;
    this.t = m.t_us;
    this.heap = m.heap;
    this.rss = m.rss;
    this.peakT = m.peak_t_us;
    let peak = 0, peakAt = 0;
    for (let i = 0; i < this.heap.length; i++) if (this.heap[i] > peak) { peak = this.heap[i]; peakAt = this.t[i]; }
    this.peak = data.peak_heap_bytes !== null ? Math.max(data.peak_heap_bytes, peak) : peak;
    if (!this.peakT) this.peakT = peakAt;
    const self = this;
    const bar = el('div', 'pg-toolbar');
    const legend = el('div', 'pg-legend');
    const key = function (cls, text) {
      const k = el('span', 'pg-key');
      k.appendChild(el('span', 'pg-swatch ' + cls));
      k.appendChild(document.createTextNode(text));
      legend.appendChild(k);
    };
    key('heap', 'heap (live bytes)');
    key('rss', 'RSS (resident memory)');
    key('peak', 'heap peak: ' + fmtBytes(this.peak) + ' at ' + fmtSeconds(this.peakT / 1e6));
    bar.appendChild(legend);
    panel.appendChild(bar);
    this.wrap = el('div', 'pg-canvas-wrap');
    this.canvas = el('canvas', 'pg-memory');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Heap and RSS over time; heap peak ' + fmtBytes(this.peak));
    this.wrap.appendChild(this.canvas);
    panel.appendChild(this.wrap);
    this.canvas.addEventListener('mousemove', function (e) { self.onMove(e); });
    this.canvas.addEventListener('mouseleave', function () { self.cursor = null; hideTooltip(); self.draw(); });
  }

  MemoryChart.prototype.draw = function () {
    if (!this.visible) return;
    const width = Math.max(300, this.wrap.clientWidth);
    const height = 360;
    const ctx = setupCanvas(this.canvas, width, height);
    const left = 78, right = 16, top = 16, bottom = 30;
    const pw = width - left - right, ph = height - top - bottom;
    const n = this.t.length;
    const tmax = n ? Math.max(this.t[n - 1], 1) : 1;
    let ymax = Math.max(1, this.peak);
    for (let i = 0; i < n; i++) ymax = Math.max(ymax, this.heap[i], this.rss[i]);
    ymax *= 1.08;
    const X = function (t) { return left + t / tmax * pw; };
    const Y = function (b) { return top + ph - b / ymax * ph; };
    this.geom = { left: left, pw: pw, tmax: tmax };
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
    ctx.textBaseline = 'middle';
    // Grid and axes.
    const ystep = byteStep(ymax / 5);
    for (let b = 0; b <= ymax; b += ystep) {
      ctx.fillStyle = '#eef0f3';
      ctx.fillRect(left, Y(b), pw, 1);
      ctx.fillStyle = '#5b6570';
      const label = fmtBytes(b);
      ctx.fillText(label, left - 8 - ctx.measureText(label).width, Y(b));
    }
    const tstep = niceStep(tmax / 1e6 / Math.max(2, pw / 110));
    for (let s = 0; s * 1e6 <= tmax; s += tstep) {
      ctx.fillStyle = '#5b6570';
      const label = fmtSeconds(s);
      ctx.fillText(label, X(s * 1e6) - ctx.measureText(label).width / 2, height - bottom / 2);
    }
    const line = function (arr, colour, fill, dash) {
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        const x = X(this.t[i]), y = Y(arr[i]);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      }
      if (fill) {
        ctx.lineTo(X(this.t[n - 1]), Y(0));
        ctx.lineTo(X(this.t[0]), Y(0));
        ctx.closePath();
        ctx.fillStyle = fill;
        ctx.fill();
        ctx.beginPath();
        for (let i = 0; i < n; i++) {
          const x = X(this.t[i]), y = Y(arr[i]);
          if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
        }
      }
      ctx.setLineDash(dash || []);
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.6;
      ctx.stroke();
      ctx.setLineDash([]);
    }.bind(this);
    line(this.rss, '#7b8794', null, [5, 3]);
    line(this.heap, '#1f9d8a', 'rgba(31,157,138,0.15)');
    // The peak.
    const px = X(this.peakT);
    ctx.fillStyle = '#c2410c';
    ctx.fillRect(px, top, 1.5, ph);
    ctx.beginPath();
    ctx.arc(px, Y(this.peak), 4, 0, 2 * Math.PI);
    ctx.fill();
    const label = 'peak ' + fmtBytes(this.peak);
    const lw = ctx.measureText(label).width;
    ctx.fillText(label, px + 6 + lw > left + pw ? px - 6 - lw : px + 6, top + 8);
    if (this.cursor !== null && this.cursor !== undefined) {
      ctx.fillStyle = 'rgba(0,0,0,0.35)';
      ctx.fillRect(X(this.t[this.cursor]), top, 1, ph);
    }
  };

  MemoryChart.prototype.onMove = function (e) {
    const r = this.canvas.getBoundingClientRect();
    const g = this.geom;
    if (!g) return;
    const t = (e.clientX - r.left - g.left) / g.pw * g.tmax;
    let best = 0;
    for (let i = 0; i < this.t.length; i++) if (Math.abs(this.t[i] - t) < Math.abs(this.t[best] - t)) best = i;
    this.cursor = best;
    this.draw();
    showTooltip([{ label: 'Time', value: fmtSeconds(this.t[best] / 1e6) },
      { label: 'Heap', value: fmtBytes(this.heap[best]) },
      { label: 'RSS', value: fmtBytes(this.rss[best]) }], e.clientX, e.clientY);
  };

  MemoryChart.prototype.show = function () { this.visible = true; this.draw(); };
  MemoryChart.prototype.hide = function () { this.visible = false; };

  // ------------------------------------------------------------------
  // The page: header, tabs, panels.

  let data;
  let fullNames = null;  // display name -> full name, from the report's data
  function threadInfo(tid) {
    for (const t of data.threads) if (t.tid === tid) return t;
    return null;
  }

  function shellQuote(arg) {
    return /^[A-Za-z0-9_.,:\/=+-]+$/.test(arg) ? arg : "'" + arg.replace(/'/g, "'\\''") + "'";
  }

  function header(root, profiles) {
    const head = el('header', 'pg-header');
    const line = el('div', 'pg-title-row');
    line.appendChild(el('span', 'pg-brand', 'profgate'));
    line.appendChild(el('h1', 'pg-title', data.title || 'profile'));
    head.appendChild(line);
    const facts = el('dl', 'pg-facts');
    const fact = function (k, v) {
      if (v === null || v === undefined || v === '') return;
      const d = el('div', 'pg-fact');
      d.appendChild(el('dt', '', k));
      d.appendChild(el('dd', '', v));
      facts.appendChild(d);
    };
    if (data.command && data.command.length) fact('Command', data.command.map(shellQuote).join(' '));
    if (data.wall_seconds !== null) fact('Duration', fmtSeconds(data.wall_seconds) + ' wall');
    if (data.cpu_seconds !== null) fact('CPU time', fmtSeconds(data.cpu_seconds));
    const def = data.tabs.find(function (t) { return t.id === data.default_tab && t.profile !== undefined; });
    const main = def ? profiles[def.profile] : profiles.find(function (p) { return p && p.unit === 'samples'; });
    if (main && main.unit === 'samples') {
      fact('Samples', fmtInt(main.totalWeight) + (data.hz ? ' at ' + data.hz + ' Hz' : '') +
        (data.mode === 'wall' && def && def.id === 'wall' ? ' (wall clock)' : ''));
    }
    fact('Mode', data.mode === 'wall' ? 'wall clock' : 'CPU');
    fact('Peak heap', data.peak_heap_bytes !== null ? fmtBytes(data.peak_heap_bytes) : 'not tracked');
    if (data.peak_rss_bytes !== null) fact('Peak RSS', fmtBytes(data.peak_rss_bytes));
    if (data.threads.length) fact('Threads', String(data.threads.length));
    if (data.lost_samples !== null && data.lost_samples !== undefined) {
      fact('Lost samples', fmtInt(data.lost_samples) + (main && main.unit === 'samples' && main.totalWeight > 0 ?
        ' (' + fmtPct(100 * data.lost_samples / (main.totalWeight + data.lost_samples)) + ')' : ''));
    }
    if (data.truncated_stacks > 0) {
      fact('Cut stacks', fmtInt(data.truncated_stacks) + (data.truncated_stacks === 1 ? ' sample' : ' samples') +
        ' deeper than ' + data.max_frames + ' frames: their outermost frames are missing');
    }
    if (data.run_note) fact('Runs', data.run_note);
    head.appendChild(facts);
    root.appendChild(head);
  }

  function missingPanel(panel, text) {
    const box = el('div', 'pg-missing');
    box.appendChild(el('div', 'pg-missing-title', 'Nothing to show here'));
    box.appendChild(el('div', 'pg-missing-text', text));
    panel.appendChild(box);
  }

  function main() {
    data = JSON.parse(document.getElementById('pg-data').textContent);
    fullNames = data.full_names || null;
    const root = document.getElementById('app');
    document.body.appendChild(tooltip);
    const profiles = data.profiles.map(function (json, i) {
      const tab = data.tabs.find(function (t) { return t.profile === i; });
      return new Profile(json, tab ? tab.unit : 'samples', data.hz);
    });
    header(root, profiles);

    const nav = el('nav', 'pg-tabs');
    nav.setAttribute('role', 'tablist');
    root.appendChild(nav);
    const body = el('main', 'pg-panels');
    root.appendChild(body);
    const tabs = [];
    let active = null;

    const activate = function (tab) {
      if (active === tab) return;
      if (active) {
        active.button.classList.remove('pg-active');
        active.button.setAttribute('aria-selected', 'false');
        active.panel.hidden = true;
        if (active.widget) active.widget.hide();
      }
      active = tab;
      tab.button.classList.add('pg-active');
      tab.button.setAttribute('aria-selected', 'true');
      tab.panel.hidden = false;
      hideTooltip();
      if (!tab.widget && !tab.def.missing) tab.widget = tab.make();
      if (tab.widget) tab.widget.show();
      window.__pg.active = tab.def.id;
      // The tab is in the URL (report.html#memory), so a link opens it.
      if (location.hash.slice(1) !== tab.def.id && history.replaceState) {
        try { history.replaceState(null, '', '#' + tab.def.id); } catch (e) { /* file: URLs may refuse */ }
      }
    };

    for (const def of data.tabs) {
      const b = el('button', 'pg-tab' + (def.missing ? ' pg-tab-empty' : ''), def.label);
      b.type = 'button';
      b.setAttribute('role', 'tab');
      b.dataset.tab = def.id;
      if (def.missing) b.title = def.missing;
      nav.appendChild(b);
      const panel = el('section', 'pg-panel');
      panel.hidden = true;
      panel.dataset.tab = def.id;
      body.appendChild(panel);
      const tab = { def: def, button: b, panel: panel, widget: null };
      if (def.missing) {
        missingPanel(panel, def.missing);
      } else if (def.kind === 'flame') {
        tab.make = function () {
          return new FlameGraph(panel, profiles[def.profile], {
            palette: def.unit === 'bytes' ? 'mem' : 'cpu', unit: def.unit, inverted: data.inverted,
          });
        };
      } else if (def.kind === 'timeline') {
        tab.make = function () { return new Timeline(panel, data, profiles[data.timeline.profile]); };
      } else if (def.kind === 'memory') {
        tab.make = function () { return new MemoryChart(panel, data); };
      }
      b.addEventListener('click', function () { activate(tab); });
      tabs.push(tab);
    }

    window.__pg = {
      ready: false,
      active: null,
      tabs: tabs.map(function (t) { return t.def.id; }),
      widget: function () { return active && active.widget; },
      locate: function (name) { const w = active && active.widget; return w && w.locate ? w.locate(name) : null; },
    };

    let resizeTimer = 0;
    window.addEventListener('resize', function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () { if (active && active.widget) active.widget.draw(); }, 100);
    });
    document.addEventListener('keydown', function (e) {
      const w = active && active.widget;
      if (!w) return;
      const typing = e.target && (e.target.tagName === 'INPUT' || e.target.tagName === 'SELECT');
      if ((e.key === '/' && !typing) || ((e.ctrlKey || e.metaKey) && e.key === 'f' && w.searchInput)) {
        if (w.searchInput) { e.preventDefault(); w.searchInput.focus(); w.searchInput.select(); }
      } else if (e.key === 'Escape' && !typing) {
        if (w.setZoom) w.setZoom(0);
        if (w.reset) w.reset();
      }
    });

    const byHash = function () {
      const id = decodeURIComponent(location.hash.slice(1));
      return tabs.find(function (t) { return t.def.id === id; });
    };
    window.addEventListener('hashchange', function () { const t = byHash(); if (t) activate(t); });
    const first = byHash() ||
      tabs.find(function (t) { return t.def.id === data.default_tab && !t.def.missing; }) ||
      tabs.find(function (t) { return !t.def.missing; }) || tabs[0];
    if (first) activate(first);
    window.__pg.ready = true;
    document.body.dataset.ready = '1';
    if (window.performance && performance.mark) performance.mark('pg-first-paint');
  }

  // The differential flame graph (reporters/diff.c) embeds this file
  // before diff.js, which builds its page from these same pieces.
  window.__pgLib = {
    el: el, fmtInt: fmtInt, fmtBytes: fmtBytes, fmtSeconds: fmtSeconds, fmtPct: fmtPct,
    button: button, checkbox: checkbox, showTooltip: showTooltip, hideTooltip: hideTooltip, tooltip: tooltip,
    settings: settings, labelName: labelName, collapseTemplates: collapseTemplates, Profile: Profile, FlameGraph: FlameGraph, ROOT_NAME: ROOT_NAME, MERGED_NAME: MERGED_NAME,
    isRuntimeFrame: isRuntimeFrame,
  };
  const dataElement = document.getElementById('pg-data');
  if (!dataElement || dataElement.getAttribute('data-kind') !== 'diff') main();
})();
