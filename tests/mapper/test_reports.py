"""Reading displacement reports: the format, figures, units, HXL, encodings and every validation error."""

import datetime as dt
import io

import pytest

from mapper.errors import InputFileError
from mapper.reports import MAX_PROBLEMS, REPORT_COLUMNS, parse_figure, read_reports

HEADER = ("report_id,kind,figure,qualifier,unit,period_start,period_end,origin,destination,origin_within,"
          "destination_within,agency,publisher,published,url,note")
GOOD = {
    "report_id": "ocha-1", "kind": "displacement", "figure": "235000", "qualifier": "more than", "unit": "people",
    "period_start": "2019-12-12", "period_end": "2019-12-25", "origin": "Maarat al-Numan;Saraqib",
    "destination": "Idlib;Atme", "origin_within": "", "destination_within": "", "agency": "UN OCHA",
    "publisher": "UN OCHA", "published": "2019-12-26", "url": "https://example.org/r", "note": "",
}


def _row(**changes):
    values = dict(GOOD, **changes)
    return ",".join(_quote(values[c]) for c in HEADER.split(","))


def _quote(value):
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


def write(tmp_path, text, name="reports.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def problems_of(path, **kwargs):
    with pytest.raises(InputFileError) as info:
        read_reports(path, **kwargs)
    return info.value


# ---------------------------------------------------------------------------------------------- reading


def test_reads_every_column_with_its_type(tmp_path):
    path = write(tmp_path, "\n".join([
        HEADER,
        _row(),
        _row(report_id="srcg-1", figure="2,000", qualifier="", unit="families", origin="southern Idlib",
             destination=" Kah ; Deir Hassan ;", agency="SRCG", published="", url=""),
        _row(report_id="sohr-1", kind="incident", figure="8", qualifier="", unit="killed", origin="Maasaran",
             destination="", period_start="2019-12-20", period_end="2019-12-20", agency="SOHR"),
    ]) + "\n")
    df = read_reports(path)
    assert list(df.columns) == REPORT_COLUMNS
    assert df.attrs["path"] == str(path)
    assert df["line"].tolist() == [2, 3, 4]
    first = df.iloc[0]
    assert first["people"] == first["people_min"] == first["people_max"] == 235000
    assert first["qualifier"] == "more than"
    assert first["period_start"] == dt.date(2019, 12, 12) and isinstance(first["period_end"], dt.date)
    assert first["origin"] == "Maarat al-Numan;Saraqib"
    assert first["published"] == "2019-12-26"
    families = df.iloc[1]
    assert (families["figure_min"], families["people"]) == (2000, 10000)  # 5 people per family by default
    assert families["destination"] == "Kah;Deir Hassan"  # names trimmed, empty ones dropped
    incident = df.iloc[2]
    assert (incident["kind"], incident["unit"], incident["people"]) == ("incident", "killed", 8)
    assert incident["destination"] == ""


def test_people_per_family_can_be_overridden(tmp_path):
    path = write(tmp_path, HEADER + "\n" + _row(figure="100", unit="households") + "\n")
    assert read_reports(path)["people"].iloc[0] == 500
    assert read_reports(path, people_per_family=6)["people"].iloc[0] == 600
    with pytest.raises(ValueError, match="people per family"):
        read_reports(path, people_per_family=0)


@pytest.mark.parametrize("text, expected", [
    ("12000", (12000, 12000, "")),
    ("12,000", (12000, 12000, "")),
    ("12 000", (12000, 12000, "")),
    ("12\u00a0000", (12000, 12000, "")),
    ("235,000", (235000, 235000, "")),
    ("1.234.567", (1234567, 1234567, "")),
    ("١٢٠٠٠", (12000, 12000, "")),
    ("twelve thousand", (12000, 12000, "")),
    ("two hundred and thirty-five thousand", (235000, 235000, "")),
    ("a hundred", (100, 100, "")),
    ("1.2 million", (1200000, 1200000, "")),
    ("235 thousand", (235000, 235000, "")),
    ("12k", (12000, 12000, "")),
    ("more than 235,000", (235000, 235000, "more than")),
    (">10000", (10000, 10000, "more than")),
    ("nearly twelve thousand", (12000, 12000, "nearly")),
    ("10,000-12,000", (10000, 12000, "")),
    ("between 10,000 and 12,000", (10000, 12000, "")),
])
def test_parse_figure_accepts_unambiguous_numbers(text, expected):
    assert parse_figure(text) == expected


@pytest.mark.parametrize("text, message", [
    ("-12000", "negative"),
    ("12.000", "ambiguous"),
    ("12.5", "decimal part"),
    ("1,5", "decimal part"),
    ("thousands", "vague"),
    ("tens of thousands", "vague"),
    ("several hundred", "vague"),
    ("twelve twelve", "not a number"),
    ("12000 people", "not a number"),
    ("12,00", "misplaced separator"),
    ("1.2345 thousand", "not a whole number"),
    ("12,000-10,000", "backwards"),
])
def test_parse_figure_refuses_the_rest_clearly(text, message):
    with pytest.raises(ValueError, match=message):
        parse_figure(text)


def test_figure_words_and_qualifier_in_the_figure_cell(tmp_path):
    path = write(tmp_path, "\n".join([HEADER, _row(figure="more than twelve thousand", qualifier=""),
                                      _row(report_id="b", figure="about 5,000", qualifier="around")]) + "\n")
    df = read_reports(path)
    assert df["people"].tolist() == [12000, 5000]
    assert df["qualifier"].tolist() == ["more than", "about"]


@pytest.mark.parametrize("given, normalised", [
    ("More than", "more than"), ("over", "more than"), (">", "more than"), ("at least", "at least"),
    ("no fewer than", "at least"), ("Almost", "almost"), ("nearly", "nearly"), ("around", "about"),
    ("approximately", "about"), ("up to", "up to"), ("some", "some"), ("", ""),
])
def test_qualifiers_are_normalised(tmp_path, given, normalised):
    path = write(tmp_path, HEADER + "\n" + _row(qualifier=given) + "\n")
    assert read_reports(path)["qualifier"].iloc[0] == normalised


def test_ranges_in_their_own_columns(tmp_path):
    text = ("report_id,kind,figure_min,figure_max,unit,period_start,period_end,origin\n"
            "a,displacement,\"10,000\",12000,people,2019-12-01,2019-12-02,Saraqib\n"
            "b,displacement,300,300,families,2019-12-01,2019-12-02,Saraqib\n")
    df = read_reports(write(tmp_path, text))
    assert df[["figure_min", "figure_max", "people"]].values.tolist() == [[10000, 12000, 11000],
                                                                        [300, 300, 1500]]


def test_figure_with_a_range_around_it(tmp_path):
    text = ("report_id,kind,figure,figure_min,figure_max,unit,period_start,period_end,origin\n"
            "a,displacement,12000,10000,15000,people,2019-12-01,2019-12-02,Saraqib\n")
    row = read_reports(write(tmp_path, text)).iloc[0]
    assert (row["people"], row["people_min"], row["people_max"]) == (12000, 10000, 15000)


def test_blank_lines_and_spaces_are_ignored_and_lines_stay_physical(tmp_path):
    text = HEADER + "\n\n" + _row(kind=" displacement ", unit="People ") + "\n,,,,,,,,,,,,,,,\n\n" + \
        _row(report_id="b", figure="x") + "\n\n"
    err = problems_of(write(tmp_path, text))
    assert str(err) == f"{tmp_path / 'reports.csv'}:6: figure: not a number: 'x'; write the figure in digits, " \
                       "e.g. 12000 (the unit goes in unit)"


def test_quoted_cell_over_several_lines_keeps_line_numbers(tmp_path):
    text = HEADER + "\n" + _row(note="first line\nsecond line") + "\n" + _row(report_id="b", unit="sheep") + "\n"
    err = problems_of(write(tmp_path, text))
    assert err.problems == [(4, "unit", "unknown unit 'sheep' for displacement; write people, families or "
                                        "households")]
    good = HEADER + "\n" + _row(note="first line\nsecond line") + "\n" + _row(report_id="b") + "\n"
    df = read_reports(write(tmp_path, good))
    assert df["line"].tolist() == [2, 4] and df["note"].iloc[0] == "first line\nsecond line"


def test_reads_an_open_buffer(tmp_path):
    data = (HEADER + "\n" + _row() + "\n").encode()
    assert read_reports(io.BytesIO(data))["people"].iloc[0] == 235000
    assert read_reports(io.StringIO(data.decode()))["people"].iloc[0] == 235000


# ---------------------------------------------------------------------------------------------- HXL


def test_hxl_row_maps_columns_by_tag(tmp_path):
    text = ("Ref,Type,IDPs,Unit,From,To,Origin,Destination,Source agency,Link\n"
            "#meta+id,#event+type,#affected+idps,#meta+unit,#date+start,#date+end,#loc+origin,#loc+dest,"
            "#org+source,#meta+url\n"
            "r1,displacement,\"12,000\",people,2019-12-24,2019-12-25,Maarat al-Numan,Atme,RCT,https://x.org\n"
            "r2,displacement,5000,people,2019-12-24,2019-12-23,Saraqib,Atme,RCT,\n")
    err = problems_of(write(tmp_path, text))
    assert err.problems == [(4, "period_end", "2019-12-23 is before period_start 2019-12-24")]
    df = read_reports(write(tmp_path, text.replace("2019-12-23", "2019-12-25")))
    assert df["line"].tolist() == [3, 4]
    assert df[["report_id", "people", "origin", "destination", "agency", "url"]].iloc[0].tolist() == \
        ["r1", 12000, "Maarat al-Numan", "Atme", "RCT", "https://x.org"]


def test_hxl_figure_tag_gives_the_unit_when_there_is_no_unit_column(tmp_path):
    text = ("id,kind,households,start,end,origin\n"
            ",,#affected+hh,#date+start,#date+end,#adm2+origin\n"
            "r1,displacement,100,2019-12-01,2019-12-02,Maarat al-Numan District\n")
    row = read_reports(write(tmp_path, text)).iloc[0]
    assert (row["unit"], row["people"], row["origin"]) == ("households", 500, "Maarat al-Numan District")


# ---------------------------------------------------------------------------------------------- validation


@pytest.mark.parametrize("changes, field, message", [
    ({"report_id": ""}, "report_id", "empty; give each row a unique id"),
    ({"kind": ""}, "kind", "empty; write displacement, count or incident"),
    ({"kind": "exodus"}, "kind", "unknown kind 'exodus'; write displacement (an estimate), count"),
    ({"figure": ""}, "figure", "empty; write the number as digits"),
    ({"figure": "-12000"}, "figure", "negative figure '-12000'"),
    ({"figure": "0"}, "figure", "0 people is not a displacement"),
    ({"figure": "12.000"}, "figure", "ambiguous figure '12.000'"),
    ({"figure": "thousands"}, "figure", "vague figure 'thousands'"),
    ({"figure": "many"}, "figure", "vague figure"),
    ({"figure": "30000000"}, "figure", "30,000,000 people is more than 20,000,000"),
    ({"figure": "5000000", "unit": "families"}, "figure", "25,000,000 people is more than 20,000,000"),
    ({"figure": "12,000", "qualifier": "perhaps"}, "qualifier", "unknown qualifier 'perhaps'"),
    ({"figure": "more than 12,000", "qualifier": "about"}, "qualifier", "'about' disagrees with the figure's own"),
    ({"unit": ""}, "unit", "empty; write people, families or households"),
    ({"unit": "tents"}, "unit", "unknown unit 'tents' for displacement"),
    ({"unit": "killed"}, "unit", "unknown unit 'killed' for displacement"),
    ({"kind": "incident", "unit": "families", "destination": ""}, "unit", "unknown unit 'families' for incident"),
    ({"kind": "incident"}, "destination", "incidents have one place: put it in origin"),
    ({"origin": "", "destination": ""}, "origin", "empty, and so is destination; write where people fled from"),
    ({"kind": "incident", "unit": "killed", "origin": "", "destination": ""}, "origin",
     "empty; write where the incident happened"),
    ({"period_start": ""}, "period_start", "empty; write the date as YYYY-MM-DD"),
    ({"period_start": "12/12/2019"}, "period_start", "expected a date as YYYY-MM-DD, got '12/12/2019'"),
    ({"period_start": "2019-02-30"}, "period_start", "'2019-02-30' is not a real date"),
    ({"period_end": "1019-12-25"}, "period_end", "'1019-12-25' is outside 1900-2100"),
    ({"period_end": "2019-12-01"}, "period_end", "2019-12-01 is before period_start 2019-12-12"),
    ({"published": "26 Dec 2019"}, "published", "expected a date as YYYY-MM-DD"),
])
def test_each_bad_cell_is_reported_with_line_and_field(tmp_path, changes, field, message):
    path = write(tmp_path, HEADER + "\n" + _row(report_id="ok") + "\n" + _row(**changes) + "\n")
    err = problems_of(path)
    assert [(line, f) for line, f, _ in err.problems] == [(3, field)], err.problems
    assert err.problems[0][2].startswith(message)
    assert str(err).startswith(f"{path}:3: {field}: {message}")


def test_duplicate_report_ids(tmp_path):
    err = problems_of(write(tmp_path, HEADER + "\n" + _row() + "\n" + _row() + "\n"))
    assert err.problems == [(3, "report_id", "'ocha-1' is already used on line 2; ids must be unique")]


@pytest.mark.parametrize("header, row, field, message", [
    ("report_id,kind,figure_min,figure_max,unit,period_start,period_end,origin",
     "a,displacement,12000,10000,people,2019-12-01,2019-12-02,X", "figure_max",
     "10,000 is smaller than figure_min 12,000"),
    ("report_id,kind,figure_min,figure_max,unit,period_start,period_end,origin",
     "a,displacement,12000,,people,2019-12-01,2019-12-02,X", "figure_min", "give both figure_min and figure_max"),
    ("report_id,kind,figure_min,figure_max,unit,period_start,period_end,origin",
     "a,displacement,lots,12000,people,2019-12-01,2019-12-02,X", "figure_min", "not a number: 'lots'"),
    ("report_id,kind,figure,figure_min,figure_max,unit,period_start,period_end,origin",
     "a,displacement,20000,10000,15000,people,2019-12-01,2019-12-02,X", "figure",
     "20,000 is outside figure_min..figure_max"),
])
def test_range_errors(tmp_path, header, row, field, message):
    err = problems_of(write(tmp_path, header + "\n" + row + "\n"))
    assert err.problems == [(2, field, err.problems[0][2])] and err.problems[0][2].startswith(message)


def test_every_problem_at_once(tmp_path):
    text = "\n".join([HEADER, _row(report_id="", figure="-5", period_start="2019-13-01"),
                      _row(report_id="b", kind="exodus", unit="sheep"), _row(report_id="c")]) + "\n"
    err = problems_of(write(tmp_path, text))
    assert [(line, field) for line, field, _ in err.problems] == [
        (2, "report_id"), (2, "figure"), (2, "period_start"), (3, "kind"), (3, "unit")]
    assert len(str(err).splitlines()) == 5


def test_problems_are_capped_with_a_count(tmp_path):
    rows = [_row(report_id=f"r{i}", figure="lots") for i in range(MAX_PROBLEMS + 25)]
    err = problems_of(write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"))
    lines = str(err).splitlines()
    assert len(lines) == MAX_PROBLEMS + 1
    assert lines[-1].endswith("... and 25 more problem(s); fix these first")


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    ("\n\n  \n", "the file is empty"),
    (HEADER + "\n", "no reports: the file has a header but no rows"),
    (HEADER + "\n\n,,,\n", "no reports: the file has a header but no rows"),
    (HEADER.replace(";", ",").replace(",", ";") + "\n", "columns are separated by semicolons"),
    (HEADER.replace(",", "\t") + "\n", "columns are separated by tabs"),
    (HEADER + "\n" + _row() + '"never closed\n' + _row(report_id="x") + "\n",
     "a quote opened on this line is never closed"),
    (HEADER + "\n" + _row() + ",extra,cells\n", "18 fields but the header has 16"),
    (HEADER.replace("period_end", "perod_end") + "\n" + _row() + "\n",
     "required column 'period_end' is missing (is 'perod_end' meant to be 'period_end'? rename it, or pass "
     "--column period_end=perod_end)"),
    (HEADER.replace("figure,", "") + "\n", "required column 'figure' (or figure_min and figure_max) is missing"),
    (HEADER.replace("figure,", "figure_min,") + "\n", "column 'figure_min' needs 'figure_max' too"),
    (HEADER + ",Origin\n", "column 'origin' appears twice (columns 8 and 17); keep one"),
])
def test_file_level_problems(tmp_path, text, message):
    err = problems_of(write(tmp_path, text))
    assert message in str(err)
    assert str(err).startswith(str(tmp_path / "reports.csv"))


def test_open_quote_names_its_line(tmp_path):
    text = HEADER + "\n" + _row() + "\n" + _row(report_id="b") + '"oops\n' + _row(report_id="c") + "\n"
    err = problems_of(write(tmp_path, text))
    assert err.problems == [(3, None, "a quote opened on this line is never closed; close it or remove it")]


# ---------------------------------------------------------------------------------------------- encodings

ARABIC = _row(origin="معرة النعمان", destination="أطمة", note="نزوح")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_utf8_with_or_without_bom_and_utf16_with_bom(tmp_path, encoding):
    path = write(tmp_path, HEADER + "\r\n" + ARABIC + "\r\n", encoding=encoding)
    row = read_reports(path).iloc[0]
    assert (row["report_id"], row["origin"], row["destination"], row["note"]) == \
        ("ocha-1", "معرة النعمان", "أطمة", "نزوح")


def test_windows_1256_needs_the_encoding_option(tmp_path):
    path = write(tmp_path, HEADER + "\r\n" + ARABIC + "\r\n", encoding="cp1256")
    err = problems_of(path)
    assert err.problems[0][0] == 2
    assert "not UTF-8" in str(err) and "--encoding (e.g. cp1256" in str(err)
    row = read_reports(path, encoding="cp1256").iloc[0]
    assert (row["origin"], row["destination"]) == ("معرة النعمان", "أطمة")


def test_a_workbook_is_not_a_csv_file(tmp_path):
    path = write(tmp_path, b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), name="reports.xlsx")
    assert "spreadsheet workbook" in str(problems_of(path)) and "save it as CSV UTF-8" in str(problems_of(path))


def test_unknown_encoding_and_utf16_without_bom(tmp_path):
    path = write(tmp_path, HEADER + "\n" + _row() + "\n")
    assert "unknown encoding 'klingon'" in str(problems_of(path, encoding="klingon"))
    raw = write(tmp_path, HEADER + "\n" + _row() + "\n", name="u16.csv", encoding="utf-16-le")
    assert "UTF-16 without a byte-order mark" in str(problems_of(raw))
    assert read_reports(raw, encoding="utf-16-le")["people"].iloc[0] == 235000


def test_hostile_text_is_read_unchanged(tmp_path):
    nasty = "<script>alert(1)</script> \u202e\"quoted\" `${x}` javascript:alert(1) nul\x00 bell\x07"
    path = write(tmp_path, HEADER + "\n" + _row(note=nasty, agency=nasty, url="javascript:alert(1)") + "\n")
    row = read_reports(path).iloc[0]
    assert (row["note"], row["agency"], row["url"]) == (nasty, nasty, "javascript:alert(1)")
