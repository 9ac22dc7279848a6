"""Outputs are written atomically and never clobber a file idpmap did not write."""

import pytest

from mapper.atomic import LEDGER_NAME, atomic_open, atomic_path, written_by_idpmap
from mapper.errors import MapperError, OutputError


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name != LEDGER_NAME)


def test_write_creates_file_and_marks_it_as_ours(tmp_path):
    out = tmp_path / "map.html"
    with atomic_open(out) as fh:
        fh.write("<html>done</html>")
    assert out.read_text() == "<html>done</html>"
    assert written_by_idpmap(out)
    assert _leftovers(tmp_path) == ["map.html"]


def test_failure_half_way_keeps_the_old_file_and_leaves_no_partial(tmp_path):
    out = tmp_path / "flows.geojson"
    with atomic_open(out) as fh:
        fh.write("old, complete")
    with pytest.raises(RuntimeError):
        with atomic_open(out) as fh:
            fh.write("new, half")
            raise RuntimeError("build failed half way")
    assert out.read_text() == "old, complete"
    assert _leftovers(tmp_path) == ["flows.geojson"]


def test_a_file_idpmap_did_not_write_needs_force(tmp_path):
    out = tmp_path / "report.csv"
    out.write_text("the user's own spreadsheet")
    with pytest.raises(OutputError, match="--force"):
        with atomic_open(out) as fh:
            fh.write("flows")
    assert out.read_text() == "the user's own spreadsheet"
    with atomic_open(out, force=True) as fh:
        fh.write("flows")
    assert out.read_text() == "flows"


def test_a_file_changed_by_the_user_after_idpmap_wrote_it_needs_force(tmp_path):
    out = tmp_path / "map.html"
    with atomic_open(out) as fh:
        fh.write("v1")
    out.write_text("v1 with the user's edits")
    assert not written_by_idpmap(out)
    with pytest.raises(OutputError):
        with atomic_open(out) as fh:
            fh.write("v2")


def test_rebuilding_our_own_output_needs_no_force(tmp_path):
    out = tmp_path / "map.png"
    for content in (b"\x89PNG v1", b"\x89PNG v2"):
        with atomic_open(out, "wb") as fh:
            fh.write(content)
    assert out.read_bytes() == b"\x89PNG v2"


def test_atomic_path_keeps_the_suffix_for_writers_that_pick_a_format_from_it(tmp_path):
    out = tmp_path / "flows.gpkg"
    with atomic_path(out) as tmp:
        assert tmp.suffix == ".gpkg" and tmp.parent == tmp_path and not tmp.exists()
        tmp.write_bytes(b"x")
    assert out.read_bytes() == b"x"


def test_missing_folder_and_directory_target_are_clear_errors(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        with atomic_open(tmp_path / "nope" / "map.html") as fh:
            fh.write("x")
    with pytest.raises(OutputError, match="is a directory"):
        with atomic_open(tmp_path) as fh:
            fh.write("x")
    assert issubclass(OutputError, MapperError) and issubclass(OutputError, OSError)


# --- special files, races, leftovers (issue 15 §1 §8) ---

import os
import subprocess
import sys
import time

from mapper.atomic import check_target, remove_stale_parts


@pytest.mark.parametrize("force", [False, True])
def test_devices_fifos_and_links_are_never_replaced_whatever_force_says(tmp_path, force):
    from tests.test_malformed import special_file

    device = special_file(tmp_path, "device", "null.html")  # a private copy of /dev/null when root
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    link = tmp_path / "stdout.html"
    link.symlink_to("/dev/stdout")
    for target in (device, fifo, link):
        with pytest.raises(OutputError, match="not a regular file") as err:
            with atomic_open(target, force=force) as fh:
                fh.write("x")
        assert "--force" not in str(err.value)
    assert os.path.exists(device) and not os.path.isfile(device)
    assert fifo.is_fifo() and link.is_symlink()


def test_a_fifo_named_in_the_ledger_does_not_hang(tmp_path):
    out = tmp_path / "map.html"
    with atomic_open(out) as fh:
        fh.write("v1")
    out.unlink()
    os.mkfifo(out)
    assert not written_by_idpmap(out)  # returns at once instead of waiting for a writer
    with pytest.raises(OutputError, match="FIFO"):
        check_target(out, force=True)
    (tmp_path / LEDGER_NAME).unlink()
    os.mkfifo(tmp_path / LEDGER_NAME)
    assert not written_by_idpmap(out)


_WRITER = """
import sys
from mapper.atomic import atomic_open
with atomic_open(sys.argv[1]) as fh:
    fh.write(sys.argv[1])
"""


def test_sixteen_processes_writing_into_one_folder_keep_every_ledger_entry(tmp_path):
    names = [tmp_path / f"out{i}.geojson" for i in range(16)]
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(n)]) for n in names]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    assert all(written_by_idpmap(n) for n in names)  # rebuilding any of them needs no --force


def _part(folder, pid, host=None):
    from mapper.atomic import _host

    path = folder / f".map.idpmap-{host or _host()}-{pid}-abc123.part.html"
    path.write_text("half a map")
    return path


def test_leftovers_of_interrupted_builds_are_removed_by_the_next_build(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = _part(tmp_path, dead.pid)
    running = _part(tmp_path, os.getpid())  # a build still running (this process) keeps its file
    other_host = _part(tmp_path, dead.pid, host="0badf00d")  # maybe running elsewhere: kept until old
    old_other = _part(tmp_path, 1, host="0badf00d")
    os.utime(old_other, (time.time() - 3 * 86400,) * 2)
    users = [tmp_path / ".map.part.html", tmp_path / "notes.part"]  # not idpmap's: never touched
    for path in users:
        path.write_text("the user's")
    with atomic_open(tmp_path / "map.html") as fh:
        fh.write("done")
    assert not stale.exists() and not old_other.exists()
    assert running.exists() and other_host.exists() and all(p.exists() for p in users)
    assert remove_stale_parts(tmp_path) == []


def test_an_interrupted_build_leaves_a_part_file_that_the_next_one_removes(tmp_path):
    code = ("import os\nfrom mapper.atomic import atomic_open\n"
            f"with atomic_open({str(tmp_path / 'map.html')!r}) as fh:\n"
            "    fh.write('half'); fh.flush(); os._exit(9)\n")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 9
    assert [p for p in tmp_path.iterdir() if ".part" in p.name]
    with atomic_open(tmp_path / "map.html") as fh:
        fh.write("done")
    assert _leftovers(tmp_path) == ["map.html"]


def test_the_ledger_keeps_the_permissions_the_umask_gives(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_open(tmp_path / "map.html") as fh:
            fh.write("x")
    finally:
        os.umask(old)
    assert (tmp_path / LEDGER_NAME).stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "map.html").stat().st_mode & 0o777 == 0o644
