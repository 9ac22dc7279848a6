"""Output to a pipe whose reader stops early (`idpmap flows … -o - | head -1`) ends quietly."""

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "idlib_dec_2019" / "reports.csv"


def test_a_reader_that_stops_early_gets_no_error_message():
    cmd = [sys.executable, "-m", "mapper", "flows", str(EXAMPLE), "-o", "-", "--format", "hxl", "--allow-unresolved"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # like `head -1`
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert first.startswith(b"flow_id,")
    assert "Error" not in stderr and "Traceback" not in stderr, stderr
    assert proc.returncode in (0, 1)
