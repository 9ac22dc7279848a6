"""Outputs are byte-identical on rebuild (issue 15 §8): the GeoPackage carries no build time."""

import time

from mapper.io import read_flows, write_flows


def test_geopackage_is_byte_identical_across_runs(tmp_path):
    (tmp_path / "locations.csv").write_text("id,name,lat,lon\na,A,36.1,36.7\nb,B,36.3,36.6\n", encoding="utf-8")
    (tmp_path / "flows.csv").write_text("origin,dest,count\na,b,10\nb,a,3\n", encoding="utf-8")
    flowset = read_flows(tmp_path)
    write_flows(flowset, tmp_path / "one.gpkg")
    time.sleep(1.1)  # GDAL's timestamps count seconds
    write_flows(flowset, tmp_path / "two.gpkg")
    assert (tmp_path / "one.gpkg").read_bytes() == (tmp_path / "two.gpkg").read_bytes()
