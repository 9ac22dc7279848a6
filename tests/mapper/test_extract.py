"""Tests of ``idpmap extract``: drafting reports from news text.

Every sentence here was written for these tests, in the style of agency and newspaper copy; the places are a small
hand-built gazetteer (a few real names of north-west Syria with rounded coordinates, and two villages that share a
name in different districts).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from gazetteer import Gazetteer, Place
from mapper.cli import cli
from mapper.errors import InputFileError
from mapper.extract import (
    EXTRACT_COLUMNS,
    ArticleError,
    extract_reports,
    find_agencies,
    find_figures,
    find_periods,
    format_review,
    read_article,
    split_sentences,
)

PUB = dt.date(2019, 12, 27)  # a Friday


def _place(pid, name, kind, lat, lon, admin3="", pcode="", parent="", alt=(), population=None):
    return Place(pid, name, kind, lat, lon, pcode=pcode, admin1=admin3[:4] or pcode[:4],
                 admin2=admin3[:6] if admin3 else (pcode[:6] if len(pcode) >= 6 else ""),
                 admin3=admin3, parent=parent, alt_names=tuple(alt), population=population, source="test")


PLACES = [
    _place("adm-sy07", "Idlib Governorate", "governorate", 35.77, 36.67, pcode="SY07",
           alt=("Idlib province", "Idlib governorate")),
    _place("adm-sy0702", "Maarat al-Numan District", "district", 35.54, 36.79, pcode="SY0702", parent="adm-sy07",
           alt=("Maarat al-Numan district",)),
    _place("adm-sy0704", "Jisr al-Shughur District", "district", 35.81, 36.32, pcode="SY0704", parent="adm-sy07"),
    _place("adm-sy0703", "Harim District", "district", 36.14, 36.57, pcode="SY0703", parent="adm-sy07"),
    _place("region-southern-idlib", "southern Idlib", "region", 35.60, 36.70, parent="adm-sy07",
           alt=("south Idlib",)),
    _place("region-border-camps", "camps along the Turkish border", "region", 36.27, 36.72,
           alt=("the Turkish border", "Turkish border", "camps near the Turkish border", "the border")),
    _place("sy-idlib", "Idlib", "city", 35.93, 36.63, admin3="SY070000", alt=("Idleb", "Idlib city")),
    _place("sy-saraqeb", "Saraqeb", "town", 35.86, 36.81, admin3="SY070003", alt=("Saraqib", "Saraqab")),
    _place("sy-maarat", "Maarat al-Numan", "city", 35.65, 36.68, admin3="SY070200",
           alt=("Maaret al-Numan", "Marratinnuman", "Maarat Al-Nouman")),
    _place("sy-hish", "Hish", "village", 35.55, 36.64, admin3="SY070205"),
    _place("sy-kafr-tin-south", "Kafr Tin", "village", 35.60, 36.75, admin3="SY070200"),
    _place("sy-kafr-tin-west", "Kafr Tin", "village", 35.85, 36.25, admin3="SY070401"),
    _place("sy-atme", "Atme", "village", 36.31, 36.69, admin3="SY070301", alt=("Atmeh", "Atma")),
    _place("sy-kah", "Kah", "village", 36.30, 36.73, admin3="SY070301", alt=("Qah",)),
    _place("sy-sarmada", "Sarmada", "town", 36.18, 36.72, admin3="SY070301"),
    _place("sy-dana", "Dana", "town", 36.21, 36.77, admin3="SY070301", alt=("al-Dana",)),
    _place("adm-sy", "Syria", "country", 35.0, 38.5, pcode="SY"),
]


@pytest.fixture(scope="module")
def gaz():
    return Gazetteer(PLACES)


def _extract(text, gaz, *, published=PUB, **kwargs):
    article = read_article(text, name="t", published=published, **kwargs)
    return extract_reports(article, gazetteer=gaz)


def _one(text, gaz, **kwargs):
    rows = _extract(text, gaz, **kwargs).reports
    assert len(rows) == 1, [(r.figure, r.vague, r.quote) for r in rows]
    return rows[0]


# ------------------------------------------------------------------------------------------------ sentences

def test_sentences_keep_offsets_and_skip_abbreviations():
    text = ("Aid convoys reached Sarmada on Dec. 12 after a U.S. official spoke. More than 4,000 people arrived.\n"
            "Headline without a full stop\nA third line? Yes.")
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Aid convoys reached Sarmada on Dec. 12 after a U.S. official spoke.",
        "More than 4,000 people arrived.",
        "Headline without a full stop",
        "A third line?",
        "Yes.",
    ]
    for s in sentences:
        assert text[s.start:s.end] == s.text


# ------------------------------------------------------------------------------------------------ figures

@pytest.mark.parametrize("sentence, value, qualifier", [
    ("Some 48,500 people left their homes.", 48500, "some"),
    ("Nearly 12 000 civilians fled.", 12000, "nearly"),
    ("Almost 1.5 million people have been uprooted.", 1_500_000, "almost"),
    ("Five thousand families took shelter in tents.", 5000, ""),
    ("At least a thousand residents fled.", 1000, "at least"),
    ("More than twenty-five civilians were wounded.", 25, "more than"),
])
def test_figures_in_digits_words_and_mixed_forms(sentence, value, qualifier):
    figures = find_figures(sentence)
    assert len(figures) == 1
    assert figures[0].value_min == figures[0].value_max == value
    assert figures[0].qualifier == qualifier


def test_ranges_keep_both_ends():
    low, = find_figures("Between 3,000 and 5,000 people crossed the river.")
    assert (low.value_min, low.value_max) == (3000, 5000)
    other, = find_figures("Officials counted 2 to 3 million displaced people.")
    assert (other.value_min, other.value_max) == (2_000_000, 3_000_000)


@pytest.mark.parametrize("phrase", ["tens of thousands", "hundreds of thousands", "thousands", "dozens"])
def test_vague_amounts_are_flagged_not_numbers(phrase):
    figure, = find_figures(f"{phrase.capitalize()} of civilians fled the shelling.")
    assert figure.vague and figure.value_min is None and figure.text.lower() == phrase


def test_units_of_figures():
    units = [f.unit for f in find_figures("Some 300 families, 120 households, 40 children and 9 people.")]
    assert units == ["families", "households", "children", "people"]


# ------------------------------------------------------------------------------------------------ periods

@pytest.mark.parametrize("phrase, start, end", [
    ("over the past two weeks", "2019-12-13", "2019-12-27"),
    ("since the beginning of November", "2019-11-01", "2019-12-27"),
    ("between 12 and 25 December", "2019-12-12", "2019-12-25"),
    ("between Dec. 12 and 25", "2019-12-12", "2019-12-25"),
    ("in the past 24 hours", "2019-12-26", "2019-12-27"),
    ("on Tuesday", "2019-12-24", "2019-12-24"),
    ("this month", "2019-12-01", "2019-12-27"),
    ("since mid-December", "2019-12-15", "2019-12-27"),
    ("in the last three days", "2019-12-24", "2019-12-27"),
    ("yesterday", "2019-12-26", "2019-12-26"),
    ("in the past week alone", "2019-12-20", "2019-12-27"),
    ("last month", "2019-11-01", "2019-11-30"),
    ("in the past few days", "2019-12-24", "2019-12-27"),
    ("between the end of April and the end of August", "2019-04-30", "2019-08-31"),
    ("over the past two months", "2019-10-27", "2019-12-27"),  # calendar months, not 60 days
    ("on 14 and 15 December", "2019-12-14", "2019-12-15"),
    ("on December 14 and 15", "2019-12-14", "2019-12-15"),
    ("les 14 et 15 décembre", "2019-12-14", "2019-12-15"),
    ("from 20 November 2018 to 3 January 2019", "2018-11-20", "2019-01-03"),
    ("from 20 November to 3 December", "2019-11-20", "2019-12-03"),
    ("منذ 20 تشرين الثاني حتى 3 كانون الأول", "2019-11-20", "2019-12-03"),
])
def test_periods_resolve_against_the_publication_date(phrase, start, end):
    period = find_periods(f"Thousands fled {phrase}, officials said.", PUB)[0]
    assert (period.start_date.isoformat(), period.end_date.isoformat()) == (start, end)


def test_a_stated_range_in_a_january_article_reaches_back_into_december():
    period, = find_periods("The exodus took place between 28 December and 3 January.", dt.date(2020, 1, 5))
    assert (period.start_date, period.end_date) == (dt.date(2019, 12, 28), dt.date(2020, 1, 3))


def test_the_day_a_statement_was_made_is_not_the_period():
    assert find_periods("The agency said Friday that the roads were blocked.", PUB) == []


def test_relative_periods_need_a_publication_date():
    assert find_periods("Families fled over the past two weeks.", None) == []
    period, = find_periods("Families fled between 12 and 25 December 2019.", None)
    assert period.start_date == dt.date(2019, 12, 12)


# ------------------------------------------------------------------------------------------------ agencies

@pytest.mark.parametrize("sentence, agency", [
    ("The UN Office for the Coordination of Humanitarian Affairs said so.", "UN OCHA"),
    ("According to the United Nations, the roads were full.", "UN"),
    ("The Response Coordination Group counted them.", "SRCG"),
    ("The Response Coordinators Team gave the figure.", "RCT"),
    ("The Syrian Observatory for Human Rights reported it.", "SOHR"),
    ("Selon l'OSDH, la ville est vide.", "SOHR"),
    ("Rescuers of the Civil Defence, known as the White Helmets, were there.", "White Helmets"),
    ("The local administration counted the new arrivals.", "local administration"),
])
def test_agencies_by_any_of_their_names(sentence, agency):
    assert find_agencies(sentence)[0][0] == agency


# ------------------------------------------------------------------------------------------------ extraction

def test_displacement_row_with_every_field(gaz):
    row = _one("More than 18,000 people have fled Saraqeb for the Turkish border over the past two weeks, "
               "the UN Office for the Coordination of Humanitarian Affairs said.", gaz)
    assert (row.kind, row.figure, row.qualifier, row.unit) == ("displacement", "18000", "more than", "people")
    assert (row.period_start, row.period_end) == ("2019-12-13", "2019-12-27")
    assert (row.origin, row.destination, row.agency) == ("Saraqeb", "the Turkish border", "UN OCHA")
    assert row.quote.startswith("More than 18,000") and row.confidence >= 0.9


def test_a_list_of_destinations_becomes_one_row_with_every_name(gaz):
    row = _one("Since the start of December, 6,500 families from southern Idlib took shelter in Atmeh, Kah, "
               "Sarmada and Dana.", gaz)
    assert row.unit == "families"
    assert row.origin == "southern Idlib"
    assert row.destination.split(";") == ["Atmeh", "Kah", "Sarmada", "Dana"]
    assert row.period_start == "2019-12-01"


def test_incidents_are_one_row_per_village(gaz):
    text = ("Air raids on Tuesday hit villages south of the city. Rescuers said that seven people were killed in "
            "Hish, four were killed in Kafr Tin and 12 others were wounded in Maarat al-Numan.")
    rows = _extract(text, gaz).reports
    assert [(r.kind, r.figure, r.unit, r.origin) for r in rows] == [
        ("incident", "7", "killed", "Hish"),
        ("incident", "4", "killed", "Kafr Tin"),
        ("incident", "12", "wounded", "Maarat al-Numan"),
    ]
    assert all(r.period_start == "2019-12-24" for r in rows)


def test_a_shared_name_is_placed_by_the_places_around_it(gaz):
    rows = _extract("Shelling killed three civilians in Hish and two in Kafr Tin on Monday.", gaz).reports
    kafr_tin = [r for r in rows if r.origin == "Kafr Tin"]
    assert kafr_tin and kafr_tin[0].origin_ids == ("sy-kafr-tin-south",)
    assert kafr_tin[0].origin_within == "SY0702"


def test_vague_figures_never_become_numbers(gaz):
    row = _one("Tens of thousands of civilians have fled Maarat al-Numan this month.", gaz)
    assert row.figure == row.figure_min == row.figure_max == ""
    assert row.vague == "tens of thousands" and "vague" in row.note
    assert row.confidence <= 0.3


def test_no_number_is_invented_and_no_qualifier_dropped(gaz):
    text = ("Roughly 2,300 residents fled Idlib on Monday. Up to 700 families were displaced from Saraqeb, and "
            "at least 90 households moved to Sarmada.")
    rows = _extract(text, gaz).reports
    assert [(r.figure, r.qualifier) for r in rows] == [("2300", "roughly"), ("700", "up to"), ("90", "at least")]
    for r in rows:
        assert r.quote in text


def test_children_are_a_subgroup_not_a_total(gaz):
    row = _one("On Monday, 14 civilians, including six children, were killed in Hish.", gaz)
    assert (row.figure, row.unit) == ("14", "killed")
    assert "including 6 children" in row.note


def test_returns_are_marked(gaz):
    row = _one("Some 3,200 people returned to Saraqeb last month after the fighting stopped.", gaz)
    assert row.is_return and "return" in row.note
    assert row.destination == "Saraqeb"


def test_population_stocks_and_combatants_are_not_reports(gaz):
    text = ("Idlib is home to some 3 million people and 1 million displaced persons. Clashes left 80 fighters "
            "dead. The fighting killed dozens on both sides.")
    assert _extract(text, gaz).reports == []


def test_people_who_could_not_move_are_not_a_movement(gaz):
    assert _extract("Thousands of families were too frightened to move, residents said.", gaz).reports == []


def test_names_that_cannot_be_placed_are_listed(gaz):
    extraction = _extract("About 900 people fled to Kafr Zuhur and Atme on Sunday.", gaz)
    row, = extraction.reports
    assert row.destination == "Kafr Zuhur;Atme"
    assert [u.name for u in extraction.unplaced] == ["Kafr Zuhur"]
    assert "could not place 'Kafr Zuhur'" in row.note


def test_the_agency_of_a_neighbouring_sentence_or_a_named_speaker(gaz):
    text = ("Ahmad Barakat, a spokesman for the Response Coordinators Team, spoke to reporters in Idlib.\n"
            "At least 9,000 civilians fled Marratinnuman in the past 24 hours, Barakat said.\n"
            "Another 2,000 people left Hish on Thursday.\n"
            "The figures come from the Syrian Observatory for Human Rights.")
    rows = _extract(text, gaz).reports
    assert [r.agency for r in rows] == ["RCT", "SOHR"]
    assert "neighbouring sentence" in rows[1].note


def test_a_headline_repeated_in_the_lede_is_one_row(gaz):
    text = ("40,000 flee Maarat al-Numan as shelling intensifies\n"
            "Some 40,000 people have fled Maarat al-Numan since the beginning of December, the UN said.")
    row = _one(text, gaz)
    assert row.qualifier == "some" and row.period_start == "2019-12-01" and row.agency == "UN"


def test_the_next_sentence_dates_the_movement(gaz):
    text = ("The UN said 60,000 civilians had fled southern Idlib this month. "
            "OCHA said the exodus took place between 10 and 20 December.")
    row = _one(text, gaz)
    assert (row.period_start, row.period_end, row.agency) == ("2019-12-10", "2019-12-20", "UN OCHA")


def test_without_a_publication_date_relative_periods_stay_empty(gaz):
    row = _one("About 5,000 people fled Saraqeb over the past week.", gaz, published=None)
    assert row.period_start == "" and "no publication date" in row.note


def test_forced_to_leave_with_a_range(gaz):
    row = _one("Shelling forced between 20,000 and 30,000 residents to leave Saraqeb last month.", gaz)
    assert (row.figure, row.figure_min, row.figure_max) == ("", "20000", "30000")
    assert (row.origin, row.period_start, row.period_end) == ("Saraqeb", "2019-11-01", "2019-11-30")


def test_a_later_mention_of_the_observatory_keeps_its_name(gaz):
    row = _one("The observatory also reported 23 people wounded in Hish on Monday.", gaz)
    assert (row.kind, row.unit, row.agency) == ("incident", "wounded", "SOHR")


def test_french_sentences(gaz):
    text = "Plus de 5 000 personnes ont fui Saraqeb depuis le début du mois de décembre, selon l'OSDH."
    row = _one(text, gaz, lang="fr")
    assert (row.figure, row.qualifier, row.unit, row.agency) == ("5000", "more than", "people", "SOHR")
    assert (row.period_start, row.origin) == ("2019-12-01", "Saraqeb")
    text = ("Au moins 12 civils ont été tués mardi à Hish. Des dizaines de milliers de civils ont fui vers la "
            "frontière turque au cours des deux dernières semaines.")
    incident, vague = _extract(text, gaz, lang="fr").reports
    assert (incident.kind, incident.figure, incident.qualifier, incident.origin) == ("incident", "12", "at least",
                                                                                     "Hish")
    assert incident.period_start == "2019-12-24"
    assert vague.figure == "" and vague.vague == "des dizaines de milliers"
    assert vague.period_start == "2019-12-13"


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=10, max_value=9_999_999),
       qualifier=st.sampled_from(["", "more than", "at least", "almost", "nearly", "some"]),
       unit=st.sampled_from(["people", "civilians", "families", "households"]))
def test_any_figure_comes_out_as_written(gaz, n, qualifier, unit):
    sentence = f"{qualifier} {n:,} {unit} fled Saraqeb on Monday, aid workers said.".strip()
    row = _one(sentence[0].upper() + sentence[1:], gaz)
    assert row.figure == str(n)
    assert row.qualifier == qualifier
    assert row.unit == ("people" if unit == "civilians" else unit)


# ------------------------------------------------------------------------------------------------ articles

def test_header_block_gives_the_metadata():
    text = ("Title: Exodus\nPublisher: Example Wire\nPublished: 2019-12-25\nURL: https://example.org/a\n\n"
            "Some 2,000 people fled.")
    article = read_article(text)
    assert (article.publisher, article.published, article.url) == ("Example Wire", dt.date(2019, 12, 25),
                                                                   "https://example.org/a")
    assert text[article.body_start:].startswith("Some 2,000")


def test_a_dateline_gives_the_publication_date():
    article = read_article("Exodus from the south\n2 min read\n27 December, 2019\nSome 2,000 people fled.")
    assert article.published == PUB


def test_options_win_over_the_header():
    article = read_article("Published: 2019-12-25\n\nText.", published="2019-12-27", publisher="Other")
    assert (article.published, article.publisher) == (PUB, "Other")


def test_bad_dates_are_reported_with_their_value_and_line():
    with pytest.raises(ArticleError, match="got 'soon'"):
        read_article("Text.", published="soon")
    with pytest.raises(InputFileError, match=r"a\.txt:2: Published: .*got 'last week'"):
        read_article("Publisher: X\nPublished: last week\n\nText.", path="a.txt")


def test_review_table_shows_rows_quotes_and_unplaced(gaz):
    extraction = _extract("About 900 people fled to Kafr Zuhur on Sunday.", gaz)
    table = format_review([extraction])
    assert "about 900 people" in table and '"About 900 people fled to Kafr Zuhur on Sunday."' in table
    assert "could not place" in table and "'Kafr Zuhur'" in table


# ------------------------------------------------------------------------------------------------ command line

ARTICLE = ("Publisher: Example Wire\nPublished: 2019-12-27\n\n"
           "More than 18,000 people have fled Maarat al-Numan over the past two weeks, the UN said.\n"
           "On Tuesday, 6 civilians were killed in Tal Mannis, rescuers said.\n")


@pytest.fixture()
def article_file(tmp_path):
    path = tmp_path / "wire.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def _csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_cli_writes_the_draft_csv(article_file, tmp_path):
    out = tmp_path / "draft.csv"
    result = CliRunner().invoke(cli, ["extract", str(article_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = _csv_rows(out.read_text(encoding="utf-8"))
    assert list(rows[0]) == list(EXTRACT_COLUMNS)
    first = rows[0]
    assert (first["figure"], first["qualifier"], first["origin"], first["agency"]) == (
        "18000", "more than", "Maarat al-Numan", "UN")
    assert (first["publisher"], first["published"], first["period_start"]) == ("Example Wire", "2019-12-27",
                                                                               "2019-12-13")
    assert ARTICLE[int(first["char_start"]):int(first["char_end"])] == first["quote"]
    assert rows[1]["kind"] == "incident" and rows[1]["origin"] == "Tal Mannis"
    assert "wrote 2 draft report(s)" in result.stderr


def test_cli_reads_stdin_and_prints_csv():
    result = CliRunner().invoke(cli, ["extract", "-", "--published", "27 December 2019"],
                                input="Some 700 families fled Saraqeb yesterday.\n")
    assert result.exit_code == 0, result.output
    row, = _csv_rows(result.stdout)
    assert (row["figure"], row["unit"], row["period_start"]) == ("700", "families", "2019-12-26")


def test_cli_review_prints_a_readable_table(article_file):
    result = CliRunner().invoke(cli, ["extract", str(article_file), "--review"])
    assert result.exit_code == 0, result.output
    assert "more than 18000 people" in result.stdout
    assert '"On Tuesday, 6 civilians were killed in Tal Mannis, rescuers said."' in result.stdout


def test_cli_lists_names_it_could_not_place(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("About 900 people fled to Kafr Zuhur on Sunday.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(path), "--published", "2019-12-27"])
    assert result.exit_code == 0, result.output
    assert "could not place 1 name(s)" in result.stderr and "'Kafr Zuhur'" in result.stderr


def test_cli_bad_date_is_a_one_line_error(article_file):
    result = CliRunner().invoke(cli, ["extract", str(article_file), "--published", "soon"])
    assert result.exit_code == 2
    assert "--published" in result.output and "Traceback" not in result.output


def test_cli_never_clobbers_a_file_it_did_not_write(article_file, tmp_path):
    out = tmp_path / "mine.csv"
    out.write_text("my own notes\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(article_file), "-o", str(out)])
    assert result.exit_code != 0
    assert out.read_text(encoding="utf-8") == "my own notes\n"


def test_cli_missing_article_is_an_input_error(tmp_path):
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "nope.txt" in result.output and "Traceback" not in result.output
