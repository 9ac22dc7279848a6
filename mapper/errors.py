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


#: Longest piece of an input value echoed in an error message (the rest is cut, with its length said).
MAX_ECHO = 60


def shown(value, limit: int = MAX_ECHO, *, quoted: bool = True) -> str:
    """``repr(value)`` (``str`` when not ``quoted``) for an error message, cut to about ``limit`` characters: a
    5,000-digit figure or a 1 MB cell does not make a 5,000-character error line."""
    text = repr(value) if quoted else str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(str(value)):,} characters)"


class UnresolvedPlacesError(MapperError, LookupError):
    """Place names in the reports did not resolve; ``unresolved`` maps each name to its suggestions."""

    def __init__(self, unresolved, limit=20):
        self.unresolved = dict(unresolved)
        names = list(self.unresolved)
        listed = []
        for name in names[:limit]:
            hint = [shown(h, quoted=False) for h in self.unresolved[name] or ()]
            listed.append(shown(name) + (f" (did you mean {', '.join(hint)}?)" if hint else ""))
        more = f" and {len(names) - limit:,} more" if len(names) > limit else ""
        super().__init__(
            f"{len(names):,} place name(s) did not resolve: " + "; ".join(listed) + more
            + "; fix the names, add context (origin_within/destination_within) or pass --allow-unresolved"
        )


class CoordinateError(MapperError, ValueError):
    """A latitude or longitude is not a number, out of range, or the lat and lon inputs differ in length."""


class OutputError(MapperError, OSError):
    """An output could not be written (exists and --force not given, unknown format, offline check failed)."""
