"""Atomic, non-clobbering output files.

Every output idpmap writes goes to a temporary file beside the target and is renamed into place only once it is
complete, so a failed or interrupted build leaves neither a partial file nor a damaged earlier output.

An existing file is replaced only when idpmap wrote it and nobody changed it since, or when ``force`` is given: a
user's own file that happens to share the name is never overwritten by accident. idpmap knows its own files by a
small ledger, ``.idpmap-written`` in the output's folder, that records the SHA-256 of each file it wrote there; this
works the same for every format (HTML, GeoJSON, GeoPackage, CSV, PNG, SVG, PDF). Builds writing into one folder at
once take turns on the ledger (an ``flock`` on the folder), so each keeps its entry.

Outputs go only to regular files or to names that do not exist yet, whatever ``force`` says: a device
(``/dev/null``), a FIFO, a socket or a symbolic link (``/dev/stdout``) is refused. Temporary files are named
``.<name>.idpmap-<host>-<pid>-<random>.part<suffix>``; those that an interrupted build left behind (its process is
gone, or a day has passed) are removed by the next build writing into the folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import socket
import stat
import tempfile
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the ledger is then best effort
    fcntl = None

from gazetteer import __version__

from .errors import OutputError

#: Named in outputs that carry metadata (HTML meta tag, GeoJSON member, image metadata).
GENERATOR = f"idpmap {__version__}"
LEDGER_NAME = ".idpmap-written"


#: Temporary files of a build carry this mark, the host and the process id, so that a later build can tell its
#: own leftovers (an interrupted build: power cut, kill -9) from anything else and remove them safely.
_PART_MARK = "idpmap"
_PART_RE = re.compile(r"^\..*\.idpmap-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[A-Za-z0-9_]+\.part(\.[A-Za-z0-9]+)?$")
#: A leftover of a process that may still run (same pid on another host, or a pid reused) is removed only when
#: this old.
STALE_PART_SECONDS = 24 * 3600
#: The ledger is small; anything bigger is not ours.
_MAX_LEDGER_BYTES = 16 << 20


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _special(path: Path) -> str | None:
    """What ``path`` is when it exists and is not a regular file (a link is described, never followed)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return f"a symbolic link (to {os.readlink(path)!r})"
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISDIR(st.st_mode):
        return "a directory"
    if stat.S_ISFIFO(st.st_mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        return "a device"
    if stat.S_ISSOCK(st.st_mode):
        return "a socket"
    return "not a regular file"


def _open_regular(path: Path, flags: int = os.O_RDONLY) -> int | None:
    """A descriptor of ``path`` when it is a regular file (never blocks on a FIFO, never follows a link)."""
    try:
        fd = os.open(path, flags | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def _sha256(path: Path) -> str | None:
    """SHA-256 of a regular file; None for anything else (a FIFO named in the ledger must not hang us)."""
    fd = _open_regular(path)
    if fd is None:
        return None
    digest = hashlib.sha256()
    with os.fdopen(fd, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_ledger(folder: Path) -> dict:
    fd = _open_regular(folder / LEDGER_NAME)
    if fd is None:
        return {}
    try:
        with os.fdopen(fd, "rb") as fh:
            data = json.loads(fh.read(_MAX_LEDGER_BYTES).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


@contextlib.contextmanager
def _ledger_lock(folder: Path):
    """Hold an exclusive lock (``flock``) on the output folder itself while the ledger is read, changed and
    replaced, so that builds writing into the same folder at once each keep their entry; the lock leaves no file
    behind. Best effort: where no lock can be taken (no fcntl, a file system without flock), go on without."""
    fd = None
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:
                pass
        yield
    finally:
        if fd is not None:
            os.close(fd)  # releases the lock


def _record(path: Path) -> None:
    # Best effort: a folder we cannot write the ledger to only means --force next time.
    digest = _sha256(path)
    if digest is None:
        return
    with contextlib.suppress(OSError), _ledger_lock(path.parent):
        ledger = _read_ledger(path.parent)
        ledger[path.name] = digest
        # not mkstemp: the ledger keeps the permissions the umask gives (mkstemp's are 0600)
        tmp = path.parent / f".{LEDGER_NAME}.{_part_tag()}{secrets.token_hex(4)}.part"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(ledger, indent=1, sort_keys=True))
            os.replace(tmp, path.parent / LEDGER_NAME)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def written_by_idpmap(path) -> bool:
    """True when idpmap wrote ``path`` and it has not changed since (replacing it loses nothing of the user's)."""
    path = Path(path)
    recorded = _read_ledger(path.parent).get(path.name)
    try:
        return recorded is not None and recorded == _sha256(path)
    except OSError:
        return False


def check_target(path, *, force: bool = False) -> Path:
    """Raise :class:`OutputError` when writing ``path`` would clobber a file idpmap did not write.

    Outputs go only to regular files or to a name that does not exist yet, whatever ``force`` says: a device
    (``/dev/null``), a FIFO, a socket or a symbolic link (``/dev/stdout``) is refused, since replacing it with a
    regular file would break it for everyone.
    """
    path = Path(path)
    special = _special(path)
    if special == "a directory":
        raise OutputError(f"{path}: is a directory; give a file name")
    if special is not None:
        raise OutputError(f"{path}: is {special}, not a regular file; idpmap writes only regular files (give a "
                          "new file name, or - for standard output where the command offers it)")
    if not path.parent.is_dir():
        raise OutputError(f"{path}: folder {str(path.parent)!r} does not exist")
    if path.exists() and not force and not written_by_idpmap(path):
        raise OutputError(f"{path}: exists and was not written by idpmap; pass --force to overwrite it")
    return path


def _part_tag() -> str:
    return f"{_PART_MARK}-{_host()}-{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def remove_stale_parts(folder, *, now: float | None = None) -> list:
    """Remove temporary files that interrupted idpmap builds left in ``folder``; return their paths.

    Only idpmap's own (named ``.<name>.idpmap-<host>-<pid>-<random>.part<suffix>``), only regular files, and only
    those of a process of this host that no longer runs, or older than :data:`STALE_PART_SECONDS`.
    """
    folder = Path(folder)
    now = time.time() if now is None else now
    host, removed = _host(), []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _PART_RE.match(entry.name)
        if not match:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        ours_and_dead = match["host"] == host and not _alive(int(match["pid"]))
        if ours_and_dead or now - st.st_mtime > STALE_PART_SECONDS:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def atomic_path(path, *, force: bool = False):
    """Yield a temporary path beside ``path``; on success rename it over ``path``, on any error remove it.

    For writers that want a file name (pyogrio, matplotlib): ``with atomic_path(out) as tmp: write(tmp)``.
    The temporary name keeps the target's suffix, since some writers pick the format from it.
    """
    path = check_target(path, force=force)
    remove_stale_parts(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.{_part_tag()}", suffix=f".part{path.suffix}",
                               dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # some writers (GDAL) refuse to open an existing file
    tmp = Path(tmp)
    try:
        yield tmp
        check_target(path, force=True)  # still not a device, FIFO or link after the (possibly long) build
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
