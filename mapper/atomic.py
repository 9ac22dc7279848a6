"""Atomic, non-clobbering output files.

Every output idpmap writes goes to a temporary file beside the target and is renamed into place only once it is
complete, so a failed or interrupted build leaves neither a partial file nor a damaged earlier output.

An existing file is replaced only when idpmap wrote it and nobody changed it since, or when ``force`` is given: a
user's own file that happens to share the name is never overwritten by accident. idpmap knows its own files by a
small ledger, ``.idpmap-written`` in the output's folder, that records the SHA-256 of each file it wrote there; this
works the same for every format (HTML, GeoJSON, GeoPackage, CSV, PNG, SVG, PDF).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

from gazetteer import __version__

from .errors import OutputError

#: Named in outputs that carry metadata (HTML meta tag, GeoJSON member, image metadata).
GENERATOR = f"idpmap {__version__}"
LEDGER_NAME = ".idpmap-written"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_ledger(folder: Path) -> dict:
    try:
        data = json.loads((folder / LEDGER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _record(path: Path) -> None:
    # Best effort: a folder we cannot write the ledger to only means --force next time.
    ledger = _read_ledger(path.parent)
    ledger[path.name] = _sha256(path)
    with contextlib.suppress(OSError):
        tmp = path.parent / f".{LEDGER_NAME}.part"
        tmp.write_text(json.dumps(ledger, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path.parent / LEDGER_NAME)


def written_by_idpmap(path) -> bool:
    """True when idpmap wrote ``path`` and it has not changed since (replacing it loses nothing of the user's)."""
    path = Path(path)
    recorded = _read_ledger(path.parent).get(path.name)
    try:
        return recorded is not None and recorded == _sha256(path)
    except OSError:
        return False


def check_target(path, *, force: bool = False) -> Path:
    """Raise :class:`OutputError` when writing ``path`` would clobber a file idpmap did not write."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a directory; give a file name")
    if not path.parent.exists():
        raise OutputError(f"{path}: folder {str(path.parent)!r} does not exist")
    if path.exists() and not force and not written_by_idpmap(path):
        raise OutputError(f"{path}: exists and was not written by idpmap; pass --force to overwrite it")
    return path


@contextlib.contextmanager
def atomic_path(path, *, force: bool = False):
    """Yield a temporary path beside ``path``; on success rename it over ``path``, on any error remove it.

    For writers that want a file name (pyogrio, matplotlib): ``with atomic_path(out) as tmp: write(tmp)``.
    The temporary name keeps the target's suffix, since some writers pick the format from it.
    """
    path = check_target(path, force=force)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # some writers (GDAL) refuse to open an existing file
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _record(path)


@contextlib.contextmanager
def atomic_open(path, mode: str = "w", *, force: bool = False, encoding: str = "utf-8", newline=None):
    """Like :func:`open` for writing, but atomic and non-clobbering (see the module docstring)."""
    with atomic_path(path, force=force) as tmp:
        if "b" in mode:
            with open(tmp, mode) as fh:
                yield fh
        else:
            with open(tmp, mode, encoding=encoding, newline=newline) as fh:
                yield fh
