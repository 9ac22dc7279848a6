"""idpmap's gazetteer: place names of north-west Syria, in any transliteration, to places with P-codes.

Works offline from the curated data bundled in ``gazetteer/data``; a user's GeoNames dump can be imported into a
local store, and an online geocoder (geopy) is an opt-in fallback. Never imports :mod:`mapper`.

>>> from gazetteer import Gazetteer
>>> Gazetteer.default().resolve("Marratinnuman").place.name
'Maarat al-Numan'
"""

__version__ = "0.1.0"

from .errors import AmbiguousPlaceError, DataFileError, GazetteerError, OnlineGeocoderError, PlaceNotFoundError
from .places import AREA_KINDS, KINDS, Match, Place
from .normalize import normalize_name
from .core import Gazetteer

__all__ = [
    "__version__",
    "Gazetteer",
    "Place",
    "Match",
    "KINDS",
    "AREA_KINDS",
    "normalize_name",
    "GazetteerError",
    "PlaceNotFoundError",
    "AmbiguousPlaceError",
    "DataFileError",
    "OnlineGeocoderError",
]
