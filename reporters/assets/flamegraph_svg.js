/*
 * The script inside profgate's static SVG flame graphs (flamegraph_svg.c):
 * click a frame to zoom into it (its ancestors stay, dimmed, full width),
 * "Reset Zoom" or Esc to zoom out, "Search" or Ctrl-F for a regular
 * expression whose matches turn magenta with their share shown bottom
 * right, and the hovered frame's details along the bottom. Each frame is
 * <g class="f" data-x data-w> (offset and weight in samples or bytes) with
 * <title>, <rect> and <text>; names are read back from the title's text.
 * A viewer that runs no scripts (an <img> in a README) still shows it all.
 */
(function () {
  'use strict';
  var svg = document.documentElement;
  var XPAD = 10;
  var CHAR = 12 * 0.59;  // the average width of a Verdana character at 12px
  var MATCH = 'rgb(230,0,230)';
  var frames = [];
  var details, matched, reset, search;
  var zoomedTo = null;
  var query = null;

  function label(f, width) {
    var chars = Math.floor(width / CHAR);
    if (chars < 3) return '';
    if (f.name.length <= chars) return f.name;
    return f.name.slice(0, chars - 2) + '..';
  }

  function place(f, x, width, dimmed, shown) {
    f.g.style.display = shown ? '' : 'none';
    if (!shown) return;
    f.rect.setAttribute('x', x.toFixed(1));
    f.rect.setAttribute('width', width.toFixed(1));
    f.text.setAttribute('x', (x + 3).toFixed(2));
    f.text.textContent = label(f, width);
    if (dimmed) f.g.classList.add('parent'); else f.g.classList.remove('parent');
  }

  function zoom(target) {
    var width = Number(svg.getAttribute('width')) - 2 * XPAD;
    var inverted = svg.getAttribute('data-inverted') === '1';
    var scale = width / target.w;
    zoomedTo = target;
    frames.forEach(function (f) {
      // Frames nearer the root than the target: its ancestors if they span it.
      var nearer = inverted ? f.y < target.y : f.y > target.y;
      var inside = f.x >= target.x && f.x + f.w <= target.x + target.w;
      var spans = f.x <= target.x && f.x + f.w >= target.x + target.w;
      if (nearer && spans) place(f, XPAD, width, true, true);
      else if (!nearer && inside) place(f, XPAD + (f.x - target.x) * scale, f.w * scale, false, true);
      else place(f, 0, 0, false, false);
    });
    reset.style.opacity = '1';
  }

  function unzoom() {
    zoomedTo = null;
    frames.forEach(function (f) { place(f, f.x0, f.w0, false, true); });
    reset.style.opacity = '0';
  }

  function highlight(re) {
    var total = Number(svg.getAttribute('data-total')) || 1;
    var hits = [];
    query = re;
    frames.forEach(function (f) {
      var hit = re !== null && f.name !== 'all' && re.test(f.name);
      f.rect.setAttribute('fill', hit ? MATCH : f.fill);
      if (hit) hits.push([f.x, f.x + f.w]);
    });
    if (re === null) {
      matched.textContent = ' ';
      search.textContent = 'Search';
      return;
    }
    // A match inside another match is the same samples: add up the union.
    hits.sort(function (a, b) { return a[0] - b[0]; });
    var sum = 0, end = -1;
    hits.forEach(function (h) {
      if (h[0] >= end) { sum += h[1] - h[0]; end = h[1]; } else if (h[1] > end) { sum += h[1] - end; end = h[1]; }
    });
    matched.textContent = 'Matched: ' + (100 * sum / total).toFixed(2) + '%';
    search.textContent = 'Reset Search';
  }

  function ask() {
    var text = window.prompt('Search for (a regular expression; empty to clear)', query ? query.source : '');
    if (text === null) return;
    if (text === '') { highlight(null); return; }
    try {
      highlight(new RegExp(text));
    } catch (e) {
      window.alert('Not a regular expression: ' + e.message);
    }
  }

  function frameOf(node) {
    while (node && node !== svg) {
      if (node.classList && node.classList.contains('f')) return node.pgFrame;
      node = node.parentNode;
    }
    return null;
  }

  function init() {
    details = document.getElementById('details');
    matched = document.getElementById('matched');
    reset = document.getElementById('reset');
    search = document.getElementById('search');
    var gs = document.querySelectorAll('g.f');
    for (var i = 0; i < gs.length; i++) {
      var g = gs[i];
      var rect = g.querySelector('rect');
      var info = g.querySelector('title').textContent;
      var f = {
        g: g, rect: rect, text: g.querySelector('text'), info: info,
        name: info.slice(0, info.lastIndexOf(' (')),
        x: Number(g.getAttribute('data-x')), w: Number(g.getAttribute('data-w')),
        x0: Number(rect.getAttribute('x')), w0: Number(rect.getAttribute('width')),
        y: Number(rect.getAttribute('y')), fill: rect.getAttribute('fill'),
      };
      g.pgFrame = f;
      frames.push(f);
    }
    var layer = document.getElementById('frames');
    layer.addEventListener('click', function (e) {
      var f = frameOf(e.target);
      if (!f) return;
      if (f.name === 'all' && f.y === frames[0].y) unzoom();
      else if (f === zoomedTo) unzoom();
      else zoom(f);
    });
    layer.addEventListener('mouseover', function (e) {
      var f = frameOf(e.target);
      if (f) details.textContent = 'Function: ' + f.info;
    });
    layer.addEventListener('mouseout', function () { details.textContent = ' '; });
    reset.addEventListener('click', unzoom);
    search.addEventListener('click', function () { if (query) highlight(null); else ask(); });
    window.addEventListener('keydown', function (e) {
      if ((e.ctrlKey || e.metaKey) && e.key === 'f') { e.preventDefault(); ask(); }
      else if (e.key === 'Escape') { unzoom(); highlight(null); }
    });
  }

  if (document.readyState === 'loading') window.addEventListener('DOMContentLoaded', init);
  else init();
})();
