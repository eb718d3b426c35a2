"""Plain-text structure: each rule as a small article of our own."""

from __future__ import annotations

import pytest

from audionews.article import Heading, ListBlock, Paragraph, Quotation
from audionews.ingest.text import parse_text


def kinds(text: str) -> list[str]:
    return [type(block).__name__ for block in parse_text(text).blocks]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Ferry Fares Rise\nThe ferry costs more.\nWhat Changed\nThe fuel did.",
            ["Paragraph", "Heading", "Paragraph"],
            id="one-paragraph-a-line",
        ),
        pytest.param(
            "Ferry Fares Rise\n\nThe ferry costs more.\n\nWhat changed\n\nThe fuel did.",
            ["Paragraph", "Heading", "Paragraph"],
            id="blank-line-separated-sentence-case-heading",
        ),
        pytest.param(
            "Ferry Fares Rise\nThe ferry costs more.\nWhy Now?\nThe fuel did.",
            ["Paragraph", "Heading", "Paragraph"],
            id="question-heading",
        ),
        pytest.param(
            "Ferry Fares Rise\nThe ferry costs more.\nIt will not last.\nThe fuel did.",
            ["Paragraph", "Paragraph", "Paragraph"],
            id="short-sentence-is-not-a-heading",
        ),
        pytest.param(
            "Ferry Fares Rise\nThe ferry costs more.\nBackground\nFuel Prices\nThey rose.",
            ["Paragraph", "Heading", "Heading", "Paragraph"],
            id="heading-after-heading",
        ),
        pytest.param(
            "Ferry Fares Rise\nThe ferry costs more.\nFurther Reading",
            ["Paragraph", "Heading"],
            id="heading-at-the-end",
        ),
        pytest.param(
            "Ferry Fares Rise\nThe operator listed three reasons:\n- fuel\n* wages\n• insurance",
            ["Paragraph", "ListBlock"],
            id="mixed-bullets-make-one-list",
        ),
        pytest.param(
            "Ferry Fares Rise\nSteps:\n1. Book online.\n2) Print the ticket.",
            ["Paragraph", "ListBlock"],
            id="numbered-list",
        ),
    ],
)
def test_structure(text: str, expected: list[str]):
    assert kinds(text) == expected


def test_hard_wrapped_paragraphs_are_joined():
    text = (
        "Council Approves the Harbour Budget\n\n"
        "The harbour committee met on Tuesday evening and voted by seven to\n"
        "two to approve the budget for dredging the inner basin, which has\n"
        "silted up faster than expected since the storms.\n\n"
        "Next Steps\n\n"
        "Dredging starts in March and should take about six weeks to finish\n"
        "if the weather holds, the committee chair told the meeting.\n"
    )
    article = parse_text(text)
    assert article.title == "Council Approves the Harbour Budget"
    assert article.blocks == (
        Paragraph(
            "The harbour committee met on Tuesday evening and voted by seven to two to approve "
            "the budget for dredging the inner basin, which has silted up faster than expected "
            "since the storms."
        ),
        Heading("Next Steps"),
        Paragraph(
            "Dredging starts in March and should take about six weeks to finish if the weather "
            "holds, the committee chair told the meeting."
        ),
    )


@pytest.mark.parametrize(
    ("line", "quote", "who"),
    [
        pytest.param(
            "“We are ready.” — Ana Lindqvist, harbour master",
            "We are ready.",
            "Ana Lindqvist, harbour master",
            id="em-dash-name-role",
        ),
        pytest.param(
            '"We are ready." - Ana Lindqvist',
            "We are ready.",
            "Ana Lindqvist",
            id="hyphen-straight-quotes",
        ),
    ],
)
def test_pull_quote_with_attribution(line: str, quote: str, who: str):
    article = parse_text(f"Harbour Reopens\n{line}\nThe harbour reopened today.")
    assert article.blocks[0] == Quotation(quote, who)


def test_attribution_on_its_own_line_is_not_a_list():
    article = parse_text("Harbour Reopens\n“We are ready.”\n— Ana Lindqvist\nIt reopened.")
    assert article.blocks[0] == Quotation("We are ready.", "Ana Lindqvist")


@pytest.mark.parametrize(
    ("lines", "byline", "date", "updated"),
    [
        pytest.param(
            ["By Jane Smith", "3 October 2026"],
            "Jane Smith",
            "3 October 2026",
            None,
            id="byline-and-date",
        ),
        pytest.param(
            ["Updated 3 October 2026"], None, None, "3 October 2026", id="updated-is-not-published"
        ),
        pytest.param(
            ["By Jane Smith and Li Wei", "October 3, 2026"],
            "Jane Smith and Li Wei",
            "October 3, 2026",
            None,
            id="two-authors-us-date",
        ),
        pytest.param(["Published: 2026-10-03"], None, "2026-10-03", None, id="iso-date"),
        pytest.param(
            ["Par Anne Rivière", "Publié le 2 juin 2026 à 09h30", "Mis à jour le 3 juin 2026"],
            "Anne Rivière",
            "2 juin 2026 à 09h30",
            "3 juin 2026",
            id="french-par-publie-mis-a-jour",
        ),
        pytest.param(
            ["Por Marta Gil Rey", "Publicado el 4 de mayo de 2026", "Actualizado el 5 de mayo"],
            "Marta Gil Rey",
            "4 de mayo de 2026",
            "5 de mayo",
            id="spanish-por-publicado-actualizado",
        ),
    ],
)
def test_bylines_and_dates_are_metadata(
    lines: list[str], byline: str | None, date: str | None, updated: str | None
):
    text = "\n".join(["Harbour Reopens", *lines, "The harbour reopened today."])
    article = parse_text(text)
    assert (article.byline, article.date, article.updated) == (byline, date, updated)
    assert article.blocks == (Paragraph("The harbour reopened today."),)


def test_a_sentence_starting_with_par_is_no_byline():
    article = parse_text("Le port rouvre\nPar ailleurs, le maire a parlé.\nLe port a rouvert.")
    assert article.byline is None
    assert article.blocks[0] == Paragraph("Par ailleurs, le maire a parlé.")


def test_list_items_keep_their_text():
    article = parse_text("Ferry Fares\nReasons:\n- Fuel costs rose.\n- Wages rose too.")
    assert article.blocks[1] == ListBlock(("Fuel costs rose.", "Wages rose too."), False)


def test_dateline_is_metadata_and_all_caps_heading_stays():
    article = parse_text(
        "Harbour Strike Ends\nKYIV, Ukraine (Reuters) —\nBy JANE SMITH, Political Correspondent\n"
        "Dockers returned to work on Monday.\nWHAT COMES NEXT\nTalks resume."
    )
    assert article.dateline == "KYIV, Ukraine (Reuters)"
    assert article.byline == "JANE SMITH, Political Correspondent"
    assert article.blocks == (
        Paragraph("Dockers returned to work on Monday."),
        Heading("WHAT COMES NEXT"),
        Paragraph("Talks resume."),
    )
