"""idpmap's mapper: displacement reports become origin -> destination flows, then maps.

The modules run in one direction: ``reports`` (read and validate) -> ``flows`` (resolve, split, triangulate)
-> ``render`` (HTML through folium) / ``static`` (images through matplotlib) -> ``cli``.
"""

from gazetteer import __version__

from .errors import CoordinateError, InputFileError, MapperError, OutputError, UnresolvedPlacesError

__all__ = ["__version__", "MapperError", "InputFileError", "UnresolvedPlacesError", "OutputError", "CoordinateError"]
