"""Shared fixtures of the mapper tests: a small hand-built gazetteer and a factory of reports frames.

The gazetteer holds a slice of north-west Syria: Idlib and Aleppo governorates, the Idlib, Maarat al-Numan and
Harim districts, a few subdistricts, towns, the region "southern Idlib", the region of the camps along the Turkish
border with its camp clusters (populations known) and the camps of one cluster (one without a population), and
two villages called Bidama in different districts. Coordinates and P-codes are rounded real values.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from gazetteer import Gazetteer, Place
from mapper.model import REPORT_COLUMNS


def _area(pcode, name, kind, lat, lon, parent=""):
    admin = {"admin1": pcode[:4], "admin2": pcode[:6] if len(pcode) >= 6 else "",
             "admin3": pcode[:8] if len(pcode) >= 8 else ""}
    return Place(f"adm-{pcode.lower()}", name, kind, lat, lon, pcode=pcode, parent=parent, source="test", **admin)


def _in(pid, name, kind, lat, lon, admin3, population=None, parent=None, alt_names=(), name_ar=""):
    return Place(pid, name, kind, lat, lon, name_ar=name_ar, admin1=admin3[:4], admin2=admin3[:6], admin3=admin3,
                 parent=parent if parent is not None else f"adm-{admin3.lower()}", population=population,
                 alt_names=tuple(alt_names), source="test")


PLACES = [
    _area("SY07", "Idlib Governorate", "governorate", 35.767, 36.667),
    _area("SY02", "Aleppo Governorate", "governorate", 36.25, 37.617),
    _area("SY0700", "Idlib District", "district", 35.907, 36.757, "adm-sy07"),
    _area("SY0702", "Maarat al-Numan District", "district", 35.539, 36.792, "adm-sy07"),
    _area("SY0703", "Harim District", "district", 36.140, 36.565, "adm-sy07"),
    _area("SY0204", "Azaz District", "district", 36.586, 37.046, "adm-sy02"),
    _area("SY070000", "Markaz Idlib", "subdistrict", 35.919, 36.611, "adm-sy0700"),
    _area("SY070003", "Nahiyat Saraqib", "subdistrict", 35.835, 36.818, "adm-sy0700"),
    _area("SY070200", "Markaz Maarra", "subdistrict", 35.658, 36.758, "adm-sy0702"),
    _area("SY070203", "Nahiyat Kafr Nubl", "subdistrict", 35.581, 36.506, "adm-sy0702"),
    _area("SY070301", "Dana Subdistrict", "subdistrict", 36.240, 36.729, "adm-sy0703"),
    _area("SY020400", "Markaz Azaz", "subdistrict", 36.586, 37.046, "adm-sy0204"),
    Place("region-southern-idlib", "southern Idlib", "region", 35.60, 36.70, admin1="SY07", parent="adm-sy07",
          source="test"),
    Place("region-border-camps", "camps along the Turkish border", "region", 36.20, 36.70,
          alt_names=("the Turkish border",), source="test"),
    _in("sy-idlib", "Idlib", "city", 35.930, 36.634, "SY070000", population=165000, name_ar="إدلب"),
    _in("sy-saraqeb", "Saraqeb", "town", 35.862, 36.806, "SY070003", population=32000),
    _in("sy-maarat-al-numan", "Maarat al-Numan", "town", 35.648, 36.674, "SY070200", population=58000,
        alt_names=("Marratinnuman", "Maaret al-Numan"), name_ar="معرة النعمان"),
    _in("sy-kafr-nabl", "Kafr Nabl", "town", 35.614, 36.561, "SY070203", population=15000),
    _in("sy-tal-mannis", "Tal Mannis", "village", 35.628, 36.717, "SY070200"),
    _in("sy-bidama-maarra", "Bidama", "village", 35.700, 36.700, "SY070200"),
    Place("sy-bidama-jisr", "Bidama", "village", 35.850, 36.207, admin1="SY07", admin2="SY0704",
          admin3="SY070401", source="test"),
    _in("sy-atme", "Atme", "town", 36.311, 36.628, "SY070301", population=3000),
    _in("sy-kah", "Kah", "village", 36.235, 36.662, "SY070301"),
    _in("sy-deir-hassan", "Deir Hassan", "village", 36.245, 36.690, "SY070301"),
    _in("sy-azaz", "Azaz", "town", 36.586, 37.046, "SY020400", population=30000),
    _in("cc-atme", "Atme camps", "camp_cluster", 36.300, 36.620, "SY070301", population=60000,
        parent="region-border-camps"),
    _in("cc-qah", "Qah camps", "camp_cluster", 36.230, 36.660, "SY070301", population=30000,
        parent="region-border-camps"),
    _in("cc-azaz", "Azaz camps", "camp_cluster", 36.620, 37.030, "SY020400", population=10000,
        parent="region-border-camps"),
    _in("camp-karama", "Karama camp", "camp", 36.3037, 36.6231, "SY070301", population=855, parent="cc-atme"),
    _in("camp-ataa", "Ataa camp", "camp", 36.2971, 36.6188, "SY070301", parent="cc-atme"),
]


@pytest.fixture(scope="session")
def gazetteer():
    """A small gazetteer of the places above."""
    return Gazetteer(PLACES)


_DEFAULTS = {
    "kind": "displacement",
    "qualifier": "",
    "unit": "people",
    "period_start": "2019-12-12",
    "period_end": "2019-12-25",
    "origin": "Maarat al-Numan",
    "destination": "Atme",
    "origin_within": "",
    "destination_within": "",
    "agency": "UN OCHA",
    "publisher": "",
    "published": "",
    "url": "",
    "note": "",
    "origin_pcode": "",
    "destination_pcode": "",
    "series": "",
    "status": "",
    "review_note": "",
}


def make_reports(rows):
    """A reports frame shaped like ``mapper.reports.read_reports``'s from dicts of the fields that matter.

    ``people`` sets the figure (unit people); ``people_min`` / ``people_max`` default to it; dates are ISO strings.
    """
    records = []
    for i, row in enumerate(rows):
        rec = dict(_DEFAULTS)
        rec.update(row)
        people = float(rec.pop("people", 1000))
        rec.setdefault("people_min", people)
        rec.setdefault("people_max", people)
        rec["people"] = people
        rec.setdefault("figure_min", rec["people_min"])
        rec.setdefault("figure_max", rec["people_max"])
        rec.setdefault("report_id", f"r{i + 1}")
        rec["line"] = i + 2
        for key in ("period_start", "period_end"):
            if isinstance(rec[key], str):
                rec[key] = dt.date.fromisoformat(rec[key])
        records.append(rec)
    frame = pd.DataFrame(records, columns=REPORT_COLUMNS)
    frame.attrs["path"] = "reports.csv"
    return frame


@pytest.fixture
def reports():
    """The factory :func:`make_reports`."""
    return make_reports
