"""The records the gazetteer hands out: a :class:`Place` and the :class:`Match` that found it."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Kinds a place may have, from the largest to the smallest.
KINDS = (
    "country",
    "governorate",
    "district",
    "subdistrict",
    "region",
    "city",
    "town",
    "village",
    "camp_cluster",
    "camp",
    "border_crossing",
)

#: How well a place's coordinate is known: its own point, or only the admin area (of that level) it lies in.
PRECISIONS = ("point", "admin3", "admin2", "admin1")

#: Kinds that are administrative or loose areas rather than settlements.
AREA_KINDS = frozenset({"country", "governorate", "district", "subdistrict", "region"})


#: Credit line for each source key of the bundled data (``SOURCES.md`` lists them with their licences).
SOURCE_CREDITS = {
    "cod-ab": "Admin areas: UNCS / UN OCHA COD-AB via HDX (CC BY-IGO)",
    "opensyria": "Admin areas and P-codes: OCHA COD-AB via Open-Syria data-geography (CC BY 4.0)",
    # A community with no point of its own sits at its subdistrict's point (OpenSyria centroid or COD-AB polygon).
    "iom-dtm": "Community P-codes and names: IOM DTM; approximate points: OCHA COD-AB subdistricts via OpenSyria "
               "(CC BY 4.0)",
    "osm": "Community points: © OpenStreetMap contributors (ODbL), matched to IOM DTM P-codes",
    "ocha-hnap": "Community names and P-codes: OCHA HNAP",
    "ocha-cod-pp": "Some points: OCHA COD populated places (CC BY-IGO)",
    "geonames": "Places: GeoNames (CC BY 4.0)",
    "wikipedia": "Some coordinates: Wikipedia (CC BY-SA)",
    "wikipedia-coords": "Some coordinates: Wikipedia (CC BY-SA)",
    "wikimapia": "Some coordinates: wikimapia (CC BY-SA)",
    "geomaps-land": "Country outline: © OpenStreetMap contributors (ODbL)",
}


def source_credit(source: str) -> str:
    """The credit line a map shows for a place's ``source`` (``""`` for points computed from other rows).

    A known key (``osm:node/…``, ``geonames:…``, ``iom-dtm:…`` …) gives its credit line; an unknown one (a user's
    own CSV) is credited as written, up to its first colon.
    """
    source = source.strip()
    if not source or source.startswith("centroid of"):
        return ""
    key = source.split(":", 1)[0].strip()
    return SOURCE_CREDITS.get(key, key)


@dataclass(frozen=True)
class Place:
    """One place of the gazetteer.

    Attributes
    ----------
    id : str
        Stable identifier (e.g. ``"sy-maarat-al-numan"``); never reused for another place.
    name, name_ar : str
        Canonical English name and Arabic name (``""`` when unknown).
    kind : str
        One of :data:`KINDS`.
    lat, lon : float
        WGS84 coordinate: the settlement's centre, or an area's centroid or seat.
    pcode : str
        The place's own OCHA P-code where it has one (``SY0703``, ``C4130``), else ``""``.
    admin1, admin2, admin3 : str
        OCHA P-codes of the governorate, district and subdistrict the place lies in (old OCHA scheme).
    parent : str
        ``id`` of the enclosing place (``""`` for the top level).
    population : int or None
        Population, or for a camp / camp cluster its population or capacity, where a source gives one.
    alt_names : tuple of str
        Alternate spellings (any script).
    source : str
        Where the coordinate comes from (a key such as ``osm:``, ``geonames:``, ``cod-ab:``; see
        :func:`source_credit`).
    precision : str
        ``"point"``: a sourced coordinate of the place itself. ``"admin3"`` / ``"admin2"`` / ``"admin1"``: the place
        is known by P-code and admin area only, and ``lat, lon`` is that area's representative point (never a
        guessed point of the place).
    """

    id: str
    name: str
    kind: str
    lat: float
    lon: float
    name_ar: str = ""
    pcode: str = ""
    admin1: str = ""
    admin2: str = ""
    admin3: str = ""
    parent: str = ""
    population: int | None = None
    alt_names: tuple[str, ...] = ()
    source: str = ""
    precision: str = "point"

    @property
    def is_area(self) -> bool:
        """True for governorates, districts, subdistricts and regions."""
        return self.kind in AREA_KINDS

    @property
    def pcodes(self) -> tuple[str, ...]:
        """Every P-code that describes the place, its own first."""
        return tuple(p for p in (self.pcode, self.admin3, self.admin2, self.admin1) if p)

    def to_dict(self) -> dict:
        """The place as the JSON object the CLI prints (``id, name, name_ar, kind, lat, lon, precision, pcode,
        admin1..3``)."""
        return {
            "id": self.id,
            "name": self.name,
            "name_ar": self.name_ar,
            "kind": self.kind,
            "lat": self.lat,
            "lon": self.lon,
            "precision": self.precision,
            "pcode": self.pcode,
            "admin1": self.admin1,
            "admin2": self.admin2,
            "admin3": self.admin3,
        }


@dataclass(frozen=True)
class Match:
    """The answer to one query.

    Attributes
    ----------
    query : str
        The name as asked.
    place : Place or None
        The best place; ``None`` when nothing matched (only in batch results).
    method : str
        ``"pcode"``, ``"exact"``, ``"variant"`` (after normalisation), ``"fuzzy"``, ``"online"`` or ``"none"``.
    score : float
        0-100: 100 for a P-code, the name as written, or the same name in other typography; below 100 for a
        spelling that differs (a transliteration variant, a typo).
    ambiguous : bool
        True when other places matched as well and no context decided (batch results only).
    alternatives : tuple of Place
        The other candidates, best first; for a name not found (batch results), the namesakes outside the context.
    """

    query: str
    place: Place | None
    method: str
    score: float
    ambiguous: bool = False
    alternatives: tuple[Place, ...] = field(default=())

    @property
    def candidates(self) -> tuple[Place, ...]:
        """The chosen place and the alternatives, best first (only the alternatives when nothing was chosen)."""
        return self.alternatives if self.place is None else (self.place, *self.alternatives)

    def to_dict(self) -> dict:
        """The JSON object of ``idpmap resolve --json``."""
        return {
            "query": self.query,
            "match": self.place.to_dict() if self.place else None,
            "method": self.method,
            "score": round(self.score, 1),
            "ambiguous": self.ambiguous,
            "alternatives": [p.to_dict() for p in self.alternatives],
        }
