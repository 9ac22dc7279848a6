"""Error types of the gazetteer: one root, each subclass also a matching builtin."""


class GazetteerError(Exception):
    """Root of every error the gazetteer raises."""


class PlaceNotFoundError(GazetteerError, LookupError):
    """No place matched a name well enough (inside the context, when one was given).

    ``suggestions`` lists the nearest names (``did you mean``), best first; when the name matches only places
    outside the context, ``outside`` holds those places and ``suggestions`` describes them.
    """

    def __init__(self, query, suggestions=(), *, outside=(), context=None):
        self.query = query
        self.outside = tuple(outside)
        self.context = context
        if self.outside:
            suggestions = [f"{p.name} ({p.kind}, {p.pcode or p.admin3 or p.admin2 or p.admin1 or p.id})"
                           for p in self.outside]
        self.suggestions = tuple(suggestions)
        msg = f"no place matches {query!r}"
        if self.outside:
            msg += f" within {context!r}; outside it: " + "; ".join(self.suggestions)
        elif self.suggestions:
            msg += "; did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        super().__init__(msg)


class AmbiguousPlaceError(GazetteerError, LookupError):
    """A name matches several places equally well and no context decides between them.

    ``candidates`` holds the competing :class:`~gazetteer.places.Place` objects.
    """

    def __init__(self, query, candidates):
        self.query = query
        self.candidates = tuple(candidates)
        listed = "; ".join(f"{p.name} ({p.kind}, {p.id}, {p.admin2 or p.admin1})" for p in self.candidates)
        super().__init__(f"{query!r} is ambiguous: {listed}; pass within= (a place, P-code or bounding box)")


class DataFileError(GazetteerError, ValueError):
    """A gazetteer data or import file is malformed; the message names file and line."""

    def __init__(self, path, line, problem, field=None):
        self.path = str(path)
        self.line = line
        self.field = field
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else self.path
        if field:
            where += f": {field}"
        super().__init__(f"{where}: {problem}")


class OnlineGeocoderError(GazetteerError, RuntimeError):
    """The opt-in online fallback failed (timeout, refused, not configured)."""
