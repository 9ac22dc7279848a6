/* idpmap: the interactive part of the offline flow map (inlined into every map by mapper/render.py).
 *
 * The page carries its data as JSON (see mapper/render.py): places, deduplicated periods/sources/split rules and
 * one short string per flow. A flow string is a run of unsigned varints (5 data bits per character, URL-safe
 * base64 alphabet, low bits first, bit 32 set while more follow):
 *   origin, destination, people, people - people_min, people_max - people, period, source set, split rule,
 *   then the curve computed in Python, in 1/q degree units (zigzag-signed): the first step from the origin and
 *   the first second difference, the third differences of the remaining points (seg + 1 points in all), and the
 *   two arrowhead wings relative to the tip.
 *
 * Every text from the inputs is put into the page with textContent, never as HTML; only http(s) URLs become links.
 */
function idpmapInit(map, D) {
  "use strict";
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var LUT = {};
  for (var a = 0; a < ALPHABET.length; a++) { LUT[ALPHABET.charAt(a)] = a; }
  var q = D.q, SEG = D.seg;
  var minPx = D.scale[0], maxPx = D.scale[1], maxPeople = D.scale[2];

  function decode(s) {
    var out = [], v = 0, mul = 1;
    for (var i = 0; i < s.length; i++) {
      var c = LUT[s.charAt(i)];
      v += (c & 31) * mul;
      if (c & 32) { mul *= 32; } else { out.push(v); v = 0; mul = 1; }
    }
    return out;
  }
  function zz(n) { return (n % 2) ? -(n + 1) / 2 : n / 2; }
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
  function safeUrl(url) {
    url = String(url || "").trim();
    return /^https?:\/\/[^\s\u0000-\u001f\u007f"'<>`]+$/i.test(url) ? url : null;
  }
  function widthOf(people) {
    if (!(maxPeople > 0)) { return minPx; }
    return minPx + (maxPx - minPx) * Math.sqrt(Math.max(0, Math.min(people, maxPeople)) / maxPeople);
  }

  // --- data ---------------------------------------------------------------------------------------------------
  var places = D.places.map(function (r, i) {
    return { i: i, name: r[0], ar: r[1], kind: r[2], lat: r[3] / q, lon: r[4] / q, lq: [r[3], r[4]],
             pin: r[5], pout: r[6], group: r[7], label: r[8], pcode: r[9], flows: [] };
  });
  var periods = D.periods.map(function (p) {
    var s = day(p[0]), e = day(p[1]);
    if (isNaN(s)) { s = e; }
    if (isNaN(e)) { e = s; }
    return { s: s, e: e, start: p[0], end: p[1] };
  });
  var flows = D.flows.map(function (str, i) {
    var v = decode(str), k = 8;
    var o = v[0], d = v[1];
    var p = places[o].lq.slice(), pts = [p.slice()];
    var d1 = [zz(v[k]), zz(v[k + 1])], d2 = [zz(v[k + 2]), zz(v[k + 3])];
    k += 4;
    p = [p[0] + d1[0], p[1] + d1[1]];
    pts.push(p);
    for (var j = 1; j < SEG; j++) {
      d1 = [d1[0] + d2[0], d1[1] + d2[1]];
      p = [p[0] + d1[0], p[1] + d1[1]];
      pts.push(p);
      if (j < SEG - 1) { d2 = [d2[0] + zz(v[k]), d2[1] + zz(v[k + 1])]; k += 2; }
    }
    var w1 = [p[0] + zz(v[k]), p[1] + zz(v[k + 1])], w2 = [p[0] + zz(v[k + 2]), p[1] + zz(v[k + 3])];
    function ll(x) { return [x[0] / q, x[1] / q]; }
    // The curve and the V of the arrowhead: one path per flow.
    var f = { i: i, o: o, d: d, people: v[2], lo: v[2] - v[3], hi: v[2] + v[4], period: v[5], src: v[6],
              split: v[7], latlngs: [pts.map(ll), [ll(w1), ll(p), ll(w2)]] };
    places[o].flows.push(i);
    if (d !== o) { places[d].flows.push(i); }
    return f;
  });
  function groupColour(g) { return (g >= 0 && D.groups[g]) ? D.groups[g][1] : "#7f7f7f"; }

  // --- panes: basemap under everything, places above the flows --------------------------------------------------
  map.createPane("idpmapBasemap").style.zIndex = 250;
  map.createPane("idpmapBorder").style.zIndex = 300;
  map.createPane("idpmapPlaces").style.zIndex = 450;
  map.getContainer().classList.add("idpmap-map");
  // Keep the flows clear of the panels: the layer control on the left, the title/time panel and the legend on the
  // right (capped, so that a small iframe still shows a map).
  var size = map.getSize();
  map.fitBounds(D.bounds, {
    animate: false,
    paddingTopLeft: [Math.min(230, size.x * 0.2), 20],
    paddingBottomRight: [Math.min(360, size.x * 0.3), 20]
  });

  var outlines = L.geoJSON(D.outlines, {
    pane: "idpmapBasemap", interactive: false,
    style: function (f) {
      var syria = (f.properties && f.properties.iso3) === "SYR";
      return { color: "#8a8a8a", weight: 1, fillColor: syria ? "#ffffff" : "#ecebe6", fillOpacity: 1,
               className: "idpmap-outline" };
    }
  }).addTo(map);

  var border = L.layerGroup();
  if (D.border) {
    L.geoJSON(D.border, { pane: "idpmapBorder", interactive: false,
      style: { color: "#b2182b", weight: 4, opacity: 0.9, dashArray: "10 5", className: "idpmap-border" } })
      .addTo(border);
    if (D.borderLabel) {
      var bl = el("div", "idpmap-border-text");
      add(bl, el("span", "", "Syria\u2013Turkey border"));
      // "the Syrian-Turkish border" in Arabic
      var blAr = add(bl, el("span", "idpmap-ar", "\u0627\u0644\u062d\u062f\u0648\u062f " +
        "\u0627\u0644\u0633\u0648\u0631\u064a\u0629 \u0627\u0644\u062a\u0631\u0643\u064a\u0629"));
      blAr.setAttribute("dir", "rtl");
      blAr.setAttribute("lang", "ar");
      L.marker(D.borderLabel, { interactive: false, keyboard: false,
        icon: L.divIcon({ className: "idpmap-border-label", html: bl, iconSize: null, iconAnchor: [-6, 28] }) })
        .addTo(border);
    }
  }
  border.addTo(map);

  // --- flows: one GeoJSON layer, widest first so that thin flows stay on top and clickable --------------------
  var order = flows.slice().sort(function (x, y) { return y.people - x.people || x.i - y.i; });
  var flowLayers = new Array(flows.length);
  var flowLayer = L.geoJSON(null, { className: "idpmap-flow" });
  order.forEach(function (f) {
    var layer = L.polyline(f.latlngs, { className: "idpmap-flow", color: groupColour(places[f.o].group),
      weight: widthOf(f.people), opacity: 0.85, lineCap: "round", lineJoin: "round", smoothFactor: 0.5 });
    layer.feature = { type: "Feature", properties: { i: f.i } };  // toGeoJSON() adds the geometry
    flowLayers[f.i] = layer;
    flowLayer.addLayer(layer);
  });

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
    if (D.splits[f.split]) { add(box, el("div", "idpmap-split", "Split: " + D.splits[f.split])); }
    sourceList(box, f.src);
    return box;
  }
  flowLayer.on("click", function (e) {
    var f = flows[e.layer.feature.properties.i];
    L.popup({ maxWidth: 360, maxHeight: 320, className: "idpmap-popup" })
      .setLatLng(e.latlng).setContent(flowPopup(f)).openOn(map);
  });

  // --- places ---------------------------------------------------------------------------------------------------
  var maxPlace = 0;
  places.forEach(function (p) { maxPlace = Math.max(maxPlace, p.pin, p.pout); });
  var towns = L.layerGroup(), camps = L.layerGroup();
  var highlighted = null;
  function highlight(pi) {
    highlighted = pi;
    flows.forEach(function (f) {
      var layer = flowLayers[f.i];
      var on = pi === null || f.o === pi || f.d === pi;
      layer.setStyle({ opacity: on ? 0.85 : 0.12 });
      if (layer._path) { layer._path.classList.toggle("idpmap-hl", pi !== null && on); }
      if (pi !== null && on && layer._map) { layer.bringToFront(); }
    });
  }
  function placePopup(p) {
    var box = el("div", "idpmap-pop idpmap-place-pop");
    var h = add(box, el("div", "idpmap-pop-title", p.name));
    if (p.ar) {
      var ar = add(h, el("span", "idpmap-ar", p.ar));
      ar.setAttribute("dir", "rtl");
      ar.setAttribute("lang", "ar");
    }
    add(box, el("div", "idpmap-kind", [p.kind, p.pcode].filter(Boolean).join(", ")));
    add(box, el("div", "", "In: " + fmt(p.pin) + " people; out: " + fmt(p.pout) + " people"));
    if (p.flows.length) {
      add(box, el("div", "idpmap-pop-h", "Flows (" + p.flows.length + ")"));
      var list = add(box, el("ul", "idpmap-place-flows"));
      p.flows.slice(0, 40).forEach(function (fi) {
        var f = flows[fi];
        var out = f.o === p.i;
        var other = places[out ? f.d : f.o];
        add(list, el("li", "", (out ? "to " : "from ") + other.name + ": " + fmt(f.people) +
          " (" + periodText(f.period) + ")"));
      });
      if (p.flows.length > 40) { add(list, el("li", "", "and " + (p.flows.length - 40) + " more")); }
    }
    return box;
  }
  function labelOf(p) {
    var box = el("div", "idpmap-label-text");
    add(box, el("span", "idpmap-en", p.name));
    if (p.ar) {
      var ar = add(box, el("span", "idpmap-ar", p.ar));
      ar.setAttribute("dir", "rtl");
      ar.setAttribute("lang", "ar");
    }
    return box;
  }
  places.forEach(function (p) {
    var size = Math.max(p.pin, p.pout);
    var r = 3 + 13 * (maxPlace > 0 ? Math.sqrt(size / maxPlace) : 0);
    var camp = p.kind === "camp" || p.kind === "camp_cluster";
    var marker;
    if (camp) {
      var s = Math.round(2 * r);
      marker = L.marker([p.lat, p.lon], { pane: "idpmapPlaces", keyboard: true, title: p.name,
        icon: L.divIcon({ className: "idpmap-place idpmap-camp", iconSize: [s, s] }) });
    } else {
      marker = L.circleMarker([p.lat, p.lon], { pane: "idpmapPlaces", radius: r, weight: 1.5, color: "#222",
        fillColor: p.pout > 0 ? groupColour(p.group) : "#ffffff", fillOpacity: 0.8,
        className: "idpmap-place idpmap-town" });
    }
    if (p.label) {
      marker.bindTooltip(labelOf(p), { permanent: true, direction: "right", offset: [r + 2, 0],
        className: "idpmap-label", interactive: false, opacity: 1 });
    } else {
      marker.bindTooltip(labelOf(p), { direction: "top", className: "idpmap-label" });
    }
    marker.bindPopup(function () { return placePopup(p); }, { maxWidth: 340, maxHeight: 320,
      className: "idpmap-popup" });
    marker.on("popupopen", function () { highlight(p.i); });
    marker.on("popupclose", function () { if (highlighted === p.i) { highlight(null); } });
    p.marker = marker;
    marker.addTo(camp ? camps : towns);
  });
  towns.addTo(map);
  camps.addTo(map);

  // --- incidents: context only ------------------------------------------------------------------------------------
  var incidents = L.layerGroup(), incidentMarkers = [];
  D.incidents.forEach(function (r) {
    // name, name_ar, lat, lon, start, end, figure text, note, source set
    var m = L.circleMarker([r[2] / q, r[3] / q], { pane: "idpmapPlaces", radius: 5, weight: 2, color: "#7a0010",
      fillColor: "#ff4d4d", fillOpacity: 0.9, className: "idpmap-incident" });
    m.bindPopup(function () {
      var box = el("div", "idpmap-pop idpmap-incident-pop");
      var h = add(box, el("div", "idpmap-pop-title", "Incident: " + r[0]));
      if (r[1]) {
        var ar = add(h, el("span", "idpmap-ar", r[1]));
        ar.setAttribute("dir", "rtl");
        ar.setAttribute("lang", "ar");
      }
      add(box, el("div", "", r[4] === r[5] ? r[4] : r[4] + " \u2013 " + r[5]));
      if (r[6]) { add(box, el("div", "", r[6])); }
      if (r[7]) { add(box, el("div", "idpmap-note", r[7])); }
      sourceList(box, r[8]);
      return box;
    }, { maxWidth: 340, maxHeight: 320, className: "idpmap-popup" });
    m.addTo(incidents);
    incidentMarkers.push(m);
  });
  incidents.addTo(map);

  // --- controls -------------------------------------------------------------------------------------------------
  var overlays = { "Flows": flowLayer, "Towns and origins": towns, "Camps": camps,
                   "Incidents (context)": incidents, "Syria\u2013Turkey border": border };
  var bases = { "Country outlines (offline)": outlines };
  if (D.tiles) {
    // Only with --online-tiles; switched off until the user picks it.
    overlays["OpenStreetMap tiles (online)"] = L.tileLayer(D.tiles[0], { attribution: escapeHtml(D.tiles[1]),
      maxZoom: 18 });
  }
  L.control.layers(bases, overlays, { collapsed: false, position: "topleft" }).addTo(map);
  (D.attribution || []).forEach(function (text) { map.attributionControl.addAttribution(escapeHtml(text)); });

  function moveIntoControl(id, position) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    var Ctl = L.Control.extend({ onAdd: function () {
      L.DomEvent.disableClickPropagation(node);
      L.DomEvent.disableScrollPropagation(node);
      return node;
    } });
    new Ctl({ position: position }).addTo(map);
    return node;
  }
  moveIntoControl("idpmap-panel", "topright");
  moveIntoControl("idpmap-legend", "bottomright");

  // --- time filter: show the flows whose period overlaps the window -----------------------------------------------
  var lo = D.range ? day(D.range[0]) : NaN, hi = D.range ? day(D.range[1]) : NaN;
  if (isNaN(lo) || isNaN(hi)) { lo = Infinity; hi = -Infinity; }
  var incidentShown = incidentMarkers.map(function () { return true; });
  var fromIn = document.getElementById("idpmap-from"), toIn = document.getElementById("idpmap-to");
  var label = document.getElementById("idpmap-time-label"), play = document.getElementById("idpmap-play");
  var shown = flows.map(function () { return true; });
  function applyWindow(a, b) {
    label.textContent = "Showing flows between " + isoOf(a) + " and " + isoOf(b);
    var visible = 0;
    flows.forEach(function (f) {
      var p = periods[f.period];
      var on = !p || isNaN(p.s) || (p.s <= b && p.e >= a);
      if (on !== shown[f.i]) {
        if (on) { flowLayer.addLayer(flowLayers[f.i]); } else { flowLayer.removeLayer(flowLayers[f.i]); }
        shown[f.i] = on;
      }
      if (on) { visible++; }
    });
    incidentMarkers.forEach(function (m, k) {
      var r = D.incidents[k], s = day(r[4]), e = day(r[5]);
      var on = isNaN(s) || isNaN(e) || (s <= b && e >= a);
      if (on !== incidentShown[k]) {
        if (on) { incidents.addLayer(m); } else { incidents.removeLayer(m); }
        incidentShown[k] = on;
      }
    });
    map.getContainer().setAttribute("data-visible-flows", String(visible));
    if (highlighted !== null) { highlight(highlighted); }
  }
  function onSlide(e) {
    var a = +fromIn.value, b = +toIn.value;
    if (a > b) { if (e && e.target === fromIn) { toIn.value = a; b = a; } else { fromIn.value = b; a = b; } }
    applyWindow(a, b);
  }
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
    map.getContainer().setAttribute("data-visible-flows", String(flows.length));
  }

  // Permanent labels: where two overlap, the bigger place keeps its label (they come in order of size).
  function declutter() {
    var kept = [];
    places.filter(function (p) { return p.label && p.marker; }).sort(function (x, y) {
      return Math.max(y.pin, y.pout) - Math.max(x.pin, x.pout) || x.i - y.i;
    }).forEach(function (p) {
      var tip = p.marker.getTooltip(), node = tip && tip.getElement();
      if (!node) { return; }
      node.style.visibility = "";
      var r = node.getBoundingClientRect();
      var clash = kept.some(function (k) {
        return r.left < k.right && r.right > k.left && r.top < k.bottom && r.bottom > k.top;
      });
      if (clash) { node.style.visibility = "hidden"; } else { kept.push(r); }
    });
  }
  map.on("zoomend", declutter);
  towns.on("add", declutter);
  camps.on("add", declutter);
  declutter();

  // The flows go on the map last: labels and controls measure themselves while the page is still small.
  flowLayer.addTo(map);
  // For scripts embedding the map (and the browser tests): the map, the flow layer and the decoded data.
  window.idpmap = { map: map, flows: flowLayer, flowData: flows, places: places, highlight: highlight,
                    applyWindow: applyWindow };
  return window.idpmap;
}
