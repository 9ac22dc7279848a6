/* idpmap: the interactive part of the offline flow map (inlined into every map by mapper/render.py).
 *
 * The page carries a map view as plain JSON (see mapper/render.py `_page_data`): places as rows, deduplicated
 * periods / sources / split rules / notes, and the flows as columns of numbers (o, d: place indices; p: people;
 * lo, hi: people - people_min and people_max - people; t: period; s: source set; x: split rule; n: note;
 * m: 1 when modelled). Coordinates are integers in 1/q degrees.
 *
 * All flows are drawn on ONE canvas (a Leaflet renderer: it follows pans and zoom animations), batched by colour
 * and width, with lazily built boxes for hit-testing hover and clicks. Places can be grouped by zoom (D.levels):
 * flows between groups are summed at low zoom and split as you zoom in. Only the largest D.top flows are drawn
 * until the reader asks for all.
 *
 * Every text from the inputs is put into the page with textContent, never as HTML; only http(s) URLs become links.
 */
function idpmapInit(map, D) {
  "use strict";
  var q = D.q, CURV = D.curvature;
  var minPx = D.scale[0], maxPx = D.scale[1], maxPeople = D.scale[2];
  var PRECISION = ["point", "subdistrict", "district", "governorate"];

  function fmt(n) { return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function day(iso) {
    if (!iso || iso.length < 10) { return NaN; }
    return Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / 864e5;
  }
  function isoOf(d) { return new Date(d * 864e5).toISOString().slice(0, 10); }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  // DOM helpers: text only ever goes in through textContent; <bdi> keeps bidi overrides from leaking out.
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null && text !== "") {
      var b = document.createElement("bdi");
      b.textContent = text;
      e.appendChild(b);
    }
    return e;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function arabic(parent, text, cls) {
    if (!text) { return; }
    var ar = add(parent, el("span", cls || "idpmap-ar", text));
    ar.setAttribute("dir", "rtl");
    ar.setAttribute("lang", "ar");
  }
  function safeUrl(url) {
    url = String(url || "").trim();
    return /^https?:\/\/[^\s\u0000-\u001f\u007f"'<>`]+$/i.test(url) ? url : null;
  }
  // Line width: mapper/view.py width_px, over the largest arrow at the current level (groups carry more).
  var scaleTop = maxPeople;
  function widthOf(people) {
    if (!(scaleTop > 0)) { return minPx; }
    return minPx + (maxPx - minPx) * Math.sqrt(Math.max(0, Math.min(people, scaleTop)) / scaleTop);
  }
  function nice(v) {  // mapper/view.py nice(): the largest 1, 2 or 5 x 10^k not above v
    if (!(v > 0)) { return 0; }
    var exp = Math.pow(10, Math.floor(Math.log10(v)));
    return [5, 2, 1].map(function (k) { return k * exp; }).find(function (x) { return x <= v; }) || exp;
  }
  function setScale(top) {
    scaleTop = top > 0 ? top : maxPeople;
    var values = [scaleTop, nice(scaleTop / 4), nice(scaleTop / 16)];
    document.querySelectorAll(".idpmap-wrow").forEach(function (row, k) {
      if (values[k] === undefined) { return; }
      row.querySelector("span").textContent = fmt(values[k]);
      row.querySelector("line").setAttribute("stroke-width", widthOf(values[k]).toFixed(1));
    });
  }
  function groupColour(g) { return (g >= 0 && D.groups[g]) ? D.groups[g][1] : "#7f7f7f"; }

  // --- data ---------------------------------------------------------------------------------------------------
  var places = D.places.map(function (r, i) {
    return { i: i, name: r[0], ar: r[1], kind: r[2], lat: r[3] / q, lon: r[4] / q, pin: r[5], pout: r[6],
             group: r[7], label: r[8], pcode: r[9], prec: r[10] || 0, src: r[11] || 0, flows: [],
             inAll: r[5], outAll: r[6] };
  });
  var periods = D.periods.map(function (p) {
    var s = day(p[0]), e = day(p[1]);
    if (isNaN(s)) { s = e; }
    if (isNaN(e)) { e = s; }
    return { s: s, e: e, start: p[0], end: p[1] };
  });
  var F = D.flows, n = F.p.length;
  var flows = new Array(n);
  for (var fi = 0; fi < n; fi++) {
    flows[fi] = { i: fi, o: F.o[fi], d: F.d[fi], people: F.p[fi], lo: F.p[fi] - F.lo[fi], hi: F.p[fi] + F.hi[fi],
                  period: F.t[fi], src: F.s[fi], split: F.x[fi], note: F.n[fi], modelled: F.m[fi] === 1 };
    places[F.o[fi]].flows.push(fi);
    if (F.d[fi] !== F.o[fi]) { places[F.d[fi]].flows.push(fi); }
  }
  var visible = new Uint8Array(n).fill(1);

  // --- panes, basemap, border ---------------------------------------------------------------------------------
  map.createPane("idpmapBasemap").style.zIndex = 250;
  map.createPane("idpmapBorder").style.zIndex = 300;
  map.createPane("idpmapFlows").style.zIndex = 400;
  map.createPane("idpmapPlaces").style.zIndex = 450;
  var container = map.getContainer();
  container.classList.add("idpmap-map");
  var phone = container.clientWidth < 640;
  if (phone) { container.classList.add("idpmap-phone"); }
  // The view is fitted to the data once the controls are in place (fitClear), before the layers go on the map.

  var outlines = L.geoJSON(D.outlines, {
    pane: "idpmapBasemap", interactive: false,
    style: function (f) {
      var home = (f.properties && f.properties.home) === true;
      return { color: "#8a8a8a", weight: 1, fillColor: home ? "#ffffff" : "#ecebe6", fillOpacity: 1,
               className: "idpmap-outline" };
    }
  });
  // Choropleth: people arriving by admin area (gazetteer COD-AB polygons), under the flows.
  var areas = null;
  if (D.areas) {
    map.createPane("idpmapAreas").style.zIndex = 260;
    areas = L.geoJSON(D.areas.features, {
      pane: "idpmapAreas",
      style: function (f) {
        var c = f.properties.cls;
        return { color: "#8c6d31", weight: 0.8, fillColor: c >= 0 ? D.areas.colours[c] : "#ffffff",
                 fillOpacity: c >= 0 ? 0.45 : 0, className: "idpmap-area" };
      },
      onEachFeature: function (f, layer) {
        layer.bindPopup(function () {
          var box = el("div", "idpmap-pop idpmap-area-pop");
          var h = add(box, el("div", "idpmap-pop-title", f.properties.name || f.properties.pcode));
          arabic(h, f.properties.name_ar);
          add(box, el("div", "idpmap-kind", D.areas.name + ", " + f.properties.pcode));
          add(box, el("div", "", "In: " + fmt(f.properties.people_in) + " people; out: " +
            fmt(f.properties.people_out) + " people"));
          return box;
        }, { maxWidth: 300, className: "idpmap-popup" });
      }
    });
  }
  // Areas of region destinations ("camps along the border"): the area the source names, its arrow to its centre.
  var regionAreas = L.layerGroup();
  if (D.regions && D.regions.length) {
    map.createPane("idpmapRegions").style.zIndex = 270;
    D.regions.forEach(function (r) {
      var area = L.geoJSON(r[2], { pane: "idpmapRegions", interactive: false,
        style: { color: "#5b3a8c", weight: 2, dashArray: "6 4", fillColor: "#5b3a8c", fillOpacity: 0.12,
                 className: "idpmap-region" } });
      if (r[1]) {  // "" when its place is labelled already
        area.bindTooltip(r[1], { permanent: true, direction: "center", className: "idpmap-region-label" });
      }
      area.addTo(regionAreas);
    });
  }
  var border = null;
  if (D.border) {
    border = L.layerGroup();
    L.geoJSON(D.border, { pane: "idpmapBorder", interactive: false,
      style: { color: "#b2182b", weight: 4, opacity: 0.9, dashArray: "10 5", className: "idpmap-border" } })
      .addTo(border);
    if (D.borderLabel) {
      var bl = el("div", "idpmap-border-text");
      add(bl, el("span", "", "Syria\u2013Turkey border"));
      // "the Syrian-Turkish border" in Arabic
      arabic(bl, "\u0627\u0644\u062d\u062f\u0648\u062f \u0627\u0644\u0633\u0648\u0631\u064a\u0629 " +
        "\u0627\u0644\u062a\u0631\u0643\u064a\u0629");
      L.marker(D.borderLabel, { interactive: false, keyboard: false,
        icon: L.divIcon({ className: "idpmap-border-label", html: bl, iconSize: null, iconAnchor: [-6, 28] }) })
        .addTo(border);
    }
  }

  // --- nodes (places, or groups of places at low zoom) and edges (flows between them) ---------------------------
  var levelIx = -1;     // index into D.levels; -1 = every place on its own
  var grouped = true;   // the reader may turn grouping off
  var showAll = false;  // draw every edge, not only the largest D.top
  var nodes = [], edges = [], drawn = [], highlighted = null;

  function levelFor(zoom) {
    if (!grouped || !D.levels.length) { return -1; }
    var k = 0;
    for (var i = 0; i < D.levels.length; i++) { if (D.levels[i].z <= zoom) { k = i; } }
    return k === D.levels.length - 1 ? -1 : k;
  }
  function buildNodes() {
    if (levelIx < 0) {
      nodes = places.map(function (p) {
        return { i: p.i, name: p.name, ar: p.ar, kind: p.kind, lat: p.lat, lon: p.lon, pin: p.pin, pout: p.pout,
                 base: p.inAll + p.outAll, group: p.group, label: p.label, pcode: p.pcode, prec: p.prec,
                 members: [p.i], place: p };
      });
      return;
    }
    var lv = D.levels[levelIx];
    nodes = lv.names.map(function (name, c) {
      return { i: c, name: name, ar: "", kind: "group", lat: lv.lat[c] / q, lon: lv.lon[c] / q, pin: 0, pout: 0,
               base: 0, group: -1, label: 0, pcode: "", prec: 0, members: [], place: null, best: -1 };
    });
    places.forEach(function (p) {
      var node = nodes[lv.of[p.i]];
      node.members.push(p.i);
      node.pin += p.pin;
      node.pout += p.pout;
      node.base += p.inAll + p.outAll;
      if (p.pout > 0 && (node.best < 0 || p.pout > places[node.best].pout)) {
        node.best = p.i;
        node.group = p.group;
      }
    });
    nodes.forEach(function (node) {
      if (node.members.length === 1) {
        var p = places[node.members[0]];
        node.name = p.name; node.ar = p.ar; node.kind = p.kind; node.pcode = p.pcode; node.prec = p.prec;
        node.place = p;
      }
    });
    nodes.slice().sort(function (a, b) { return (b.pin + b.pout) - (a.pin + a.pout) || a.i - b.i; })
      .slice(0, 12).forEach(function (node) { if (node.pin + node.pout > 0) { node.label = 1; } });
  }
  function setTopNode() {
    topNode = 0;
    nodes.forEach(function (x) { topNode = Math.max(topNode, x.pin, x.pout); });
  }
  function buildEdges() {
    var of = levelIx < 0 ? null : D.levels[levelIx].of;
    var byKey = new Map();
    edges = [];
    for (var i = 0; i < n; i++) {
      if (!visible[i]) { continue; }
      var f = flows[i];
      var o = of ? of[f.o] : f.o, d = of ? of[f.d] : f.d;
      if (o === d) { continue; }  // inside one place or group: counted in its totals, no arrow
      var key = o * nodes.length + d, e = of ? byKey.get(key) : undefined;
      if (e === undefined) {
        e = { o: o, d: d, people: 0, members: [], modelled: true,
              colour: groupColour(of ? nodes[o].group : places[f.o].group) };
        if (of) { byKey.set(key, e); }
        edges.push(e);
      }
      e.people += f.people;
      e.members.push(i);
      e.modelled = e.modelled && f.modelled;
    }
    edges.sort(function (a, b) { return b.people - a.people || a.members[0] - b.members[0]; });
    // Groups carry more than any one flow: at a group level the widths follow its largest arrow.
    setScale(of && edges.length ? edges[0].people : maxPeople);
  }

  // --- canvases -------------------------------------------------------------------------------------------------
  // A canvas in a pane, in layer pixels: it holds all it draws when that spans at most three screens each way (no
  // pan redraws), else it reaches half a screen beyond the map on every side (a pan within that redraws nothing).
  // A subclass gives _extentOf(fresh) (the layer-pixel box of what it draws, or null; fresh: a new zoom, origin or
  // content) and _paint(ctx, bounds).
  var BoxCanvas = L.Renderer.extend({
    options: { padding: 0.5 },
    _initContainer: function () {
      this._container = document.createElement("canvas");
      this._container.className = this.options.className;
      this._ctx = this._container.getContext("2d");
      this._dirty = true;
    },
    _destroyContainer: function () {
      this._stop();
      L.DomUtil.remove(this._container);
      delete this._container;
    },
    _stop: function () {},
    _updatePaths: function () {},
    _update: function () {
      var map = this._map;
      if (map._animatingZoom && this._bounds) { return; }
      var origin = map.getPixelOrigin(), seen = map.getPixelBounds(), zoom = map.getZoom();
      var view = L.bounds(seen.min.subtract(origin), seen.max.subtract(origin));
      var fresh = this._dirty || !this._origin || this._zoom !== zoom || !origin.equals(this._origin);
      if (!fresh && covers(this._bounds, view, this._extent)) { return; }  // what is in view is drawn already
      this._dirty = false;
      L.Renderer.prototype._update.call(this);
      this._origin = origin;
      this._extent = this._extentOf(fresh);
      var size = map.getSize(), e = this._extent;
      if (e && e.max.x - e.min.x <= 3 * size.x && e.max.y - e.min.y <= 3 * size.y) { this._bounds = e; }
      var b = this._bounds, c = this._container, s = b.getSize(), m = L.Browser.retina ? 2 : 1;
      L.DomUtil.setPosition(c, b.min);
      c.width = m * s.x;
      c.height = m * s.y;
      c.style.width = s.x + "px";
      c.style.height = s.y + "px";
      var ctx = this._ctx;
      ctx.setTransform(m, 0, 0, m, 0, 0);
      ctx.translate(-b.min.x, -b.min.y);
      this._paint(ctx, b);
    },
    redraw: function () { this._dirty = true; if (this._map) { this._update(); } return this; },
    // While zooming, the canvas is scaled about its own top-left corner (Leaflet's assumes the padded bounds).
    _updateTransform: function (center, zoom) {
      if (!this._origin) { return; }
      var scale = this._map.getZoomScale(zoom, this._zoom);
      var topLeft = this._bounds.min.add(this._origin).multiplyBy(scale)
        .subtract(this._map._getNewPixelOrigin(center, zoom));
      if (L.Browser.any3d) { L.DomUtil.setTransform(this._container, topLeft, scale); }
      else { L.DomUtil.setPosition(this._container, topLeft); }
    }
  });
  // Whether the canvas ``b`` holds the part of the drawing's extent that is in ``view``.
  function covers(b, view, extent) {
    if (!extent) { return true; }
    var lo = L.point(Math.max(view.min.x, extent.min.x), Math.max(view.min.y, extent.min.y));
    var hi = L.point(Math.min(view.max.x, extent.max.x), Math.min(view.max.y, extent.max.y));
    return lo.x >= hi.x || lo.y >= hi.y || b.contains(L.bounds(lo, hi));
  }
  function boxOf(x0, y0, x1, y1) {
    return x0 <= x1 ? L.bounds(L.point(Math.floor(x0), Math.floor(y0)), L.point(Math.ceil(x1), Math.ceil(y1))) : null;
  }

  // The arrows, all on one canvas. A pan at the same zoom keeps their layout and only paints them again.
  var FlowCanvas = BoxCanvas.extend({
    options: { pane: "idpmapFlows", className: "idpmap-flows" },
    _extentOf: function (fresh) {
      if (fresh || !layout) { plan(); }
      return layout.extent;
    },
    _paint: function (ctx, bounds) { paintLater(ctx, bounds); },
    _stop: function () { if (paintJob !== null) { L.Util.cancelAnimFrame(paintJob); paintJob = null; } }
  });
  var flowLayer = new FlowCanvas();

  function nodePoints() {
    return nodes.map(function (node) { return map.latLngToLayerPoint([node.lat, node.lon]); });
  }
  var topNode = 0;  // the largest in or out of any node, set with the nodes
  function radiusOf(node) {
    return 3 + 13 * (topNode > 0 ? Math.sqrt(Math.max(node.pin, node.pout) / topNode) : 0);
  }
  // Geometry of one edge in layer pixels: the curve (origin, control, end) trimmed before the destination's
  // marker, and the arrowhead's two wings. Returns null when both ends fall on one pixel.
  function geometry(po, pd, w, rd) {
    var vx = pd.x - po.x, vy = pd.y - po.y, len = Math.sqrt(vx * vx + vy * vy);
    if (len < 2) { return null; }
    var cx = (po.x + pd.x) / 2 - vy * CURV, cy = (po.y + pd.y) / 2 + vx * CURV;  // bent to the right
    var t = Math.max(0.5, 1 - Math.min(rd + 2, 0.3 * len) / (1.1 * len));
    var p1x = po.x + t * (cx - po.x), p1y = po.y + t * (cy - po.y);
    var u = 1 - t;
    var ex = u * u * po.x + 2 * u * t * cx + t * t * pd.x, ey = u * u * po.y + 2 * u * t * cy + t * t * pd.y;
    var tx = ex - p1x, ty = ey - p1y, tn = Math.sqrt(tx * tx + ty * ty) || 1;
    tx /= tn; ty /= tn;
    var head = Math.min(4 + 1.6 * w, 0.35 * len), c25 = 0.906, s25 = 0.423;
    return [po.x, po.y, p1x, p1y, ex, ey,
            ex - head * (tx * c25 - ty * s25), ey - head * (tx * s25 + ty * c25),
            ex - head * (tx * c25 + ty * s25), ey - head * (-tx * s25 + ty * c25)];
  }
  // The arrows of this view, largest first. ``plan`` picks them at once, in one light pass: the edges to draw (the
  // largest or all, but those whose ends fall within 2 px of each other at this zoom) and the box they span.
  // ``layOut`` gives them their geometry and look (colour, width, alpha, dash) slice by slice as they are painted
  // (at 100,000 arrows, laying all out in one go was a task of 80+ ms). ``drawn`` holds those laid out.
  var layout = null, drawn = [], shorter = 0;
  function plan() {
    drawn = [];
    grid = null;
    var limit = nodes.length ? (showAll ? edges.length : topCount()) : 0;
    var pts = nodePoints(), order = new Int32Array(limit), count = 0;
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    shorter = 0;
    for (var k = 0; k < limit; k++) {
      var e = edges[k], po = pts[e.o], pd = pts[e.d], vx = pd.x - po.x, vy = pd.y - po.y, l2 = vx * vx + vy * vy;
      if (l2 < 4) { shorter++; continue; }
      order[count++] = k;
      // a quadratic curve strays from its chord by at most half its control point's offset (CURV x length)
      var bend = CURV * Math.sqrt(l2) / 2;
      x0 = Math.min(x0, po.x - bend, pd.x - bend); x1 = Math.max(x1, po.x + bend, pd.x + bend);
      y0 = Math.min(y0, po.y - bend, pd.y - bend); y1 = Math.max(y1, po.y + bend, pd.y + bend);
    }
    var pad = maxPx + 4 + 1.6 * maxPx;  // half a line, an arrowhead's wing
    layout = { pts: pts, radius: nodes.map(radiusOf), order: order, count: count, looks: new Map(),
               topPeople: edges.length ? edges[0].people : 1, extent: boxOf(x0 - pad, y0 - pad, x1 + pad, y1 + pad) };
    container.setAttribute("data-drawn-flows", String(count));
    var note = document.getElementById("idpmap-drawn");
    if (note) {
      note.textContent = limit < edges.length ? "drawing the largest " + fmt(limit) + " of " + fmt(edges.length)
        : fmt(edges.length) + (levelIx >= 0 ? " arrows between groups" : " arrows");
    }
  }
  function layOut(upTo) {
    var lay = layout, looks = lay.looks;
    for (var k = drawn.length; k < Math.min(upTo, lay.count); k++) {
      var e = edges[lay.order[k]], w = widthOf(e.people);
      var g = geometry(lay.pts[e.o], lay.pts[e.d], w, lay.radius[e.d]);
      var dim = highlighted !== null && e.o !== highlighted && e.d !== highlighted;
      var wq = Math.round(w * 2) / 2;
      // Small flows fade (as on flowmap.gl): opacity by the square root of their share of the largest.
      var alpha = dim ? 0.12 : Math.round(10 * (0.3 + 0.55 * Math.sqrt(Math.min(1, e.people / lay.topPeople)))) / 10;
      var byColour = looks.get(e.colour);
      if (!byColour) { byColour = new Map(); looks.set(e.colour, byColour); }
      var key = (Math.round(alpha * 100) * 2 + (e.modelled ? 1 : 0)) * 4096 + Math.round(wq * 2);
      var look = byColour.get(key);
      if (!look) {
        look = { w: wq, alpha: alpha, dash: e.modelled, colour: e.colour };
        byColour.set(key, look);
      }
      drawn.push({ edge: e, g: g, w: w, dim: dim, look: look });
    }
  }
  // Painting: thousands of arrows at once would freeze the page (tens of thousands take seconds), so they are laid
  // out and painted in slices, largest first, one slice per animation frame, each slice batched by look. A new
  // view, zoom, filter or highlight cancels the rest and starts again.
  var paintJob = null, painted = 0, forcedSlice = 0;
  var sliceSize = 200;  // arrows per frame, adapted to keep each frame's work near SLICE_MS
  var SLICE_MS = 10, FIRST_SLICE = 50, progress = null;
  function paintLater(ctx, bounds) {
    if (paintJob !== null) { L.Util.cancelAnimFrame(paintJob); paintJob = null; }
    painted = 0;
    var total = layout.count;
    function slice(count) {
      var start = performance.now(), end = Math.min(total, painted + count);
      layOut(end);
      // Each slice goes under what is painted already, its batches strongest first: the same picture as one pass
      // painting the faintest first and the strongest on top.
      ctx.globalCompositeOperation = "destination-over";
      paint(ctx, batchesOf(drawn, painted, end, bounds).reverse());
      ctx.globalCompositeOperation = "source-over";
      // Chromium records strokes and rasterises them later, in the same task: a one-pixel read rasterises them
      // now, so that the time spent is the slice's real cost.
      ctx.getImageData(0, 0, 1, 1);
      var spent = performance.now() - start, done = end - painted;
      painted = end;
      if (!forcedSlice && done >= count) {  // the next slice: about SLICE_MS of work
        sliceSize = Math.max(20, Math.min(2 * done, Math.round(done * SLICE_MS / Math.max(spent, 0.5))));
      }
      showProgress(total);
      if (painted < total) {
        paintJob = L.Util.requestAnimFrame(function () { paintJob = null; slice(forcedSlice || sliceSize); });
      }
    }
    // The first slice now; "largest" (at most D.top arrows) at once, as before. "All" starts small: an arrow's cost
    // is its pixels, and the first are the widest, longer at every zoom in (500 of them took 70 ms two levels in).
    slice(forcedSlice || (showAll ? Math.min(sliceSize, FIRST_SLICE) : Math.max(sliceSize, D.top)));
  }
  function showProgress(total) {
    container.setAttribute("data-painted-flows", String(painted));
    if (!progress) {
      var note = document.getElementById("idpmap-drawn");
      if (!note) { return; }
      progress = el("span", "idpmap-progress");
      note.parentNode.insertBefore(progress, note.nextSibling);
    }
    var parts = [];
    if (painted < total) { parts.push("drawing\u2026 " + Math.floor(100 * painted / total) + "%"); }
    if (shorter) { parts.push(fmt(shorter) + " shorter than 2 px not drawn"); }
    progress.textContent = parts.length ? "(" + parts.join("; ") + ")" : "";
  }
  // The arrows queue[from..to) that reach into ``bounds`` (the canvas), in batches by look.
  function batchesOf(queue, from, to, bounds) {
    var batches = new Map(), x0 = bounds.min.x, y0 = bounds.min.y, x1 = bounds.max.x, y1 = bounds.max.y;
    for (var k = from; k < to; k++) {
      var item = queue[k], g = item.g, pad = item.w / 2 + 1;
      if (Math.max(g[0], g[2], g[4], g[6], g[8]) + pad < x0 || Math.min(g[0], g[2], g[4], g[6], g[8]) - pad > x1 ||
          Math.max(g[1], g[3], g[5], g[7], g[9]) + pad < y0 || Math.min(g[1], g[3], g[5], g[7], g[9]) - pad > y1) {
        continue;  // off the canvas
      }
      var batch = batches.get(item.look);
      if (!batch) {
        batch = { w: item.look.w, alpha: item.look.alpha, dash: item.look.dash, colour: item.look.colour, geo: [] };
        batches.set(item.look, batch);
      }
      batch.geo.push(g);
    }
    return Array.from(batches.values()).sort(function (a, b) {
      return (a.alpha - b.alpha) || (b.w - a.w) || (a.colour < b.colour ? -1 : a.colour > b.colour ? 1 : 0);
    });
  }
  function paint(ctx, order) {
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    order.forEach(function (batch) {
      ctx.beginPath();
      batch.geo.forEach(function (g) {
        ctx.moveTo(g[0], g[1]);
        ctx.quadraticCurveTo(g[2], g[3], g[4], g[5]);
      });
      ctx.globalAlpha = batch.alpha;
      ctx.strokeStyle = batch.colour;
      ctx.lineWidth = batch.w;
      ctx.setLineDash(batch.dash ? [Math.max(6, 2 * batch.w), Math.max(4, 1.2 * batch.w)] : []);
      ctx.stroke();
      ctx.beginPath();
      ctx.setLineDash([]);
      batch.geo.forEach(function (g) {
        ctx.moveTo(g[6], g[7]);
        ctx.lineTo(g[4], g[5]);
        ctx.lineTo(g[8], g[9]);
      });
      ctx.stroke();
    });
    ctx.globalAlpha = 1;
  }
  // "Top N": the largest edges that carry 90% of the people shown, at least 100 and at most D.top.
  function topCount() {
    var total = 0, sum = 0, k = 0;
    edges.forEach(function (e) { total += e.people; });
    while (k < edges.length && (k < 100 || sum < 0.9 * total) && k < D.top) { sum += edges[k].people; k++; }
    return k;
  }
  function redraw() { flowLayer.redraw(); }

  // Hit-testing: the box of each painted arrow (its curve's ends and control point, the arrowhead, 12 px around),
  // filled in as they are painted (a grid of cells cost most of a second at 100,000 arrows), then a scan of boxes.
  var grid = null, boxed = 0;
  function sample(g, k) {
    var t = k / 8, u = 1 - t;
    return [u * u * g[0] + 2 * u * t * g[2] + t * t * g[4], u * u * g[1] + 2 * u * t * g[3] + t * t * g[5]];
  }
  function buildBoxes() {
    if (!grid) { grid = new Float64Array(4 * layout.count); boxed = 0; }
    for (; boxed < painted; boxed++) {
      var g = drawn[boxed].g, pad = drawn[boxed].w / 2 + 12, k = 4 * boxed;
      grid[k] = Math.min(g[0], g[2], g[4], g[6], g[8]) - pad;
      grid[k + 1] = Math.min(g[1], g[3], g[5], g[7], g[9]) - pad;
      grid[k + 2] = Math.max(g[0], g[2], g[4], g[6], g[8]) + pad;
      grid[k + 3] = Math.max(g[1], g[3], g[5], g[7], g[9]) + pad;
    }
  }
  function nearArrows(x, y) {  // indices into drawn of the painted arrows whose box holds (x, y), topmost first
    if (!layout) { return []; }
    buildBoxes();
    var out = [];
    for (var idx = painted - 1; idx >= 0; idx--) {
      var k = 4 * idx;
      if (x >= grid[k] && x <= grid[k + 2] && y >= grid[k + 1] && y <= grid[k + 3]) { out.push(idx); }
    }
    return out;
  }
  function segDist(px, py, a, b) {
    var vx = b[0] - a[0], vy = b[1] - a[1], l2 = vx * vx + vy * vy;
    var t = l2 > 0 ? Math.max(0, Math.min(1, ((px - a[0]) * vx + (py - a[1]) * vy) / l2)) : 0;
    var dx = a[0] + t * vx - px, dy = a[1] + t * vy - py;
    return Math.sqrt(dx * dx + dy * dy);
  }
  function flowAt(layerPoint, tolerance) {
    var list = nearArrows(layerPoint.x, layerPoint.y);
    var best = null, bestD = Infinity;
    list.forEach(function (idx) {
      var item = drawn[idx], prev = sample(item.g, 0), d = Infinity;
      for (var k = 1; k <= 8; k++) {
        var pt = sample(item.g, k);
        d = Math.min(d, segDist(layerPoint.x, layerPoint.y, prev, pt));
        prev = pt;
      }
      d = Math.min(d, segDist(layerPoint.x, layerPoint.y, [item.g[6], item.g[7]], [item.g[4], item.g[5]]),
                   segDist(layerPoint.x, layerPoint.y, [item.g[8], item.g[9]], [item.g[4], item.g[5]]));
      d -= item.w / 2;
      if (d <= tolerance && d < bestD - 0.5) { best = item; bestD = d; }
    });
    return best;
  }

  // --- popups -------------------------------------------------------------------------------------------------
  function sourceList(parent, setIndex) {
    var ids = D.srcsets[setIndex] || [];
    if (!ids.length) { return; }
    add(parent, el("div", "idpmap-pop-h", ids.length === 1 ? "Source" : "Sources (" + ids.length + ")"));
    var list = add(parent, el("ol", "idpmap-sources"));
    ids.forEach(function (si) {
      var s = D.sources[si];  // report_id, agency, publisher, published, url, figure text, note
      var li = add(list, el("li", "idpmap-source"));
      var who = [s[1], s[2] && s[2] !== s[1] ? s[2] : "", s[3]].filter(Boolean).join(", ");
      add(li, el("span", "idpmap-who", who || "unnamed source"));
      if (s[5]) { add(li, el("span", "idpmap-fig", ": " + s[5])); }
      if (s[0]) { add(li, el("span", "idpmap-rid", " [" + s[0] + "]")); }
      var url = safeUrl(s[4]);
      if (url) {
        li.appendChild(document.createTextNode(" "));
        var a = add(li, document.createElement("a"));
        a.href = url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        a.textContent = "link";
        a.title = url;
      } else if (s[4]) {
        add(li, el("span", "idpmap-url", " " + s[4]));
      }
      if (s[6]) { add(li, el("div", "idpmap-note", s[6])); }
    });
  }
  function periodText(pi) {
    var p = periods[pi];
    if (!p) { return ""; }
    return p.start === p.end ? p.start : p.start + " \u2013 " + p.end;
  }
  function approxText(prec) {
    return prec > 0 ? "location approximate: " + PRECISION[prec] + " (no point of its own)" : "";
  }
  function flowPopup(f) {
    var box = el("div", "idpmap-pop idpmap-flow-pop");
    var h = add(box, el("div", "idpmap-pop-title"));
    add(h, el("span", "", places[f.o].name));
    h.appendChild(document.createTextNode(" \u2192 "));
    add(h, el("span", "", places[f.d].name));
    var ppl = add(box, el("div", "idpmap-people", fmt(f.people) + " people"));
    if (f.lo !== f.hi) {
      add(ppl, el("span", "idpmap-range", " (sources give " + fmt(f.lo) + "\u2013" + fmt(f.hi) + ")"));
    }
    add(box, el("div", "", "Period: " + periodText(f.period)));
    if (f.modelled) { add(box, el("div", "idpmap-modelled", "modelled split: no source names this destination")); }
    if (D.splits[f.split]) { add(box, el("div", "idpmap-split", "Split: " + D.splits[f.split])); }
    if (D.notes[f.note]) { add(box, el("div", "idpmap-note idpmap-disagree", "\u26a0 " + D.notes[f.note])); }
    [f.o, f.d].forEach(function (pi) {
      if (places[pi].prec > 0) {
        add(box, el("div", "idpmap-approx", places[pi].name + ": " + approxText(places[pi].prec)));
      }
    });
    sourceList(box, f.src);
    return box;
  }
  function edgePopup(e) {
    if (e.members.length === 1) { return flowPopup(flows[e.members[0]]); }
    var box = el("div", "idpmap-pop idpmap-flow-pop idpmap-group-pop");
    var h = add(box, el("div", "idpmap-pop-title"));
    add(h, el("span", "", nodes[e.o].name));
    h.appendChild(document.createTextNode(" \u2192 "));
    add(h, el("span", "", nodes[e.d].name));
    add(box, el("div", "idpmap-people", fmt(e.people) + " people in " + fmt(e.members.length) + " flows"));
    add(box, el("div", "idpmap-hint", "Zoom in to see them one by one. The largest:"));
    var list = add(box, el("ul", "idpmap-place-flows"));
    e.members.slice().sort(function (a, b) { return flows[b].people - flows[a].people || a - b; }).slice(0, 10)
      .forEach(function (i) {
        var f = flows[i];
        add(list, el("li", "", places[f.o].name + " \u2192 " + places[f.d].name + ": " + fmt(f.people) +
          " (" + periodText(f.period) + ")"));
      });
    return box;
  }
  function openEdge(e, latlng) {
    L.popup({ maxWidth: 360, maxHeight: 320, className: "idpmap-popup" })
      .setLatLng(latlng).setContent(edgePopup(e)).openOn(map);
  }
  function nodePopup(node) {
    var box = el("div", "idpmap-pop idpmap-place-pop");
    var h = add(box, el("div", "idpmap-pop-title", node.name));
    arabic(h, node.ar);
    if (node.place) {
      add(box, el("div", "idpmap-kind", [node.kind, node.pcode].filter(Boolean).join(", ")));
      if (node.prec > 0) { add(box, el("div", "idpmap-approx", approxText(node.prec))); }
    } else {
      add(box, el("div", "idpmap-kind", "group of " + node.members.length + " places (zoom in to split)"));
    }
    add(box, el("div", "", "In: " + fmt(node.pin) + " people; out: " + fmt(node.pout) + " people; net: " +
      (node.pin - node.pout > 0 ? "+" : "") + fmt(node.pin - node.pout)));
    if (node.place && node.place.src) { sourceList(box, node.place.src); }
    var list = [];
    node.members.forEach(function (pi) { places[pi].flows.forEach(function (fi) { list.push(fi); }); });
    list = Array.from(new Set(list)).sort(function (a, b) { return flows[b].people - flows[a].people || a - b; });
    if (list.length) {
      add(box, el("div", "idpmap-pop-h", "Flows (" + list.length + ")"));
      var ul = add(box, el("ul", "idpmap-place-flows"));
      var inside = {};
      node.members.forEach(function (pi) { inside[pi] = true; });
      list.slice(0, 40).forEach(function (fi) {
        var f = flows[fi], out = inside[f.o] === true, other = places[out ? f.d : f.o];
        add(ul, el("li", "", (out ? "to " : "from ") + other.name + ": " + fmt(f.people) +
          " (" + periodText(f.period) + ")"));
      });
      if (list.length > 40) { add(ul, el("li", "", "and " + (list.length - 40) + " more")); }
    }
    return box;
  }

  // --- markers ------------------------------------------------------------------------------------------------
  var towns = L.layerGroup(), camps = L.layerGroup();
  function labelOf(node) {
    var box = el("div", "idpmap-label-text");
    add(box, el("span", "idpmap-en", node.name));
    arabic(box, node.ar);
    return box;
  }
  function highlight(ni) {
    highlighted = ni;
    redraw();
  }
  // Thousands of round markers as SVG paths slow every frame of a pan, and Leaflet's canvas renderer redraws them
  // one by one after every pan (50-120 ms with 9,000 places): past MANY_MARKERS, round places go on a canvas of
  // their own, batched by look, hit-tested here (tooltip on hover, popup on click); their permanent labels stay.
  var MANY_MARKERS = 2000, canvasNodes = [];  // the nodes on that canvas, largest first
  var PlaceCanvas = BoxCanvas.extend({
    options: { pane: "idpmapPlaces", className: "idpmap-places" },
    _extentOf: function (fresh) {
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      if (fresh || !this._pts) {
        this._pts = canvasNodes.map(function (node) { return map.latLngToLayerPoint([node.lat, node.lon]); });
      }
      this._pts.forEach(function (pt, k) {
        var r = radiusOf(canvasNodes[k]) + 3;
        x0 = Math.min(x0, pt.x - r); x1 = Math.max(x1, pt.x + r);
        y0 = Math.min(y0, pt.y - r); y1 = Math.max(y1, pt.y + r);
      });
      return boxOf(x0, y0, x1, y1);
    },
    _paint: function (ctx, bounds) {
      var pts = this._pts, batches = new Map();
      canvasNodes.forEach(function (node, k) {
        var pt = pts[k], r = radiusOf(node) + 3;
        if (pt.x + r < bounds.min.x || pt.x - r > bounds.max.x || pt.y + r < bounds.min.y || pt.y - r > bounds.max.y) {
          return;  // off the canvas
        }
        // larger circles under smaller ones (canvasNodes go largest first): batches by look within each px of radius
        var fill = node.pout > 0 ? groupColour(node.group) : "#ffffff", dash = node.prec > 0;
        var key = Math.round(r) + fill + (node.place ? "1" : "0") + (dash ? "d" : "");
        var batch = batches.get(key);
        if (!batch) { batch = { fill: fill, w: node.place ? 1.5 : 3, dash: dash, at: [] }; batches.set(key, batch); }
        batch.at.push(k);
      });
      batches.forEach(function (batch) {
        ctx.beginPath();
        batch.at.forEach(function (k) {
          var pt = pts[k], r = radiusOf(canvasNodes[k]);
          ctx.moveTo(pt.x + r, pt.y);
          ctx.arc(pt.x, pt.y, r, 0, 2 * Math.PI);
        });
        ctx.globalAlpha = 0.8;
        ctx.fillStyle = batch.fill;
        ctx.fill();
        ctx.globalAlpha = 1;
        ctx.strokeStyle = "#222";
        ctx.lineWidth = batch.w;
        ctx.setLineDash(batch.dash ? [3, 3] : []);
        ctx.stroke();
      });
      ctx.setLineDash([]);
    },
    // The place on the canvas under a layer point (the one whose edge is nearest), or null.
    placeAt: function (at, tolerance) {
      if (!this._map || !this._pts) { return null; }
      var best = null, bestD = Infinity;
      this._pts.forEach(function (pt, k) {
        var r = radiusOf(canvasNodes[k]), d = Math.sqrt((pt.x - at.x) * (pt.x - at.x) + (pt.y - at.y) * (pt.y - at.y));
        if (d <= r + tolerance && d - r <= bestD) { best = canvasNodes[k]; bestD = d - r; }
      });
      return best;
    }
  });
  var placeLayer = new PlaceCanvas();
  function openPlace(node) {
    var popup = L.popup({ maxWidth: 340, maxHeight: 320, className: "idpmap-popup" })
      .setLatLng([node.lat, node.lon]).setContent(nodePopup(node));
    popup.on("remove", function () { if (highlighted === node.i) { highlight(null); } });
    popup.openOn(map);
    highlight(node.i);
  }
  function buildMarkers() {
    towns.clearLayers();
    camps.clearLayers();
    var many = nodes.length > MANY_MARKERS;
    canvasNodes = [];
    nodes.forEach(function (node) {
      node.marker = node.tip = null;
      if (node.pin + node.pout === 0 && node.base > 0) { return; }  // its counts are all outside the time window
      var r = radiusOf(node);
      var camp = node.kind === "camp" || node.kind === "camp_cluster";
      var label = node.label ? { permanent: true, direction: "right", offset: [r + 2, 0], className: "idpmap-label",
        interactive: false, opacity: 1 } : { direction: "top", className: "idpmap-label" };
      if (many && !camp) {
        canvasNodes.push(node);
        if (node.label) {
          node.tip = L.tooltip(label).setLatLng([node.lat, node.lon]).setContent(labelOf(node));
          towns.addLayer(node.tip);
        }
        return;
      }
      var marker;
      if (camp) {
        var s = Math.round(2 * r);
        marker = L.marker([node.lat, node.lon], { pane: "idpmapPlaces", keyboard: true, title: node.name,
          icon: L.divIcon({ iconSize: [s, s],
            className: "idpmap-place idpmap-camp" + (node.prec > 0 ? " idpmap-approx-camp" : "") }) });
      } else {
        var cls = !node.place ? "idpmap-place idpmap-cluster"
          : "idpmap-place idpmap-town" + (node.prec > 0 ? " idpmap-approx" : "");
        marker = L.circleMarker([node.lat, node.lon], { pane: "idpmapPlaces", radius: r, color: "#222",
          weight: node.place ? 1.5 : 3, dashArray: node.prec > 0 ? "3 3" : null, bubblingMouseEvents: false,
          fillColor: node.pout > 0 ? groupColour(node.group) : "#ffffff", fillOpacity: 0.8, className: cls });
      }
      marker.bindTooltip(labelOf(node), label);
      marker.bindPopup(function () { return nodePopup(node); }, { maxWidth: 340, maxHeight: 320,
        className: "idpmap-popup" });
      marker.on("popupopen", function () { highlight(node.i); });
      marker.on("popupclose", function () { if (highlighted === node.i) { highlight(null); } });
      node.marker = marker;
      node.tip = marker.getTooltip();
      marker.addTo(camp ? camps : towns);
    });
    canvasNodes.sort(function (a, b) { return radiusOf(b) - radiusOf(a) || a.i - b.i; });
    if (canvasNodes.length) { towns.addLayer(placeLayer.redraw()); }
  }
  // Permanent labels, the bigger places first: each on the side of its place (right, else left) where it lies
  // wholly inside the map and covers no control (zoom, layers, title panel, legend, scale, attribution) and no label
  // kept already; a label that fits on neither side is hidden (so the bigger place keeps its label). Area and border
  // labels under a control or a place's label are hidden too.
  function declutter() {
    var panels = controlRects(), frame = container.getBoundingClientRect(), kept = [];
    function hits(r, k) { return r.left < k.right && r.right > k.left && r.top < k.bottom && r.bottom > k.top; }
    function fits(r) {
      return r.left >= frame.left && r.right <= frame.right && r.top >= frame.top && r.bottom <= frame.bottom &&
        !panels.some(function (k) { return hits(r, k); }) && !kept.some(function (k) { return hits(r, k); });
    }
    var labelled = nodes.filter(function (p) { return p.label && p.tip && p.tip.isOpen(); }).sort(function (x, y) {
      return Math.max(y.pin, y.pout) - Math.max(x.pin, x.pout) || x.i - y.i;
    });
    labelled.forEach(function (p) { if (p.tipLeft) { labelSide(p, false); } });
    var rects = labelled.map(function (p) { return p.tip.getElement().getBoundingClientRect(); });
    labelled.forEach(function (p, k) {
      var r = rects[k], ok = fits(r);
      if (!ok) {  // its box mirrored about the place (Leaflet puts a left label as far left as a right one right)
        var x = frame.left + map.latLngToContainerPoint(p.tip.getLatLng()).x;
        var left = { left: 2 * x - r.right, right: 2 * x - r.left, top: r.top, bottom: r.bottom };
        ok = fits(left);
        if (ok) { labelSide(p, true); r = left; }
      }
      p.tip.getElement().style.visibility = ok ? "" : "hidden";
      if (ok) { kept.push(r); }
    });
    container.querySelectorAll(".idpmap-region-label, .idpmap-border-label").forEach(function (node) {
      node.style.visibility = "";
      var r = node.getBoundingClientRect();
      if (panels.concat(kept).some(function (k) { return hits(r, k); })) { node.style.visibility = "hidden"; }
    });
  }
  // A place's label to the left of its marker (or back to the right, where buildMarkers puts it).
  function labelSide(p, left) {
    var gap = Math.abs(L.point(p.tip.options.offset).x);
    p.tip.options.direction = left ? "left" : "right";
    p.tip.options.offset = L.point(left ? -gap : gap, 0);
    p.tipLeft = left;
    p.tip.update();
  }
  // The boxes (page pixels) of the map's controls that are showing: zoom, layers, panels, scale, attribution.
  function controlRects() {
    return Array.prototype.map.call(container.querySelectorAll(".leaflet-control"), function (node) {
      return node.getBoundingClientRect();
    }).filter(function (r) { return r.width > 0 && r.height > 0; });
  }
  // The first view: the data in the largest part of the map that no control covers. Each control sits at a side
  // of the map and is kept clear either beside it or above (below) it: of those choices, the one that shows the
  // data largest wins, and the view is fitted with that padding.
  function fitClear() {
    var size = map.getSize(), frame = container.getBoundingClientRect(), GAP = 20, best = null;
    var boxes = controlRects().map(function (r) {
      return { l: r.left - frame.left, t: r.top - frame.top, r: r.right - frame.left, b: r.bottom - frame.top };
    });
    var nw = map.latLngToContainerPoint([D.bounds[1][0], D.bounds[0][1]]);
    var se = map.latLngToContainerPoint([D.bounds[0][0], D.bounds[1][1]]);
    var dw = Math.max(1, se.x - nw.x), dh = Math.max(1, se.y - nw.y);
    for (var mask = 0; mask < (1 << boxes.length); mask++) {
      var pad = [GAP, GAP, GAP, GAP];  // left, top, right, bottom
      boxes.forEach(function (b, k) {
        if (!((mask >> k) & 1)) {  // beside it
          if (b.l + b.r < size.x) { pad[0] = Math.max(pad[0], b.r + GAP); }
          else { pad[2] = Math.max(pad[2], size.x - b.l + GAP); }
        } else if (b.t + b.b < size.y) {  // below it
          pad[1] = Math.max(pad[1], b.b + GAP);
        } else {  // above it
          pad[3] = Math.max(pad[3], size.y - b.t + GAP);
        }
      });
      var w = size.x - pad[0] - pad[2], h = size.y - pad[1] - pad[3];
      var scale = Math.min(w / dw, h / dh);
      if (w > 0 && h > 0 && (!best || scale > best.scale)) { best = { scale: scale, pad: pad }; }
    }
    map.fitBounds(D.bounds, best ? { animate: false, paddingTopLeft: [best.pad[0], best.pad[1]],
                                     paddingBottomRight: [best.pad[2], best.pad[3]] }
                                 : { animate: false, padding: [12, 12] });
  }
  function setLevel(ix, force) {
    if (ix === levelIx && !force) { return; }
    levelIx = ix;
    highlighted = null;
    map.closePopup();
    buildNodes();
    setTopNode();
    buildEdges();
    buildMarkers();
    declutter();  // new labels (none yet while the map is being set up)
    container.setAttribute("data-level", levelIx < 0 ? "place" : D.levels[levelIx].name);
  }

  // --- incidents: context only ----------------------------------------------------------------------------------
  var incidents = L.layerGroup(), incidentMarkers = [];
  D.incidents.forEach(function (r) {
    // name, name_ar, lat, lon, start, end, figure text, note, source set
    var m = L.circleMarker([r[2] / q, r[3] / q], { pane: "idpmapPlaces", radius: 5, weight: 2, color: "#7a0010",
      fillColor: "#ff4d4d", fillOpacity: 0.9, className: "idpmap-incident", bubblingMouseEvents: false });
    m.bindPopup(function () {
      var box = el("div", "idpmap-pop idpmap-incident-pop");
      var h = add(box, el("div", "idpmap-pop-title", "Incident: " + r[0]));
      arabic(h, r[1]);
      add(box, el("div", "", r[4] === r[5] ? r[4] : r[4] + " \u2013 " + r[5]));
      if (r[6]) { add(box, el("div", "", r[6])); }
      if (r[7]) { add(box, el("div", "idpmap-note", r[7])); }
      sourceList(box, r[8]);
      return box;
    }, { maxWidth: 340, maxHeight: 320, className: "idpmap-popup" });
    m.addTo(incidents);
    incidentMarkers.push(m);
  });

  // --- hover and click on flows ---------------------------------------------------------------------------------
  var hoverTip = L.tooltip({ direction: "top", offset: [0, -8], className: "idpmap-label idpmap-hover" });
  var placeTip = L.tooltip({ direction: "top", className: "idpmap-label idpmap-place-tip" });  // places on the canvas
  var pending = null;
  function edgeLabel(e) {
    return nodes[e.o].name + " \u2192 " + nodes[e.d].name + ": " + fmt(e.people) + " people" +
      (e.members.length > 1 ? " (" + e.members.length + " flows)" : "");
  }
  map.on("mousemove", function (ev) {
    pending = ev;
    L.Util.requestAnimFrame(function () {
      if (!pending || !flowLayer._map) { return; }
      // no hover while the map is dragged: the pointer moves with the map, and the frames stay free for the pan
      var still = !(map.dragging && map.dragging.moving());
      var place = still ? placeLayer.placeAt(pending.layerPoint, 0) : null;
      var hit = still && !place ? flowAt(pending.layerPoint, 4) : null;
      container.classList.toggle("idpmap-over-flow", !!(hit || place));
      if (place) {
        placeTip.options.offset = L.point(0, -radiusOf(place));
        placeTip.setLatLng([place.lat, place.lon]).setContent(labelOf(place));
        if (!map.hasLayer(placeTip)) { placeTip.addTo(map); }
      } else if (map.hasLayer(placeTip)) {
        map.removeLayer(placeTip);
      }
      if (hit) {
        hoverTip.setLatLng(pending.latlng).setContent(el("div", "", edgeLabel(hit.edge)));
        if (!map.hasLayer(hoverTip)) { hoverTip.addTo(map); }
      } else if (map.hasLayer(hoverTip)) {
        map.removeLayer(hoverTip);
      }
      pending = null;
    });
  });
  map.on("mouseout", function () {
    [hoverTip, placeTip].forEach(function (tip) { if (map.hasLayer(tip)) { map.removeLayer(tip); } });
  });
  map.on("click", function (ev) {
    var place = placeLayer.placeAt(ev.layerPoint, L.Browser.mobile || phone ? 8 : 2);
    if (place) { openPlace(place); return; }
    if (!flowLayer._map) { return; }
    var hit = flowAt(ev.layerPoint, L.Browser.mobile || phone ? 12 : 5);
    if (hit) { openEdge(hit.edge, ev.latlng); }
  });

  // --- controls -------------------------------------------------------------------------------------------------
  var hasCamps = places.some(function (p) { return p.kind === "camp" || p.kind === "camp_cluster"; });
  var overlays = {};
  if (n) { overlays["Flows"] = flowLayer; }  // a map of counts only has none
  overlays[hasCamps ? "Towns and origins" : "Places"] = towns;
  if (hasCamps) { overlays["Camps"] = camps; }
  if (D.incidents.length) { overlays["Incidents (context)"] = incidents; }
  if (areas) { overlays[(D.returns ? "People returning" : "People arriving") + ", by " + D.areas.name] = areas; }
  if (border) { overlays["Syria\u2013Turkey border"] = border; }
  var bases = { "Country outlines (offline)": outlines };
  if (D.tiles) {
    // Only with --online-tiles; switched off until the user picks it.
    overlays["OpenStreetMap tiles (online)"] = L.tileLayer(D.tiles[0], { attribution: escapeHtml(D.tiles[1]),
      maxZoom: 18 });
  }
  L.control.layers(bases, overlays, { collapsed: phone, position: "topleft" }).addTo(map);
  (D.attribution || []).forEach(function (text) { map.attributionControl.addAttribution(escapeHtml(text)); });

  function moveIntoControl(id, position) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    var Ctl = L.Control.extend({ onAdd: function () {
      L.DomEvent.disableClickPropagation(node);
      L.DomEvent.disableScrollPropagation(node);
      // Leaflet counts clicks reaching the map as taps of a double tap: two quick taps on the panel's buttons
      // would zoom the map.
      L.DomEvent.on(node, "click", L.DomEvent.stopPropagation);
      return node;
    } });
    new Ctl({ position: position }).addTo(map);
    var button = node.querySelector(".idpmap-toggle");
    function setOpen(open) {
      node.classList.toggle("idpmap-collapsed", !open);
      if (button) { button.setAttribute("aria-expanded", open ? "true" : "false"); }
    }
    if (button) {
      button.addEventListener("click", function () {
        setOpen(node.classList.contains("idpmap-collapsed"));
        declutter();  // the panel covers more (or less) of the map
      });
    }
    setOpen(!phone);  // on a phone, panels start as buttons and open on demand
    return node;
  }
  moveIntoControl("idpmap-panel", "topright");
  moveIntoControl("idpmap-legend", "bottomright");

  var topButton = document.getElementById("idpmap-top"), allButton = document.getElementById("idpmap-all");
  function setShowAll(all) {
    showAll = all;
    topButton.setAttribute("aria-pressed", all ? "false" : "true");
    allButton.setAttribute("aria-pressed", all ? "true" : "false");
    redraw();
  }
  topButton.addEventListener("click", function () { setShowAll(false); });
  allButton.addEventListener("click", function () { setShowAll(true); });
  if (n === 0 || (n <= 100 && !D.levels.length)) { document.getElementById("idpmap-show").style.display = "none"; }

  // --- time filter: show the flows whose period overlaps the window; the headline total follows -------------------
  var lo = D.range ? day(D.range[0]) : NaN, hi = D.range ? day(D.range[1]) : NaN;
  if (isNaN(lo) || isNaN(hi)) { lo = Infinity; hi = -Infinity; }
  var fromIn = document.getElementById("idpmap-from"), toIn = document.getElementById("idpmap-to");
  var label = document.getElementById("idpmap-time-label"), play = document.getElementById("idpmap-play");
  var totalNode = document.getElementById("idpmap-total");
  function applyWindow(a, b) {
    if (label) {
      label.textContent = "Showing " + (n ? "flows" : "counts") + " between " + isoOf(a) + " and " + isoOf(b);
    }
    var count = 0, people = 0;
    for (var i = 0; i < n; i++) {
      var p = periods[flows[i].period];
      var on = !p || isNaN(p.s) || (p.s <= b && p.e >= a);
      visible[i] = on ? 1 : 0;
      if (on) { count++; people += flows[i].people; }
    }
    incidentMarkers.forEach(function (m, k) {
      var r = D.incidents[k], s = day(r[4]), e = day(r[5]);
      var on = isNaN(s) || isNaN(e) || (s <= b && e >= a);
      if (on && !incidents.hasLayer(m)) { incidents.addLayer(m); }
      if (!on && incidents.hasLayer(m)) { incidents.removeLayer(m); }
    });
    showTotal(count, people, a, b);
    if (countWindow(a, b)) {  // places' own counts changed: their circles follow
      buildNodes();
      setTopNode();
      buildMarkers();
      declutter();
    }
    buildEdges();
    redraw();
  }
  // A place count is shown when its period (if it has dates) overlaps the window [a, b].
  function countShown(r, a, b) {
    var p = r[3] >= 0 ? periods[r[3]] : null;
    return !p || isNaN(p.s) || a === undefined || (p.s <= b && p.e >= a);
  }
  // Places' in and out without their own counts outside the window; whether any changed.
  function countWindow(a, b) {
    var changed = false;
    (D.counts || []).forEach(function (r) {
      var p = places[r[0]], on = countShown(r, a, b);
      var pin = p.inAll - (on ? 0 : r[1]), pout = p.outAll - (on ? 0 : r[2]);
      if (pin !== p.pin || pout !== p.pout) { p.pin = pin; p.pout = pout; changed = true; }
    });
    return changed;
  }
  function showTotal(count, people, a, b) {
    container.setAttribute("data-visible-flows", String(count));
    container.setAttribute("data-visible-people", String(people));
    if (totalNode) { totalNode.textContent = headline(count, people, a, b); }
  }
  function headline(count, people, a, b) {  // as mapper.view.headline_text; place counts follow their dates
    var c = [0, 0, 0, 0], parts = [];
    (D.counts || []).forEach(function (r) {
      if (!countShown(r, a, b)) { return; }
      if (r[1] > 0) { c[0] += r[1]; c[1]++; }
      if (r[2] > 0) { c[2] += r[2]; c[3]++; }
    });
    function nOf(k, word) { return fmt(k) + " " + word + (k === 1 ? "" : "s"); }
    if (count || !(c[0] || c[2])) { parts.push(fmt(people) + " people in " + nOf(count, "flow") + " shown"); }
    var verb = D.returns ? " people returned to " : " people arrived in ";  // mapper.view.headline_text's words
    if (c[0]) { parts.push(fmt(c[0]) + verb + nOf(c[1], "place")); }
    if (c[2]) { parts.push(fmt(c[2]) + " people left " + nOf(c[3], "place")); }
    return parts.join("; ");
  }
  function onSlide(e) {
    var a = +fromIn.value, b = +toIn.value;
    if (a > b) { if (e && e.target === fromIn) { toIn.value = a; b = a; } else { fromIn.value = b; a = b; } }
    applyWindow(a, b);
  }

  fitClear();  // now that the controls are in place; then the layers, drawn once at the view it picks
  [outlines, areas, regionAreas, border].forEach(function (layer) { if (layer) { layer.addTo(map); } });
  setLevel(levelFor(map.getZoom()), true);
  towns.addTo(map);
  camps.addTo(map);
  incidents.addTo(map);
  if (isFinite(lo)) {
    [fromIn, toIn].forEach(function (input) {
      input.min = lo;
      input.max = hi;
      input.step = 1;
      input.addEventListener("input", onSlide);
      input.addEventListener("change", onSlide);
    });
    fromIn.value = lo;
    toIn.value = hi;
    if (lo === hi) { fromIn.disabled = toIn.disabled = play.disabled = true; }
    var timer = null;
    play.addEventListener("click", function () {
      if (timer) { clearInterval(timer); timer = null; play.textContent = "\u25b6"; return; }
      var span = Math.max(1, Math.round((hi - lo) / 6)), start = lo;
      play.textContent = "\u25a0";
      timer = setInterval(function () {
        if (start > hi) {
          clearInterval(timer); timer = null; play.textContent = "\u25b6";
          fromIn.value = lo; toIn.value = hi; onSlide(); return;
        }
        fromIn.value = start; toIn.value = Math.min(hi, start + span); onSlide();
        start += Math.max(1, Math.round(span / 2));
      }, 900);
    });
    applyWindow(lo, hi);
  } else {
    document.getElementById("idpmap-time").style.display = "none";
    var all = 0;
    flows.forEach(function (f) { all += f.people; });
    showTotal(n, all);
  }
  map.on("zoomend", function () {
    var ix = levelFor(map.getZoom());
    if (ix !== levelIx) { setLevel(ix); redraw(); }
  });
  map.on("moveend", declutter);  // after a zoom or pan: labels find their side again, clear of the controls
  towns.on("add", declutter);
  camps.on("add", declutter);
  declutter();
  // The flows go on the map last: labels and controls measure themselves while the page is still small.
  flowLayer.addTo(map);

  // For scripts embedding the map (and the browser tests).
  window.idpmap = {
    map: map, flows: flowLayer, flowData: flows, places: places, highlight: highlight, applyWindow: applyWindow,
    nodes: function () { return nodes; },
    // The arrows of this view, largest first (those not laid out yet for painting are laid out now).
    drawn: function () { if (layout) { layOut(layout.count); } return drawn; },
    // A point (container pixels) on the drawn arrow of an edge (index into drawn()).
    pointOf: function (k) {
      var pt = sample(drawn[k].g, 4);
      return map.layerPointToContainerPoint(L.point(pt[0], pt[1]));
    },
    flowAt: function (containerPoint, tolerance) {
      var at = map.containerPointToLayerPoint(L.point(containerPoint));
      var hit = flowAt(at, tolerance === undefined ? 5 : tolerance);
      return hit ? hit.edge : null;
    },
    openEdge: function (e) {
      var k = drawn.findIndex(function (item) { return item.edge === e; });
      openEdge(e, k >= 0 ? map.containerPointToLatLng(this.pointOf(k)) : map.getCenter());
    },
    setShowAll: setShowAll,
    // Arrows painted so far (the rest follow over the next frames); for tests, a fixed number per frame.
    painted: function () { return painted; },
    setSliceSize: function (k) { forcedSlice = Math.max(0, k | 0); },
    setGrouped: function (on) { grouped = on; setLevel(levelFor(map.getZoom())); redraw(); }
  };
  return window.idpmap;
}
