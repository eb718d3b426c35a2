"""Who said it: one small article of our own per attribution rule (text/attribution.py).

Every case is a few invented paragraphs; the expectation lists each quotation as the script
reads it (role, speaker, text), and, for a partial quotation, the narrator's sentence with
the speaker attached.
"""

from __future__ import annotations

import pytest

from audionews.article import Article, Block, Figure, Paragraph, Quotation
from audionews.ingest.markdown import parse_markdown
from audionews.text.script import QuoteStyle, Role, make_script


def said(blocks: list[Block | str], language: str = "en") -> list[tuple[str, str | None, str]]:
    """(role, speaker, text) of every quote segment and every narration with a speaker."""
    article = Article(
        "Title",
        tuple(Paragraph(b) if isinstance(b, str) else b for b in blocks),
        language=language,
    )
    return speaking(make_script(article).segments)


def speaking(segments) -> list[tuple[str, str | None, str]]:
    return [
        (s.role.value, s.speaker, s.text)
        for s in segments
        if s.role is Role.QUOTE or (s.role is Role.NARRATION and s.speaker)
    ]


Q = "quote"
N = "narration"


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        pytest.param(
            ['"The tide waits for nobody," said harbour master Teodora Quill.'],
            [(Q, "Teodora Quill", "The tide waits for nobody,")],
            id="role-noun-before-name-without-comma",
        ),
        pytest.param(
            ['"Enough," said Deputy Mayor Anselm Roke, who chairs the board.'],
            [(Q, "Anselm Roke", "Enough,")],
            id="title-before-name-reported-as-full-name",
        ),
        pytest.param(
            ["Teodora Quill runs the harbour.", '"We are ready," Quill said.'],
            [(Q, "Teodora Quill", "We are ready,")],
            id="surname-refers-to-full-name",
        ),
        pytest.param(
            ['"It is late," said Jonas van der Berg.', '"Too late," Van der Berg added.'],
            [(Q, "Jonas van der Berg", "It is late,"), (Q, "Jonas van der Berg", "Too late,")],
            id="particle-lower-and-capitalised",
        ),
        pytest.param(
            ["“No,” said Fiona O’Rourke-Lund.", "“Never,” O’Rourke-Lund said."],
            [(Q, "Fiona O’Rourke-Lund", "No,"), (Q, "Fiona O’Rourke-Lund", "Never,")],
            id="apostrophe-and-hyphen",
        ),
        pytest.param(
            [
                "Alina Vos and Tomas Brek met the council on Monday.",
                'Brek spoke first. "We need the road," she said.',
            ],
            [(Q, "Alina Vos", "We need the road,")],
            id="she-goes-to-the-woman-not-the-last-man",
        ),
        pytest.param(
            [
                "Ms Quenby Tarrow answered Mr Orrin Vale at length.",
                '"I disagree," he said.',
            ],
            [(Q, "Orrin Vale", "I disagree,")],
            id="honorifics-establish-gender",
        ),
        pytest.param(
            [
                "Sam Ridley, who uses they/them pronouns, chairs the rowing club.",
                'Dan Ives disagreed. "We will appeal," they said.',
            ],
            [(Q, "Sam Ridley", "We will appeal,")],
            id="they-them-established-by-the-article",
        ),
        pytest.param(
            [
                "The bridge has been shut since May, said engineer Piet Hallam.",
                "Asked whether it would reopen this year, Hallam shrugged.",
                '"Not this year. Maybe not next."',
            ],
            [
                (Q, "Piet Hallam", "Not this year."),
                (Q, "Piet Hallam", "Maybe not next."),
            ],
            id="context-paragraph",
        ),
        pytest.param(
            ['"First we dredge," said Ilse Marrow. "Then we build."'],
            [(Q, "Ilse Marrow", "First we dredge,"), (Q, "Ilse Marrow", "Then we build.")],
            id="continuation-in-the-paragraph",
        ),
        pytest.param(
            ['"We tried," Ilse Marrow said, "and we failed."'],
            [(Q, "Ilse Marrow", "We tried,"), (Q, "Ilse Marrow", "and we failed.")],
            id="split-quotation",
        ),
        pytest.param(
            ['"Line one," said Gary Pell. "Line two.', '"Line three."'],
            [
                (Q, "Gary Pell", "Line one,"),
                (Q, "Gary Pell", "Line two."),
                (Q, "Gary Pell", "Line three."),
            ],
            id="multi-paragraph-attribution-first",
        ),
        pytest.param(
            [
                "The club met on Friday.",
                "‘We lost the boathouse in a night.",
                "‘We will have it back by spring,’ said Mrs Anwen Harte.",
            ],
            [
                (Q, "Anwen Harte", "We lost the boathouse in a night."),
                (Q, "Anwen Harte", "We will have it back by spring,"),
            ],
            id="multi-paragraph-single-quotes-attribution-last",
        ),
        pytest.param(
            ["\"She told me, 'Go home,' and I did,\" said Oren Falk."],
            [(Q, "Oren Falk", "She told me, 'Go home,' and I did,")],
            id="nested-quotation-stays-with-outer-speaker",
        ),
        pytest.param(
            ['"Fares will rise in May," Northway Rail said in a statement.'],
            [(Q, "Northway Rail", "Fares will rise in May,")],
            id="organisation-said-in-a-statement",
        ),
        pytest.param(
            [
                "Brightwater Holdings bought the site in 2019.",
                'Residents objected. "We will build what we promised," the company said.',
            ],
            [(Q, "Brightwater Holdings", "We will build what we promised,")],
            id="the-company-is-the-company-named",
        ),
        pytest.param(
            ["Ilse Marrow read it twice.", '"Costs will double," the audit said.'],
            [(Q, None, "Costs will double,")],
            id="document-is-nobody",
        ),
        pytest.param(
            ["Ilse Marrow left early.", '"I was there at dawn," one fisherman said.'],
            [(Q, None, "I was there at dawn,")],
            id="anonymous-source-is-nobody",
        ),
        pytest.param(
            [
                "Piet Hallam opened the meeting.",
                'A baker who asked not to be named said sales had fallen. "It was grim," he said.',
            ],
            [(Q, None, "It was grim,")],
            id="pronoun-after-an-anonymous-source",
        ),
        pytest.param(
            [
                'The band played "A Very Long Song About the River That Never Ends" twice.',
                '"Harbour Lights" opens on Friday.',
            ],
            [],
            id="titles-of-works-stay-narration",
        ),
        pytest.param(
            ['The so-called "quiet zone" failed within a week.'],
            [],
            id="scare-quote-stays-narration",
        ),
        pytest.param(
            [
                "Teodora Quill was blunt.",
                'Quill said the plan was "a shambles from start to finish" and left.',
            ],
            [
                (
                    N,
                    "Teodora Quill",
                    'Quill said the plan was "a shambles from start to finish" and left.',
                )
            ],
            id="partial-quotation-narrator-voice-speaker-attached",
        ),
        pytest.param(
            ['Ilse Marrow said: "We begin now."'],
            [(Q, "Ilse Marrow", "We begin now.")],
            id="colon-introduces",
        ),
        pytest.param(
            [
                Paragraph("Ilse Marrow wrote to the board in June:"),
                Quotation("We will not move. Not for money, not for anyone."),
            ],
            [
                (Q, "Ilse Marrow", "We will not move."),
                (Q, "Ilse Marrow", "Not for money, not for anyone."),
            ],
            id="block-quote-introduced-by-a-colon",
        ),
        pytest.param(
            [Quotation("We kept the lights on.", "Ilse Marrow, the club's treasurer")],
            [(Q, "Ilse Marrow", "We kept the lights on.")],
            id="block-quote-footer-with-a-role",
        ),
        pytest.param(
            [Figure('Ilse Marrow at the quay. "It never stops," she says.')],
            [(Q, "Ilse Marrow", "It never stops,")],
            id="quotation-in-a-caption",
        ),
    ],
)
def test_english_rules(blocks: list[Block | str], expected: list[tuple]) -> None:
    assert said(blocks) == expected


@pytest.mark.parametrize(
    ("blocks", "language", "expected"),
    [
        pytest.param(
            ["« Nous partons, explique Lise Cordier, la présidente du club, dès demain. »"],
            "fr",
            [(Q, "Lise Cordier", "Nous partons,"), (Q, "Lise Cordier", "dès demain.")],
            id="french-incise-read-as-narration",
        ),
        pytest.param(
            [
                "Lise Cordier ferme la porte.",
                "« C'est fini, soupire-t-elle. Nous rentrons. »",
            ],
            "fr",
            [(Q, "Lise Cordier", "C'est fini,"), (Q, "Lise Cordier", "Nous rentrons.")],
            id="french-inverted-pronoun",
        ),
        pytest.param(
            ["— Tu viens ? demande Paul Ferrand, pêcheur depuis vingt ans."],
            "fr",
            [(Q, "Paul Ferrand", "Tu viens ?")],
            id="french-dialogue-dash",
        ),
        pytest.param(
            [
                "« Le port restera ouvert.",
                "« Nous l'avons promis », affirme Lise Cordier.",
            ],
            "fr",
            [
                (Q, "Lise Cordier", "Le port restera ouvert."),
                (Q, "Lise Cordier", "Nous l'avons promis"),
            ],
            id="french-guillemets-over-two-paragraphs",
        ),
        pytest.param(
            ["La critique Solène Marec l'a qualifié de « film le plus juste de l'été »."],
            "fr",
            [
                (
                    N,
                    "Solène Marec",
                    "La critique Solène Marec l'a qualifié de « film le plus juste de l'été ».",
                )
            ],
            id="french-describing-verb-partial",
        ),
        pytest.param(
            [
                "Le film est signé Gaël d'Estienne.",
                "Il a expliqué : « J'ai tout appris sur place. »",
            ],
            "fr",
            [(Q, "Gaël d'Estienne", "J'ai tout appris sur place.")],
            id="french-particle-d-apostrophe-and-il",
        ),
        pytest.param(
            [
                "Interrogée sur la suite, la directrice, Maud Riou, a souri.",
                "« Nous verrons bien. »",
            ],
            "fr",
            [(Q, "Maud Riou", "Nous verrons bien.")],
            id="context-sentence-with-a-role-then-the-name",
        ),
        pytest.param(
            [
                "Le marché tient grâce à l'association Voiles Ouvertes, qui l'anime.",
                "« Rien ne se fait sans les bénévoles », a rappelé l'association.",
            ],
            "fr",
            [(Q, "Voiles Ouvertes", "Rien ne se fait sans les bénévoles")],
            id="organisation-named-after-its-noun",
        ),
        pytest.param(
            ["«Abrimos mañana —dijo Marta Ruiz—, sin falta»."],
            "es",
            [(Q, "Marta Ruiz", "Abrimos mañana"), (Q, "Marta Ruiz", "sin falta")],
            id="spanish-dash-incise",
        ),
        pytest.param(
            ["Marta Ruiz no ocultó su alegría. «Por fin», afirmó."],
            "es",
            [(Q, "Marta Ruiz", "Por fin")],
            id="spanish-verb-without-subject",
        ),
        pytest.param(
            [
                "La alcaldesa, Pilar Soto Arenas, visitó el puerto.",
                "«Vamos a ampliarlo», dijo la alcaldesa.",
            ],
            "es",
            [(Q, "Pilar Soto Arenas", "Vamos a ampliarlo")],
            id="role-noun-refers-to-the-person-given-it",
        ),
    ],
)
def test_french_and_spanish_rules(
    blocks: list[Block | str], language: str, expected: list[tuple]
) -> None:
    assert said(blocks, language) == expected


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        pytest.param(
            "# Keeping the Eastmere light\n\n"
            "For thirty years Orla Penrose has kept the light at Eastmere. We met her there.\n\n"
            "Q: Is it lonely?\n\n"
            "A: Never. The ships talk to me.\n\n"
            "I still answer every one of them on the radio.\n\n"
            "Q: Will you retire?\n\n"
            "A: Not while the lamp turns.\n",
            [
                (Q, "Orla Penrose", "Never."),
                (Q, "Orla Penrose", "The ships talk to me."),
                (Q, "Orla Penrose", "I still answer every one of them on the radio."),
                (Q, "Orla Penrose", "Not while the lamp turns."),
            ],
            id="q-and-a-answers-go-to-the-guest-introduced",
        ),
        pytest.param(
            "# Two keepers\n\nBy Lin Hale\n\nAda Lum and Ben Lum keep the light together.\n\n"
            "**Gazette:** Who climbs the stairs?\n\n"
            "**Ada Lum:** I do, every night.\n\n"
            "**Ben Lum:** And I carry the tea.\n\n"
            "**Gazette:** Who cooks?\n\n"
            "**Ada:** Nobody, really.\n",
            [
                (Q, "Ada Lum", "I do, every night."),
                (Q, "Ben Lum", "And I carry the tea."),
                (Q, "Ada Lum", "Nobody, really."),
            ],
            id="bold-name-labels-two-guests",
        ),
    ],
)
def test_interviews(markdown: str, expected: list[tuple]) -> None:
    script = make_script(parse_markdown(markdown))
    assert speaking(script.segments) == expected
    texts = [s.text for s in script.segments]
    # The interviewer's questions are the narrator's, and no question is a chapter.
    assert [c.title for c in script.chapters[1:]] == []
    assert not any(t.startswith(("Q:", "A:")) for t in texts)
    assert any(s.role is Role.NARRATION and s.text.endswith("?") for s in script.segments)


def test_cues_name_the_speaker_when_it_changes() -> None:
    article = Article(
        "Title",
        (
            Paragraph('"We start now," said Ilse Marrow. "No delay."'),
            Paragraph('"Too soon," said Piet Hallam.'),
        ),
    )
    texts = [s.text for s in make_script(article, quote_style=QuoteStyle.CUES).segments]
    assert texts[1:-1] == [
        "Ilse Marrow, quote:",
        "We start now,",
        "End quote.",
        "said Ilse Marrow.",
        "Quote,",
        "No delay.",
        "End quote.",
        "Piet Hallam, quote:",
        "Too soon,",
        "End quote.",
        "said Piet Hallam.",
    ]
