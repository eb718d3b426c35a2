"""Where quotations are and what kind each is (text/quotes.py): one small case per rule."""

from __future__ import annotations

import pytest

from audionews.article import Article, Paragraph
from audionews.text.quotes import Family, Kind, classify, find_spans, incises
from audionews.text.script import Role, make_script


def quoted(text: str, carried: Family | None = None, dialogue: bool = False) -> list[str]:
    spans, _ = find_spans(text, carried, dialogue=dialogue)
    return [text[s.inner_start : s.inner_end].strip() for s in spans]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("“The pier is safe,” said Ana.", ["The pier is safe,"], id="curly-double"),
        pytest.param('"The pier is safe," said Ana.', ["The pier is safe,"], id="straight-double"),
        pytest.param("‘It was long,’ said Okafor.", ["It was long,"], id="curly-single"),
        pytest.param("« C'est fini », dit-elle.", ["C'est fini"], id="guillemets-with-spaces"),
        pytest.param(
            "It's the '90s sound of rock 'n' roll, and Ukraine's answer.",
            [],
            id="apostrophes-are-not-quotes",
        ),
        pytest.param(
            "'In two years' time we will know,' she said.",
            ["In two years' time we will know,"],
            id="plural-apostrophe-inside-single-quotes",
        ),
        pytest.param(
            "\"He said 'go' and I went,\" said Ana.",
            ["He said 'go' and I went,"],
            id="nested-single-stays-inside",
        ),
        pytest.param(
            "« Il m'a dit : “Pars.” Je suis parti », raconte Ana.",
            ["Il m'a dit : “Pars.” Je suis parti"],
            id="nested-curly-inside-guillemets",
        ),
    ],
)
def test_spans(text: str, expected: list[str]) -> None:
    assert quoted(text) == expected


def test_a_quotation_open_at_the_end_goes_on_when_the_next_paragraph_opens_again() -> None:
    spans, still_open = find_spans("“The first barrier failed,” he said. “Nobody forgot it.")
    assert still_open is Family.DOUBLE and spans[-1].open_end
    assert quoted("“That is why we built this one.”", carried=Family.DOUBLE) == [
        "That is why we built this one."
    ]


def test_a_stray_mark_leaves_the_paragraph_to_the_narrator() -> None:
    article = Article("T", (Paragraph("She said “it is over."), Paragraph("The council met.")))
    roles = [s.role for s in make_script(article).segments][1:-1]
    assert roles == [Role.NARRATION, Role.NARRATION]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        pytest.param('"We are ready," she said.', Kind.FULL, id="opens-the-sentence"),
        pytest.param('She said: "We are ready."', Kind.FULL, id="after-a-colon"),
        pytest.param('Okafor said, "We are ready."', Kind.FULL, id="after-attribution-comma"),
        pytest.param('He said "We are ready."', Kind.FULL, id="right-after-a-speech-verb"),
        pytest.param('She said the plan was "not realistic" at all.', Kind.EMBEDDED, id="partial"),
        pytest.param('It was a "quiet zone" for weeks.', Kind.EMBEDDED, id="scare-quote"),
        pytest.param(
            'A pamphlet titled "Fair Shares for All: Why It Matters, Now" was read.',
            Kind.EMBEDDED,
            id="title-after-titled",
        ),
        pytest.param('"Harbour Lights" opens on Friday.', Kind.TITLE, id="title-opening"),
        pytest.param('"Never," she said.', Kind.FULL, id="one-word-speech"),
        pytest.param(
            "un livre intitulé « Les Neiges de l'été qui ne revint jamais »",
            Kind.EMBEDDED,
            id="french-title-after-intitule",
        ),
    ],
)
def test_kinds(text: str, kind: Kind) -> None:
    spans, _ = find_spans(text)
    assert classify(text, spans[0]) is kind


@pytest.mark.parametrize(
    ("text", "dialogue", "expected"),
    [
        pytest.param(
            "« Nous avons tout perdu, explique Pierre-Emmanuel Dubreuil, en moins de dix "
            "minutes. »",
            False,
            ["explique Pierre-Emmanuel Dubreuil,"],
            id="french-incise-speech-resumes-after-preposition",
        ),
        pytest.param(
            "« Rien, précise-t-elle. Plus rien. »",
            False,
            ["précise-t-elle."],
            id="french-inverted-pronoun",
        ),
        pytest.param(
            "« Nous cherchons quelqu'un, a-t-il déclaré. Vite. »",
            False,
            ["a-t-il déclaré."],
            id="french-passe-compose-inverted",
        ),
        pytest.param(
            "— Ils restent, répond Nadia Ferre, responsable du site. Sans eux, rien.",
            True,
            ["répond Nadia Ferre, responsable du site."],
            id="french-dialogue-apposition-to-the-full-stop",
        ),
        pytest.param(
            "«Abrimos mañana —dijo Marta Ruiz—, sin falta».",
            False,
            ["—dijo Marta Ruiz—,"],
            id="spanish-between-dashes",
        ),
    ],
)
def test_incises(text: str, dialogue: bool, expected: list[str]) -> None:
    spans, _ = find_spans(text, dialogue=dialogue)
    span = spans[0]
    found = incises(text, span.inner_start, span.inner_end)
    assert [text[a:b].strip() for a, b in found] == expected
