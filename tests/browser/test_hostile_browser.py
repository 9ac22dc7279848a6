"""Hostile text in a real browser: every string of the corpus shows as text, and none of them runs.

Three kinds of page are opened in Chromium with the network cut off (see conftest.py): the map of the hostile
reports (each string as a place name in English and Arabic, an agency, a publisher, a report id, a note and a URL,
an incident note, and names left out), the map of a flowmap.blue pair whose location names are the strings, and one
map per string with that string as the title given on the command line. On every page, after every popup and
tooltip has been opened: no dialog, no page error, no request outside the file, no navigation, no new page, no
element the map never makes, no ``on...`` attribute, and no link that is not http(s).

Text is compared as the DOM holds it (``textContent``, so no whitespace collapsing): popups and tooltips get their
text from the page's JSON through ``textContent``, so each string arrives exactly (after the CSV rule: cells read
from CSV files are trimmed at the edges). The title and the legend are HTML text, where the HTML parser drops NUL
(U+FFFD in ``<title>``) and reads CR as LF.
"""

from __future__ import annotations

import pytest

from mapper.render import render_map
from mapper.view import cell_text
from tests.hostile import HOSTILE_STRINGS, HOSTILE_URLS
from tests.test_hostile_outputs import (
    SAFE_URLS,
    UNKNOWN_NAMES,
    as_html_text,
    hostile_flowset,
    report_fields,
    write_hostile_flowmap,
    write_titled_maps,
)

N = len(HOSTILE_STRINGS)
#: The strings as the map shows them: fields longer than MAX_TEXT characters are cut, with a count.
SHOWN = [cell_text(s) for s in HOSTILE_STRINGS]
TITLE = "</script><script>alert(1)</script>"

#: Every element the map makes itself (Leaflet, folium's page, the panel, legend, popups and tooltips).
MAP_ELEMENTS = {"html", "head", "body", "meta", "title", "style", "script", "div", "span", "bdi", "h1", "label",
                "input", "button", "svg", "g", "path", "line", "ul", "ol", "li", "a", "b", "section", "form", "canvas"}

SCAN = """() => {
  const out = {tags: {}, on: [], links: []};
  for (const e of document.querySelectorAll('*')) {
    const t = e.tagName.toLowerCase();
    out.tags[t] = (out.tags[t] || 0) + 1;
    for (const a of e.attributes) { if (a.name.toLowerCase().startsWith('on')) { out.on.push(t + ' ' + a.name); } }
    if (e.hasAttribute('href') || e.hasAttribute('xlink:href')) {
      out.links.push({tag: t, href: e.getAttribute('href') || e.getAttribute('xlink:href'), rel: e.rel || '',
                      target: e.target || ''});
    }
  }
  out.title = document.querySelector('title').textContent;
  const h1 = document.querySelector('h1');
  out.h1 = h1 ? h1.textContent : null;
  const legend = document.getElementById('idpmap-legend');
  out.legend = legend ? legend.textContent : null;
  out.url = location.href;
  return out;
}"""

OPEN_ALL = """() => {
  const m = window.idpmap.map;
  window.idpmap.setGrouped(false);  // every place on its own, as at the closest zoom
  const text = (root, sel) => { const e = root.querySelector(sel); return e ? e.textContent : null; };
  // Closed popups fade out before Leaflet removes them: always read the one just opened.
  const last = sel => { const all = document.querySelectorAll(sel); return all[all.length - 1]; };
  const res = {places: [], tooltips: [], incidents: [], flows: [], titles: []};
  const layers = [];
  m.eachLayer(l => { if (l.getPopup && l.getPopup() && l.options.pane === 'idpmapPlaces') { layers.push(l); } });
  for (const l of layers) {
    l.openPopup();
    const root = l.getPopup().getElement().querySelector('.leaflet-popup-content');
    const incident = !!root.querySelector('.idpmap-incident-pop');
    const title = root.querySelector('.idpmap-pop-title');
    const name = title.firstChild.textContent;  // the <bdi> with the name
    const rec = {name: name, ar: text(title, '.idpmap-ar'), text: root.textContent,
                 notes: Array.from(root.querySelectorAll('.idpmap-note')).map(e => e.textContent)};
    (incident ? res.incidents : res.places).push(rec);
    l.closePopup();
    if (l.getTooltip && l.getTooltip()) {
      l.openTooltip();
      const tip = l.getTooltip().getElement();
      res.tooltips.push({en: text(tip, '.idpmap-en'), ar: text(tip, '.idpmap-ar'), text: tip.textContent});
      if (!l.getTooltip().options.permanent) { l.closeTooltip(); }
    }
    if (l.getElement && l.getElement() && l.getElement().getAttribute('title') !== null) {
      res.titles.push(l.getElement().getAttribute('title'));
    }
  }
  window.idpmap.setShowAll(true);
  window.idpmap.drawn().slice().forEach(item => {
    window.idpmap.openEdge(item.edge);
    const root = last('.idpmap-flow-pop');
    const spans = root.querySelectorAll('.idpmap-pop-title > span');
    const sources = Array.from(root.querySelectorAll('.idpmap-source')).map(li => {
      const a = li.querySelector('a');
      return {who: text(li, '.idpmap-who'), rid: text(li, '.idpmap-rid'), url: text(li, '.idpmap-url'),
              note: text(li, '.idpmap-note'),
              link: a ? {href: a.getAttribute('href'), rel: a.rel, target: a.target, text: a.textContent} : null};
    });
    res.flows.push({origin: spans[0].textContent, dest: spans[1].textContent, sources: sources,
                    text: root.textContent});
    m.closePopup();
  });
  res.latlngs = layers.map(l => [l.getLatLng().lat, l.getLatLng().lng]);
  return res;
}"""


def _strip(s):
    return s.strip()


def _check_page_is_inert(watched, page, scan, *, start_url):
    assert watched.dialogs == [], watched.dialogs[:3]
    assert watched.page_errors == [], watched.page_errors[:3]
    assert watched.blocked == [], watched.blocked[:3]
    assert scan["url"] == start_url
    assert page.context.pages == [page]
    assert scan["on"] == [], scan["on"][:5]
    assert set(scan["tags"]) <= MAP_ELEMENTS, set(scan["tags"]) - MAP_ELEMENTS
    # Leaflet, map.js, the JSON data and folium's two scripts (map, interaction): nothing injected
    assert scan["tags"]["script"] == 5
    for link in scan["links"]:
        href = link["href"]
        assert link["tag"] == "a", link
        if href in ("#", "#close"):  # Leaflet's own controls and popup close buttons
            continue
        assert href.startswith(("https://", "http://")), link
        assert href in SAFE_URLS or href == "https://leafletjs.com", link
        if href in SAFE_URLS:
            assert link["rel"] == "noopener noreferrer" and link["target"] == "_blank", link
    hrefs = {link["href"] for link in scan["links"]}
    assert not hrefs & set(HOSTILE_URLS)


@pytest.fixture(scope="module")
def hostile_map(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile_map")
    flowset = hostile_flowset(folder)
    path = folder / "hostile.html"
    render_map(flowset, path, title=TITLE)
    return flowset, path


def _open(watched, path):
    page = watched.open(path)
    page.wait_for_function("() => window.idpmap !== undefined")
    return page


def test_hostile_map_shows_every_string_as_text_and_runs_none(watched, hostile_map):
    flowset, path = hostile_map
    page = _open(watched, path)
    start_url = page.url
    _check_page_is_inert(watched, page, page.evaluate(SCAN), start_url=start_url)
    opened = page.evaluate(OPEN_ALL)
    page.mouse.move(600, 400)
    page.wait_for_timeout(100)
    scan = page.evaluate(SCAN)
    _check_page_is_inert(watched, page, scan, start_url=start_url)

    # Place names, English and Arabic, in popups, tooltips and the camp marker's title.
    assert sorted(p["name"] for p in opened["places"]) == sorted(SHOWN + ["Safe camp"])
    by_name = {p["name"]: p for p in opened["places"]}
    for s in SHOWN:
        assert by_name[s]["ar"] == s
    tooltips = sorted(((t["en"], t["ar"]) for t in opened["tooltips"]), key=repr)
    assert tooltips == sorted([(s, s) for s in SHOWN] + [("Safe camp", None)], key=repr)
    assert opened["titles"] == ["Safe camp"]

    # Incidents: the place name and the note.
    assert sorted(p["name"] for p in opened["incidents"]) == sorted("Incident: " + s for s in SHOWN)
    assert sorted(p["notes"][0] for p in opened["incidents"]) == sorted(_strip(s) for s in SHOWN)

    # Flows: origin names, and every source field of every report.
    assert len(opened["flows"]) == N
    assert sorted(f["origin"] for f in opened["flows"]) == sorted(SHOWN)
    sources = {src["rid"]: src for f in opened["flows"] for src in f["sources"]}
    for i in range(N):
        f = {k: _strip(cell_text(v)) for k, v in report_fields(i).items()}
        src = sources[f" [{f['report_id']}]"]
        assert src["who"] == f"{f['agency']}, {f['publisher']}, 2019-12-21", i
        assert src["note"] == f["note"], i
        if f["url"] in SAFE_URLS:
            assert src["link"] == {"href": f["url"], "rel": "noopener noreferrer", "target": "_blank",
                                   "text": "link"}, i
            assert src["url"] is None
        else:  # not http(s): shown as text, never a link
            assert src["link"] is None, (i, src["link"])
            assert src["url"] == " " + f["url"], i

    # The title (HTML text) and what was left out, in the legend.
    assert scan["h1"] == as_html_text(TITLE)
    assert scan["title"] == TITLE
    for item in flowset.left_out:
        assert as_html_text(item.detail) in scan["legend"]
    assert any(repr(name) in scan["legend"] for name in UNKNOWN_NAMES)
    # The legend lists the first 12 sources ("agency via publisher"), as text.
    labels = [as_html_text(f"{_strip(cell_text(f['agency']))} via {_strip(cell_text(f['publisher']))}")
              for f in map(report_fields, range(N))]
    assert sum(label in scan["legend"] for label in labels) >= 12


def test_flowmap_blue_names_show_as_text(watched, tmp_path):
    from mapper.io import read_flows

    flowset = read_flows(write_hostile_flowmap(tmp_path / "pair"))
    path = tmp_path / "flowmap.html"
    render_map(flowset, path)
    page = _open(watched, path)
    start_url = page.url
    opened = page.evaluate(OPEN_ALL)
    scan = page.evaluate(SCAN)
    _check_page_is_inert(watched, page, scan, start_url=start_url)
    assert sorted(p["name"] for p in opened["places"]) == sorted([_strip(s) for s in SHOWN] + ["Camp"])
    assert sorted(f["origin"] for f in opened["flows"]) == sorted(_strip(s) for s in SHOWN)
    assert {t["en"] for t in opened["tooltips"]} == {_strip(s) for s in SHOWN} | {"Camp"}


def test_titles_from_the_command_line_show_as_text(watched, hostile_map, tmp_path):
    """`idpmap map ... --title S` for each hostile S: the title shows as text and nothing runs."""
    from mapper.io import write_flows

    flowset, _ = hostile_map
    flows_file = tmp_path / "flows.geojson"
    write_flows(flowset, flows_file)
    for s, path in zip(SHOWN, write_titled_maps(flows_file, tmp_path)):
        page = _open(watched, path)
        scan = page.evaluate(SCAN)
        _check_page_is_inert(watched, page, scan, start_url=path.resolve().as_uri())
        assert scan["h1"] == as_html_text(s), s[:60]
        # In <title> (raw text) the parser makes NUL U+FFFD instead of dropping it.
        assert scan["title"] == as_html_text(s.replace("\x00", "\ufffd")), s[:60]


def test_protected_camps_show_no_exact_coordinate(watched, tmp_path):
    """With --protect-sites the map's popups, tooltips and markers never give a camp's exact coordinate."""
    from click.testing import CliRunner

    from gazetteer import Gazetteer
    from mapper.cli import cli
    from tests.test_protect_sites import EXAMPLE

    path = tmp_path / "protected.html"
    result = CliRunner().invoke(cli, ["map", str(EXAMPLE), "-o", str(path), "--protect-sites", "5",
                                      "--allow-unresolved"])
    assert result.exit_code == 0, result.output
    page = _open(watched, path)
    opened = page.evaluate(OPEN_ALL)
    scan = page.evaluate(SCAN)
    _check_page_is_inert(watched, page, scan, start_url=page.url)
    camps = [p for p in Gazetteer.default().places if p.kind in ("camp", "camp_cluster")]
    shown = " ".join([r["text"] for r in opened["places"] + opened["incidents"] + opened["tooltips"]
                      + opened["flows"]] + [scan["legend"]])
    assert "generalised to cells of 0.0625\u00b0 (about 7 km) of a fixed grid" in scan["legend"]
    for camp in camps:
        for value in (camp.lat, camp.lon):
            for digits in (5, 4, 3):
                assert f"{value:.{digits}f}" not in shown, (camp.id, value)
    assert opened["latlngs"]
    for lat, lon in opened["latlngs"]:  # no marker sits on a camp's exact point (within about 100 m)
        assert not any(abs(lat - c.lat) < 1e-3 and abs(lon - c.lon) < 1e-3 for c in camps), (lat, lon)
