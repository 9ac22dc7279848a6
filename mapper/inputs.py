"""Input guards: how much idpmap agrees to read, and from what.

Every reader of a user's file goes through :func:`read_input` (or :func:`check_input_file` for readers that open
the file themselves, such as GDAL), so that a device, a FIFO or a runaway file gives one clear error instead of
filling the memory (``idpmap map /dev/zero`` used to grow to 24 GB). Standard input (``-``) is read the same way,
bounded.

The limits are generous for real data (a 100,000-flow GeoJSON is about 160 MB) and each can be raised with an
environment variable, named in the error message (JSON is read as deep as Python's parser goes, about 1,000
levels; deeper files get a one-line error):

=========================  ===========================  =========
limit                      environment variable         default
=========================  ===========================  =========
input file size            ``IDPMAP_MAX_INPUT_MB``      1024 MB
CSV line length            ``IDPMAP_MAX_LINE_KB``       8192 KB
CSV cell length            ``IDPMAP_MAX_CELL_KB``       4096 KB (characters / 1024)
=========================  ===========================  =========
"""

from __future__ import annotations

import codecs
import json
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

import msgspec
import numpy as np

from .errors import MAX_ECHO, InputFileError, shown

@dataclass(frozen=True)
class Limit:
    """One input limit: its default, the environment variable that raises it and the unit it is counted in."""

    name: str
    env: str
    default: int
    unit: str
    scale: int = 1

    def value(self) -> int:
        """The limit in bytes (or characters, levels): the environment variable when set, else the default."""
        text = os.environ.get(self.env, "").strip()
        if not text:
            return self.default * self.scale
        try:
            number = float(text)
        except ValueError:
            raise InputFileError(self.env, [(None, None, f"{shown(text)} is not a number of {self.unit}")]) from None
        if not number > 0 or number == float("inf"):
            raise InputFileError(self.env, [(None, None, f"{shown(text)} is not a positive number of {self.unit}")])
        return int(number * self.scale)

    def exceeded(self, what: str, found: str) -> str:
        """The message for an input beyond the limit: what, how big, the limit and how to raise it."""
        return (f"{what} is {found}, over the limit of {self.value() / self.scale:,.4g} {self.unit} "
                f"({self.name}); if the file is right, raise it with the environment variable {self.env}")


MAX_INPUT = Limit("input size", "IDPMAP_MAX_INPUT_MB", 1024, "MB", 1 << 20)
MAX_LINE = Limit("line length", "IDPMAP_MAX_LINE_KB", 8192, "KB", 1 << 10)
MAX_CELL = Limit("cell length", "IDPMAP_MAX_CELL_KB", 4096, "K characters", 1 << 10)


def _kind(mode: int) -> str | None:
    """What a special file is, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_input_file(path, *, size: bool = True) -> int:
    """Refuse a device, FIFO, socket or (unless not ``size``) too big a file as input; return its size. Never opens
    the file, so a FIFO cannot make it wait."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(2, "No such file or directory", str(path)) from None
    kind = _kind(st.st_mode)
    if kind is not None:
        raise InputFileError(path, [(None, None, f"is {kind}, not a regular file; idpmap reads files (or - for "
                                                 "standard input)")])
    if size and st.st_size > MAX_INPUT.value():
        raise InputFileError(path, [(None, None, MAX_INPUT.exceeded("the file", f"{st.st_size / (1 << 20):,.4g} MB"))])
    return st.st_size


def read_input(source, name: str | None = None) -> tuple[str, bytes]:
    """The bytes of an input (a path, or an open binary stream such as standard input), bounded by the size limit.

    Returns ``(name, data)``: the name used in messages and the bytes. Raises
    :class:`~mapper.errors.InputFileError` for a device, FIFO or socket, or an input over the size limit.
    """
    limit = MAX_INPUT.value()
    if isinstance(source, (str, os.PathLike)):
        name = str(Path(source)) if name is None else name
        check_input_file(source)
        with open(source, "rb") as fh:
            data = fh.read(limit + 1)
    else:
        if name is None:
            raw = getattr(source, "name", None)
            name = str(raw) if isinstance(raw, (str, os.PathLike)) else "<input>"
        data = source.read(limit + 1)
    if len(data) > limit:  # the file grew, or a stream
        raise InputFileError(name, [(None, None, MAX_INPUT.exceeded("the input", f"over {limit / (1 << 20):,.4g} MB"))])
    return name, data


def check_line_lengths(data: bytes, path) -> None:
    """Refuse a text input with a line longer than the line limit (checked on the raw bytes, without copies)."""
    limit = MAX_LINE.value()
    if len(data) <= limit:
        return
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    bounds = np.concatenate(([-1], ends, [len(data)]))
    lengths = np.diff(bounds) - 1
    longest = int(np.argmax(lengths))
    if lengths[longest] > limit:
        raise InputFileError(path, [(longest + 1, None, MAX_LINE.exceeded(
            "this line", f"{lengths[longest] / 1024:,.0f} KB long"))])


def check_cell_lengths(columns, lines, header, path) -> None:
    """Refuse cells longer than the cell limit; ``columns`` are object arrays of strings, one per header cell."""
    limit = MAX_CELL.value()
    for pos, column in enumerate(columns):
        if not len(column):
            continue
        lengths = np.fromiter((len(v) for v in column), dtype=np.int64, count=len(column))
        i = int(np.argmax(lengths))
        if lengths[i] > limit:
            field = str(header[pos])[:MAX_ECHO] if pos < len(header) else f"column {pos + 1}"
            raise InputFileError(path, [(int(lines[i]), field, MAX_CELL.exceeded(
                "this cell", f"{lengths[i]:,} characters long"))])


def without_bom(data):
    """JSON or CSV bytes without their UTF-8 byte-order mark (text as it is)."""
    return data[len(codecs.BOM_UTF8):] if isinstance(data, bytes) and data.startswith(codecs.BOM_UTF8) else data


def load_json(data, *, decode=json.loads):
    """JSON text (UTF-8 bytes, with or without a byte-order mark, or str) as Python values, exactly as the
    :mod:`json` module reads it: the same values, and the same errors, from ``decode`` (default :func:`json.loads`).

    msgspec reads the text where it can, faster than :mod:`json` and giving the same values (whole numbers of any
    length stay whole; floats round alike). What msgspec refuses goes to ``decode``: NaN, Infinity, numbers beyond
    a double (1e400), whole numbers of thousands of digits, lone surrogates, malformed text (for :mod:`json`'s
    error message). Raises what ``decode`` raises (for bytes: :class:`UnicodeDecodeError` when they are not UTF-8,
    then ``decode``'s errors), and :class:`RecursionError` for text nested deeper than Python's parser goes.
    """
    try:
        return msgspec.json.decode(without_bom(data))
    except (msgspec.MsgspecError, UnicodeError):
        pass
    return decode(data if isinstance(data, str) else data.decode("utf-8-sig"))


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in JSON text (brackets inside strings do not count).

    Array operations over the text: used to say how deep a file that the JSON parser refused is nested.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    table = np.zeros(256, dtype=np.int8)  # 1 quote, 2 backslash, 3 opening bracket, 4 closing bracket
    table[34], table[92], table[91], table[123], table[93], table[125] = 1, 2, 3, 3, 4, 4
    code = table[raw]
    pos = np.flatnonzero(code)
    code = code[pos]
    # In JSON a backslash occurs only in strings and escapes the next character; in a run of backslashes every
    # other one escapes. An escaped quote does not end a string.
    escaped = np.zeros(len(pos), dtype=bool)
    slashes = pos[code == 2]
    if len(slashes):
        run_start = np.concatenate(([True], np.diff(slashes) != 1))
        first = np.maximum.accumulate(np.where(run_start, np.arange(len(slashes)), 0))
        targets = slashes[(np.arange(len(slashes)) - first) % 2 == 0] + 1
        at = np.minimum(np.searchsorted(pos, targets), len(pos) - 1)
        escaped[at[pos[at] == targets]] = True
    quote = (code == 1) & ~escaped
    inside = (np.cumsum(quote, dtype=np.int64) & 1).astype(bool)
    step = (code == 3).astype(np.int64) - (code == 4)
    step[inside | escaped] = 0
    return int(np.cumsum(step).max(initial=0))


def json_nesting_error(data: bytes, path) -> InputFileError:
    """The error for JSON nested deeper than Python's parser goes (a 5,000-deep file: RecursionError)."""
    depth = json_depth(data)
    return InputFileError(path, [(None, None, f"the JSON is nested {depth:,} levels deep, over the limit of about "
                                              f"{sys.getrecursionlimit():,} levels of Python's JSON reader (a "
                                              "GeoJSON file of flows needs fewer than 10); not a flows file")])
