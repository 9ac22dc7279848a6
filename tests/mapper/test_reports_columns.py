"""Tables with headers of their own: ``read_reports(columns={FIELD: HEADER})`` and ``--column FIELD=HEADER``."""

import json

import pytest
from click.testing import CliRunner

from mapper.cli import cli
from mapper.errors import InputFileError
from mapper.reports import read_reports

# A camp table as an NGO keeps it: P-codes, camp names, people; no idpmap column.
CAMPS = ("admin1_pcode,admin3_pcode,camp_cluster,admin4_pcode,camp_name,total_pop,males\n"
         "SY07,SY070301,Atma,C4130,Al Noor,1200,600\n"
         "SY07,SY070301,Atma,C4130,Al Amal,800,390\n"
         "SY07,SY070301,Qah,C4131,Al Ansar 2,742,349\n")
CAMP_COLUMNS = {"figure": "total_pop", "destination": "camp_name", "destination_pcode": "admin4_pcode"}
CAMP_DEFAULTS = {"kind": "count", "unit": "people", "period_start": "2020-04-01", "period_end": "2020-04-30"}
CLI_COLUMNS = ("--column", "figure=total_pop", "--column", "destination=camp_name",
               "--column", "destination_pcode=admin4_pcode")
CLI_DEFAULTS = ("--default", "kind=count", "--default", "unit=people", "--default", "period_start=2020-04-01",
                "--default", "period_end=2020-04-30")


def write(tmp_path, text, name="camps.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def problems_of(path, **kwargs):
    with pytest.raises(InputFileError) as info:
        read_reports(path, **kwargs)
    return str(info.value)


def invoke(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


# --- the library ---


def test_columns_read_the_files_own_headers_as_fields(tmp_path):
    frame = read_reports(write(tmp_path, CAMPS), columns=CAMP_COLUMNS, defaults=CAMP_DEFAULTS)
    assert list(frame["people"]) == [1200, 800, 742]
    assert list(frame["destination"]) == ["Al Noor", "Al Amal", "Al Ansar 2"]
    assert list(frame["destination_pcode"]) == ["C4130", "C4130", "C4131"]
    assert list(frame["report_id"]) == ["line-2", "line-3", "line-4"]
    assert set(frame["origin"]) == {""}


def test_headers_match_as_the_reader_matches_them_and_fields_as_default_names(tmp_path):
    text = "\ufeffCamp Name,Total Pop,Admin4-Pcode\nAl Noor,1200,C4130\n"
    frame = read_reports(write(tmp_path, text), defaults=CAMP_DEFAULTS,
                         columns=[("Figure", " total pop "), ("dest", "CAMP_NAME"),
                                  ("destination_pcode", "admin4 pcode")])
    assert (frame["people"][0], frame["destination"][0], frame["destination_pcode"][0]) == (1200, "Al Noor", "C4130")


def test_one_column_may_give_two_fields(tmp_path):
    frame = read_reports(write(tmp_path, CAMPS), defaults=CAMP_DEFAULTS,
                         columns={**CAMP_COLUMNS, "note": "camp_name"})
    assert list(frame["note"]) == ["Al Noor", "Al Amal", "Al Ansar 2"]


def test_a_mapped_column_is_read_as_its_field_only(tmp_path):
    """``destination=origin``: the file's origin column is the destination, and no longer the origin."""
    text = "kind,figure,unit,period_start,period_end,origin\ncount,10,people,2020-01-01,2020-01-31,Atme\n"
    frame = read_reports(write(tmp_path, text), columns={"destination": "origin"})
    assert (frame["origin"][0], frame["destination"][0]) == ("", "Atme")


def test_swapped_columns_are_not_a_conflict(tmp_path):
    text = "kind,figure,unit,period_start,period_end,origin,destination\ncount,10,people,2020-01-01,2020-01-31,A,B\n"
    frame = read_reports(write(tmp_path, text), columns={"origin": "destination", "destination": "origin"})
    assert (frame["origin"][0], frame["destination"][0]) == ("B", "A")


HNAP = ("governorate,governorate_pcode,subdistrict,subdistrict_pcode,community,community_pcode,idp_flow_estimation\n"
        "Idleb,SY07,Dana,SY070301,Atma,C4130,120\n"
        "Idleb,SY07,Dana,SY070301,Qah,C4131,80\n")
HNAP_DEFAULTS = {"kind": "count", "period_start": "2018-12-01", "period_end": "2018-12-31"}


def test_an_hnap_table_with_one_extra_column_reads_the_others_as_before(tmp_path):
    path = write(tmp_path, HNAP, "hnap.csv")
    before = read_reports(path, defaults=HNAP_DEFAULTS)
    with_partner = HNAP.replace("\n", ",partner\n", 1).replace("120\n", "120,SARD\n").replace("80\n", "80,IHH\n")
    after = read_reports(write(tmp_path, with_partner, "hnap.csv"), defaults=HNAP_DEFAULTS,
                         columns={"agency": "partner"})
    assert list(after["agency"]) == ["SARD", "IHH"]
    assert after.drop(columns="agency").equals(before.drop(columns="agency"))
    assert list(after["unit"]) == ["people", "people"]  # from the figure column's +idps tag, as before
    assert list(after["destination_pcode"]) == ["C4130", "C4131"]  # community_pcode, read by its OCHA tag
    # A column read by its OCHA tag, mapped to the field it already gives, changes nothing.
    assert read_reports(path, defaults=HNAP_DEFAULTS, columns={"figure": "idp_flow_estimation"}).equals(before)


def test_a_column_read_by_its_tag_is_read_as_the_mapped_field_instead(tmp_path):
    path = write(tmp_path, HNAP, "hnap.csv")
    frame = read_reports(path, defaults=HNAP_DEFAULTS, columns={"note": "community"})
    assert (list(frame["note"]), list(frame["destination"])) == (["Atma", "Qah"], ["", ""])
    frame = read_reports(path, defaults=HNAP_DEFAULTS, columns={"note": "community", "destination": "community"})
    assert list(frame["note"]) == list(frame["destination"]) == ["Atma", "Qah"]


def test_a_mapped_column_wins_over_tag_recognition(tmp_path):
    path = write(tmp_path, HNAP, "hnap.csv")
    frame = read_reports(path, defaults=HNAP_DEFAULTS, columns={"destination_pcode": "subdistrict_pcode"})
    assert list(frame["destination_pcode"]) == ["SY070301", "SY070301"]  # not the community P-codes of the tag
    assert list(frame["destination"]) == ["Atma", "Qah"]
    # In a file with an HXL row too: the tagged #loc+name column gives way to the mapped one.
    text = "place,camp,people\n#loc+name,,#affected+idps\nAtma,Al Noor,120\n"
    frame = read_reports(write(tmp_path, text, "hxl.csv"), defaults=HNAP_DEFAULTS, columns={"destination": "camp"})
    assert (frame["destination"][0], frame["people"][0], frame["unit"][0]) == ("Al Noor", 120, "people")


def test_a_figure_read_from_another_column_does_not_take_the_tagged_columns_unit(tmp_path):
    text = HNAP.replace("idp_flow_estimation\n", "idp_flow_estimation,families\n").replace("120\n", "120,24\n") \
        .replace("80\n", "80,16\n")
    message = problems_of(write(tmp_path, text, "hnap.csv"), defaults=HNAP_DEFAULTS, columns={"figure": "families"})
    assert "unit: required column 'unit' is missing" in message
    frame = read_reports(write(tmp_path, text, "hnap.csv"), defaults={**HNAP_DEFAULTS, "unit": "families"},
                         columns={"figure": "families"})
    assert list(frame["people"]) == [120, 80]


@pytest.mark.parametrize("columns, message", [
    ({"figur": "total_pop"}, "camps.csv: figur: --column figur=total_pop: idpmap has no field 'figur' (did you mean "
                             "'figure'?); use one of report_id, kind, figure"),
    ({"figure": "total_people"}, "camps.csv: figure: --column figure=total_people: the file has no column "
                                 "'total_people' (did you mean 'total_pop'?); its columns are 'admin1_pcode', "
                                 "'admin3_pcode', 'camp_cluster', 'admin4_pcode', 'camp_name', 'total_pop', 'males'"),
    ([("figure", "total_pop"), ("figure", "males")], "camps.csv: figure: --column figure=males: figure is already "
                                                     "read from column 'total_pop'; give --column figure=HEADER once"),
    ({"destination": "camp_name", "dest": "camp_cluster"}, "camps.csv: destination: --column dest=camp_cluster: "
                                                           "destination is already read from column 'camp_name'"),
])
def test_bad_columns_are_one_line_errors_naming_file_and_field(tmp_path, columns, message):
    text = problems_of(write(tmp_path, CAMPS), columns=columns, defaults=CAMP_DEFAULTS)
    assert message in text
    assert len(text.splitlines()) == 1


def test_a_field_the_file_already_has_is_refused(tmp_path):
    text = CAMPS.replace("males\n", "males,destination\n").replace("600\n", "600,Atme\n").replace(
        "390\n", "390,Atme\n").replace("349\n", "349,Qah\n")
    message = problems_of(write(tmp_path, text), columns={"destination": "camp_name"}, defaults=CAMP_DEFAULTS)
    assert message == (f"{tmp_path / 'camps.csv'}: destination: --column destination=camp_name: the file already has "
                       "a column 'destination' read as destination; rename or remove one of the two, or leave out "
                       "this --column")
    # Under an alias too.
    message = problems_of(write(tmp_path, CAMPS.replace("camp_cluster", "Dest")), columns={"destination": "camp_name"},
                          defaults=CAMP_DEFAULTS)
    assert "the file already has a column 'Dest' read as destination" in message


def test_a_long_header_list_is_cut(tmp_path):
    header = ",".join(f"indicator_column_number_{i}" for i in range(60))
    path = write(tmp_path, header + "\n" + ",".join("1" * 60) + "\n")
    message = problems_of(path, columns={"figure": "people"})
    assert len(message.splitlines()) == 1 and len(message) < 400
    assert "its columns are 'indicator_column_number_0', " in message and "... and 5" in message


# --- hints in the missing-column errors ---


def test_missing_columns_suggest_column_when_the_file_has_columns_idpmap_does_not_read(tmp_path):
    message = problems_of(write(tmp_path, CAMPS))
    lines = message.splitlines()
    assert len(lines) == 6
    figure = next(line for line in lines if ": figure: " in line)
    assert figure.endswith("required column 'figure' (or figure_min and figure_max) is missing (pass --column "
                           "figure=HEADER to read one of the file's columns as it: 'admin1_pcode', 'admin3_pcode', "
                           "'camp_cluster', 'admin4_pcode', 'camp_name', 'total_pop', 'males')")
    kind = next(line for line in lines if ": kind: " in line)
    assert kind.endswith("--default kind=count for tracked counts that add up, kind=displacement for estimates; or "
                         "--column kind=HEADER to read one of the file's columns as it)")
    place = next(line for line in lines if ": origin: " in line)
    assert place.endswith("no column says where people fled from or arrived: give origin, destination, origin_pcode "
                          "or destination_pcode (pass --column destination=HEADER to read one of the file's columns "
                          "as it)")


def test_a_file_of_idpmaps_own_columns_gets_no_column_hint(tmp_path):
    text = "kind,figure,unit,period_start,period_end\ncount,10,people,2020-01-01,2020-01-31\n"
    message = problems_of(write(tmp_path, text))
    assert message.endswith("origin: no column says where people fled from or arrived: give origin, destination, "
                            "origin_pcode or destination_pcode")
    message = problems_of(write(tmp_path, "figure,destination\n10,Atme\n"))
    assert "--column" not in message and "--default kind=count" in message


def test_a_close_name_suggests_renaming_or_column(tmp_path):
    message = problems_of(write(tmp_path, CAMPS.replace("total_pop", "figures")), defaults=CAMP_DEFAULTS,
                          columns={"destination_pcode": "admin4_pcode"})
    assert message.endswith("figure: required column 'figure' (or figure_min and figure_max) is missing (is 'figures' "
                            "meant to be 'figure'? rename it, or pass --column figure=figures)")


# --- the command line ---


def test_map_draws_a_camp_table_with_every_person_accounted_for(tmp_path):
    table, out = write(tmp_path, CAMPS), tmp_path / "camps.html"
    result = invoke("map", table, "-o", out, *CLI_COLUMNS, *CLI_DEFAULTS)
    assert result.exit_code == 0, result.output
    assert "(0 flows; 2,742 people counted at places)" in result.output and out.exists()
    geojson = tmp_path / "camps.geojson"
    result = invoke("flows", table, "-o", geojson, *CLI_COLUMNS, *CLI_DEFAULTS)
    assert result.exit_code == 0, result.output
    data = json.loads(geojson.read_text(encoding="utf-8"))
    places = {f["properties"]["place_id"]: f["properties"] for f in data["features"]
              if f["properties"]["layer"] == "places"}
    assert sorted(p["people_in"] for p in places.values()) == [742, 2000]
    assert sorted(s["report_id"] for p in places.values() for s in p["sources"]) == ["line-2", "line-3", "line-4"]
    assert data["left_out"] == [] and data["meta"]["total_people"] == 2742


def test_flows_reads_a_table_from_standard_input_with_columns(tmp_path):
    out = tmp_path / "camps.geojson"
    result = invoke("flows", "-", "-o", out, *CLI_COLUMNS, *CLI_DEFAULTS, input=CAMPS)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["meta"]["total_people"] == 2742


def test_a_table_whose_header_looks_like_flowmap_locations_is_read_as_reports_with_columns(tmp_path):
    table = write(tmp_path, "id,lat,lon,camp,pcode,people\n1,36.2,36.5,Al Noor,C4130,500\n")
    result = invoke("map", table, "-o", tmp_path / "m.html", "--column", "figure=people", "--column",
                    "destination_pcode=pcode", *CLI_DEFAULTS)
    assert result.exit_code == 0, result.output
    assert "500 people counted at places" in result.output


@pytest.mark.parametrize("command", ["map", "flows"])
@pytest.mark.parametrize("args, message", [
    (("--column", "figur=total_pop"), "camps.csv: figur: --column figur=total_pop: idpmap has no field 'figur'"),
    (("--column", "figure=total_people"), "camps.csv: figure: --column figure=total_people: the file has no column "
                                          "'total_people' (did you mean 'total_pop'?); its columns are"),
    (("--column", "figure=total_pop", "--column", "figure=males"), "figure is already read from column 'total_pop'"),
    (("--column", "figure=total_pop", "--column", "destination=camp_name", "--column", "admin1_pcode=x"),
     "idpmap has no field 'admin1_pcode'"),
    (("--column", "figure"), "--column figure: expected FIELD=HEADER, e.g. figure=total_pop"),
    (("--column", "figure="), "--column figure=: expected FIELD=HEADER"),
])
def test_bad_columns_on_the_command_line_exit_2_and_write_nothing(tmp_path, command, args, message):
    table = write(tmp_path, CAMPS)
    out = tmp_path / ("m.html" if command == "map" else "f.geojson")
    result = invoke(command, table, "-o", out, *args, *CLI_DEFAULTS)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_a_column_the_file_has_under_its_own_name_is_refused_on_the_command_line(tmp_path):
    table = write(tmp_path, CAMPS.replace("camp_cluster", "destination"))
    result = invoke("map", table, "-o", tmp_path / "m.html", *CLI_COLUMNS, *CLI_DEFAULTS)
    assert result.exit_code == 2
    assert result.output.strip() == (f"Error: {table}: destination: --column destination=camp_name: the file already "
                                     "has a column 'destination' read as destination; rename or remove one of the "
                                     "two, or leave out this --column")
    assert not (tmp_path / "m.html").exists()


def test_the_missing_column_errors_name_column(tmp_path):
    result = invoke("map", write(tmp_path, CAMPS), "-o", tmp_path / "m.html")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "pass --column figure=HEADER to read one of the file's columns as it: 'admin1_pcode'" in result.output


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_column_is_refused_for_a_flows_file(tmp_path, suffix):
    flows = tmp_path / f"camps{suffix}"
    assert invoke("flows", write(tmp_path, CAMPS), "-o", flows, *CLI_COLUMNS, *CLI_DEFAULTS).exit_code == 0
    result = invoke("map", flows, "-o", tmp_path / "m.html", "--column", "figure=total_pop")
    assert result.exit_code == 2
    assert f"{flows}: --column applies to a reports CSV; pass them to `idpmap flows`" in result.output
    assert not (tmp_path / "m.html").exists()
    result = invoke("flows", flows, "-o", tmp_path / "again.csv", "--column", "figure=total_pop")
    assert result.exit_code == 2 and "--column applies to a reports CSV" in result.output
    assert not (tmp_path / "again.csv").exists()
