"""Agencies: who is trusted first when reports of one movement overlap (:func:`agency_rank`)."""

from __future__ import annotations

import re

__all__ = ["DEFAULT_PRIORITY", "agency_rank"]

#: Agencies whose estimate wins when reports of one movement overlap, highest priority first.
DEFAULT_PRIORITY = ("UN OCHA", "UNHCR", "IOM", "SRCG", "RCT", "SOHR", "local council", "media")

# Normalised spellings of the agencies of the default list (and their French/Arabic-transliterated names).
_AGENCY_ALIASES = {
    "un ocha": "un ocha",
    "ocha": "un ocha",
    "unocha": "un ocha",
    "united nations ocha": "un ocha",
    "united nations office for the coordination of humanitarian affairs": "un ocha",
    "un office for the coordination of humanitarian affairs": "un ocha",
    "unhcr": "unhcr",
    "un refugee agency": "unhcr",
    "united nations high commissioner for refugees": "unhcr",
    "hcr": "unhcr",
    "iom": "iom",
    "international organization for migration": "iom",
    "oim": "iom",
    "srcg": "srcg",
    "response coordination group": "srcg",
    "syria response coordination group": "srcg",
    "rct": "rct",
    "response coordinators team": "rct",
    "response coordinators": "rct",
    "syria response coordinators": "rct",
    "response coordinators group": "rct",
    "sohr": "sohr",
    "osdh": "sohr",
    "syrian observatory for human rights": "sohr",
    "observatoire syrien des droits de l homme": "sohr",
    "observatoire syrien des droits de lhomme": "sohr",
}

_NON_WORD = re.compile(r"[^\w]+")


def _norm_agency(name: str) -> str:
    return _NON_WORD.sub(" ", str(name).casefold()).strip()


def _canonical_agency(name: str) -> str:
    key = _norm_agency(name)
    return _AGENCY_ALIASES.get(key, key)


def agency_rank(agency: str, priority=DEFAULT_PRIORITY) -> int:
    """Position of ``agency`` in ``priority`` (0 is the highest); ``len(priority)`` for an unknown agency.

    Parameters
    ----------
    agency : str
        The agency as a report names it (``"OCHA"``, ``"Syrian Observatory for Human Rights"`` ...).
    priority : sequence of str
        Agencies, highest priority first; matched through the alias table, or as whole words of ``agency``.

    Returns
    -------
    int
    """
    canon = _canonical_agency(agency)
    padded = f" {canon} "
    for i, entry in enumerate(priority):
        want = _canonical_agency(entry)
        if want and (want == canon or f" {want} " in padded):
            return i
    return len(priority)

