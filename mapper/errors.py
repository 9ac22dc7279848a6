"""Error types of the mapper: one root, each subclass also a matching builtin."""


class MapperError(Exception):
    """Root of every error the mapper raises."""


class InputFileError(MapperError, ValueError):
    """An input file is malformed.

    ``problems`` holds every problem found, each a ``(line, field, message)`` tuple (``line`` and ``field`` may be
    ``None``); ``str()`` lists them one per line as ``file:line: field: problem``.
    """

    def __init__(self, path, problems):
        self.path = str(path)
        self.problems = list(problems)
        super().__init__("\n".join(self.format_problem(p) for p in self.problems))

    def format_problem(self, problem):
        line, field, message = problem
        where = self.path if line is None else f"{self.path}:{line}"
        return f"{where}: {field}: {message}" if field else f"{where}: {message}"


class UnresolvedPlacesError(MapperError, LookupError):
    """Place names in the reports did not resolve; ``unresolved`` maps each name to its suggestions."""

    def __init__(self, unresolved, limit=20):
        self.unresolved = dict(unresolved)
        names = list(self.unresolved)
        shown = []
        for name in names[:limit]:
            hint = self.unresolved[name]
            shown.append(f"{name!r}" + (f" (did you mean {', '.join(hint)}?)" if hint else ""))
        more = f" and {len(names) - limit:,} more" if len(names) > limit else ""
        super().__init__(
            f"{len(names):,} place name(s) did not resolve: " + "; ".join(shown) + more
            + "; fix the names, add context (origin_within/destination_within) or pass --allow-unresolved"
        )


class CoordinateError(MapperError, ValueError):
    """A latitude or longitude is not a number, out of range, or the lat and lon inputs differ in length."""


class OutputError(MapperError, OSError):
    """An output could not be written (exists and --force not given, unknown format, offline check failed)."""
