"""Build origin -> destination displacement flows from reports: numbers you can trust.

:func:`build_flows` turns the reports frame of :mod:`mapper.reports` into a :class:`~mapper.model.FlowSet` in named
stages (:mod:`mapper.flows.build`): review -> series -> window -> resolve -> classify (counts / estimates) ->
triangulate -> choose -> split -> aggregate -> frames. The rules below are the ones the README links to; each is
covered by a test in ``tests/mapper/test_flows*.py``.

Accounting
    Every input row ends in exactly one place: a flow's ``sources``, a place's ``sources`` (its own arrivals or
    departures), an incident's ``sources``, or ``left_out`` with its people and report id. The people drawn
    (``meta.total_people``: the flows' people plus the places' own counts) plus the people left out equal the
    people the reports carry once triangulated (one estimate per cluster, every count), to the person. People are
    whole everywhere: a figure is rounded half up (``16034.6`` -> ``16035``), and every split hands out whole people
    by largest remainder, so the parts add up to the figure (ranges likewise).

Review
    A row with ``status`` ``needs_review`` is not mapped: it is left out as ``"needs review"`` with its people
    (where the row gives them) and its ``review_note``.

Counts and estimates
    ``kind`` ``displacement`` is an estimate: estimates of one movement overlap and triangulate (below). ``kind``
    ``count`` is a tracked count of a distinct group (OCHA HNAP, CCCM, IOM DTM tables): counts add up and never
    triangulate with each other. A count with an origin and a destination is a flow of its own, unless a drawn
    estimate covers it (the estimate's period contains the count's and its areas contain the count's): then the
    count is shown beside the estimate -- in the flow's ``sources`` and, with the sum of such counts, in its
    ``note`` ("tracked counts inside this estimate: N people in k count(s), shown beside it, not added") -- and is
    never added to it; counts summing above the estimate are a disagreement (see below). A count with a
    destination and no origin (arrivals) adds to the place's ``people_in``, one with an origin and no destination
    (departures) to its ``people_out``; the place lists it in its ``sources``. No flow is drawn from a made-up
    origin. Counts naming several places split equally over them, in whole people.

Series
    Rows sharing a ``series`` name are running totals ("displaced since 1 December"). Ordered by ``period_end``,
    each row stands for its increment over the row before, over the days after that row's ``period_end``; the
    first keeps its figure and period. The increments add up to the last total, so a series is never counted
    twice; a total below the one before is noted in ``meta.notes`` and adds nothing. ``meta.series`` is True.

Names and P-codes
    ``origin_pcode`` / ``destination_pcode`` (one or more P-codes, ``;``-separated: ``C4130``, ``SY070301``) name
    the places exactly and win over the names; a P-code the gazetteer does not know is an ``"unknown P-code"``
    (an error, or with ``allow_unresolved`` a left-out report with its people -- never dropped). ``origin`` and
    ``destination`` hold one or more names separated by ``;`` (each stripped). Every distinct
    ``(name, *_within)`` pair is resolved once through the gazetteer (``resolve_many``), with the report's
    ``origin_within`` / ``destination_within`` as context. The context is taken as a fact: a name whose only match
    lies outside it (a namesake in another district) counts as unresolved, naming the namesake; regions, loose
    areas that may straddle admin borders, are exempt. A name that does not resolve, or that is ambiguous
    without more context, stops the build with :class:`~mapper.errors.UnresolvedPlacesError` listing every such name
    at once, with suggestions (nearest names, or the competing candidates). With ``allow_unresolved=True`` the
    reports naming them are left out instead -- the whole report, listed in ``left_out`` as ``"unresolved name"``
    or ``"ambiguous name"`` with its people and report ids, never silently. A name that no known spelling of a
    place gives and that the gazetteer matched by spelling alone (method ``"fuzzy"``: a typo, or another place of
    a similar name) is mapped, and named in a note of ``meta.notes`` (``"Names matched to a place by spelling
    alone: ..."``, the name, the place and how alike they are) for the reader to check.

Origins
    An origin that is an area (governorate, district, subdistrict, region) is drawn from the area's own point, the
    coordinate the gazetteer gives it (its centroid or seat); origins are never split into their settlements.
    A report naming several origins splits its figure equally across them (the split is recorded in
    ``split_rule`` as ``"origin equal (N origins)"``).

Destinations
    Destinations are the places the report names: no destination is invented. A region (``camps along the
    Turkish border``) or a camp cluster is drawn to itself, the arrow ending at its representative point. Only with
    ``split_regions=True`` (``--split-regions``) is a region replaced by its camp clusters that lie inside the
    region's own admin area and inside the area the report states (``destination_within``, when it is a P-code:
    OCHA's "camps along the border" within SY07 never reach Jarablus in Aleppo) -- its members in the gazetteer,
    whose data names the source of each membership -- and a camp cluster by its camps: a *modelled* split, marked ``modelled=True`` on those flows and ``"modelled split:
    ..."`` in ``split_rule``. The figure is split in two steps: across the named destinations, then within each
    split one. Each step splits by population (for a camp or cluster its population or capacity; a split
    destination weighs the sum of its members) when every member of the step has one, else equally.
    ``split_rule`` records what was done, e.g. ``"single"``, ``"equal (2 destinations)"``, ``"by population (4
    destinations)"``, ``"equal (2 destinations); modelled split: by population within camps along the Turkish
    border (5 camp clusters)"``. A report without a destination (or without an origin) cannot be drawn: it still
    backs and widens a triangulated flow (below), and when nothing in its cluster can be drawn the cluster is left
    out as ``"no destination"`` / ``"no origin"``. A report with neither is left out as ``"no origin or
    destination"``.

Triangulation (same movement)
    Two reports describe the same movement when their periods overlap (inclusive dates) and one of them *contains*
    the other: its origin area contains (or is) the other's origin area, and its destination area contains (or is)
    the other's destination area. Places are compared as areas of the OCHA admin hierarchy, down to the
    subdistrict: a governorate, district or subdistrict stands for itself; a settlement, camp, cluster or crossing
    for the subdistrict it lies in; a region for the areas of its camp clusters when it has some (so ``camps along
    the Turkish border`` contains ``Atme``, both in Dana subdistrict), else for the finest admin area the gazetteer
    gives it (``southern Idlib``: Idlib governorate); a place with no P-code at all only for itself. Area A contains
    area B when A's P-code is a prefix of B's (SY07 > SY0702 > SY070200). Only estimates triangulate. A report without a destination contains every
    destination (and one without an origin every origin): "215,000 fled Idlib governorate since November", with no
    destination, backs every movement out of Idlib governorate in its period. With several names, any pair of
    names may carry the containment. Reports are compared whole, before any splitting. Clusters are the connected
    components of this relation, so chains join (A contains B, B overlaps C in time and contains C) and the result
    does not depend on the rows' order. Two reports that only cross -- one wider at the origin, the other wider at
    the destination -- are not the same movement unless a third report contains both. In a cluster nothing can
    draw (no report in it has both an origin and a destination), a chain through a wide report would join
    movements of different times: there a report whose period does not overlap the best report's (chosen as below)
    is a movement of its own, split off again the same way, and each such cluster is left out with its own people.

    In a cluster the flows carry the estimate (``people``) of one report, chosen by agency priority (earliest in
    the priority list; unknown agencies after every listed one), then the latest ``published`` date (a missing
    date counts as the oldest), then the largest ``people``, then the earliest period, then the smallest
    ``report_id``; only reports with both an origin and a destination can be chosen. The chosen report's origins,
    destinations and splitting draw the flows, and its period is the flows' period (its estimate covers that
    period, not the union of the cluster's).

Honest bounds and disagreements
    ``people_min`` / ``people_max`` come from the reports whose scope relates to the chosen report's: one with the
    same areas and period is an alternative estimate (the range spans every alternative's minimum and maximum);
    one inside it (a sub-period and sub-area, e.g. a 24-hour count of part of the movement) is a lower bound; one
    around it (a wider period and area, or no destination) an upper bound. A report that is neither -- wider in
    one way and narrower in another, such as a 24-hour count to a wider destination -- bounds nothing. A lower
    bound above the estimate, or an upper bound below it, is a disagreement: the range is stretched to it and the
    flow's ``note`` and ``meta.notes`` say so ("sources disagree: SRCG's 215,000 (2019-11-01 to 2019-12-25) for a
    wider area or period is below UN OCHA's 235,000 (2019-12-12 to 2019-12-25)"). A report that bounds nothing
    but gives more people than the estimate is said too ("sources differ: ... for an area or period that only
    partly matches this movement is above ..."), without stretching the range. Bounds are split with the same
    fractions as ``people``, in whole people.
    ``sources`` lists every report of the cluster in a fixed order (period start, period end, people, agency,
    report id). Reports in different clusters add up.

Agencies
    :data:`DEFAULT_PRIORITY` is UN OCHA, UNHCR, IOM, SRCG (Syria Response Coordination Group), RCT (Response
    Coordinators Team), SOHR (OSDH), local councils, media. Agency names are compared after lower-casing and
    dropping punctuation, through a small table of aliases (``OCHA``, ``United Nations Office for the
    Coordination of Humanitarian Affairs``, ``OSDH``, ``Syrian Observatory for Human Rights`` ...); a priority entry
    also matches an agency whose name contains it as whole words (``local council`` matches ``Maarat al-Numan Local
    Council``).

Window, level, min-people
    ``start`` / ``end`` keep the reports whose period overlaps the window (inclusive); figures are **not
    prorated** to the part of the period inside the window. Reports outside are summarised in ``left_out`` as
    ``"outside window"``. ``level`` (``place``, ``admin3``, ``admin2``, ``admin1``) replaces each flow's origin and
    destination by the admin area of that level containing it (``gazetteer.by_pcode`` of its admin code). A place
    already as coarse as the level (a district at ``admin3``) and a region stay as they are; a place without a
    P-code of that level goes to the finest coarser admin area it has (a town with no subdistrict code goes to its
    district at ``admin3``), or stays as it is when it has none; ``meta["level_notes"]`` names the regions kept
    and the places moved to a coarser area.
    Flows with the same origin and destination are then summed (people, minimum, maximum; periods unioned;
    sources of every cluster behind them, cluster by cluster). An origin and destination that fall in
    one area stay as a zero-length flow, so people are conserved. Flows under ``min_people`` are left out as
    ``"below min-people"`` with their people, for the legend; per-place totals count the drawn flows (and the
    place's own arrivals-only / departures-only counts) only.

Incidents
    Rows of kind ``incident`` become points, one per resolved place named in ``origin`` (or, when empty,
    ``destination``), each with its report as ``sources``; they are filtered by the window like displacements. An
    incident naming no place is left out as ``"no place"``.

Protected sites
    With ``protect_sites_km`` the coordinates of camps and camp clusters (or of the kinds ``protect_kinds`` names,
    any of :data:`gazetteer.places.KINDS`) are snapped to the centre of a cell of one fixed, published grid as
    soon as the gazetteer hands the place over, so every geometry, distance, border distance, label and export is
    built from the snapped point and the exact one goes nowhere. The grid does not move with the size asked for:
    its cells are powers of two degrees, anchored at 0,0 -- the latitude side the smallest power of two of at
    least ``km / 111.32`` degrees, the longitude side the smallest of at least ``km / (111.32 cos b)`` where ``b``
    is the middle of the place's 8-degree latitude band -- so a cell is never smaller than asked, and every coarser
    grid's cells are unions of the finer ones'. Maps built with several grid sizes thus reveal no more than the
    finest cell among them (a grid anchored at 0,0 with cells of exactly ``km`` let six maps of 3-5 km narrow a
    camp to 50 m). ``meta.protect_sites_km``, ``meta.protect_kinds`` and ``meta.protect_rule`` record it.

Distances
    ``distance_km`` is geodesic on the WGS84 ellipsoid (pyproj); ``origin_border_km`` / ``dest_border_km`` and the
    places' ``border_km`` come from :func:`mapper.borders.border_distance_km`.

Whole people, totals
    ``people``, ``people_min`` and ``people_max`` are ints in every frame; ``meta.total_people`` is the headline
    total; ``meta.notes`` lists every disagreement once.
"""

from __future__ import annotations

from .agencies import DEFAULT_PRIORITY, agency_rank
from .build import build_flows
from .places import DEFAULT_PROTECT_KINDS, LEVELS, PROTECT_RULE

__all__ = ["build_flows", "DEFAULT_PRIORITY", "DEFAULT_PROTECT_KINDS", "LEVELS", "PROTECT_RULE", "agency_rank"]
