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
