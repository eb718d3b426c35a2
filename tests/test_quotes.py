"""Quotations inside paragraphs: one small case of our own per rule."""

from __future__ import annotations

import pytest

from audionews.text.quotes import QuoteState, split_quotes


def runs(text: str, next_text: str | None = None, state: QuoteState | None = None) -> list[tuple]:
    found = split_quotes(text, state or QuoteState(), next_text)
    return [(run.kind, run.text, run.speaker) for run in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "“The pier is safe again,” said Ana Lindqvist.",
            [
                ("quote", "The pier is safe again,", "Ana Lindqvist"),
                ("narration", "said Ana Lindqvist.", None),
            ],
            id="curly-said-name",
        ),
        pytest.param(
            '"The pier is safe again," Lindqvist said.',
            [
                ("quote", "The pier is safe again,", "Lindqvist"),
                ("narration", "Lindqvist said.", None),
            ],
            id="straight-name-said",
        ),
        pytest.param(
            "Lindqvist said: “The pier is safe again. Boats can tie up from Monday.”",
            [
                ("narration", "Lindqvist said:", None),
                ("quote", "The pier is safe again. Boats can tie up from Monday.", "Lindqvist"),
            ],
            id="attribution-before-several-sentences",
        ),
        pytest.param(
            "“We knew,” she said, “that the river would rise.”",
            [
                ("quote", "We knew,", "Ana"),
                ("narration", "she said,", None),
                ("quote", "that the river would rise.", "Ana"),
            ],
            id="interrupted-by-attribution-pronoun",
        ),
        pytest.param(
            "‘It was a long night,’ said Okafor.",
            [("quote", "It was a long night,", "Okafor"), ("narration", "said Okafor.", None)],
            id="single-curly-quotes",
        ),
        pytest.param(
            "It's the '90s sound of rock 'n' roll, and Ukraine's answer, we've heard.",
            [
                (
                    "narration",
                    "It's the '90s sound of rock 'n' roll, and Ukraine's answer, we've heard.",
                    None,
                )
            ],
            id="apostrophes-are-not-quotes",
        ),
        pytest.param(
            "The mayor called it “a good start” before leaving.",
            [("narration", "The mayor called it “a good start” before leaving.", None)],
            id="scare-quote-stays-narration",
        ),
        pytest.param(
            "He said “the water is rising fast and I cannot stop it now and then left.",
            [
                (
                    "narration",
                    "He said “the water is rising fast and I cannot stop it now and then left.",
                    None,
                )
            ],
            id="unbalanced-falls-back-to-narration",
        ),
    ],
)
def test_quote_rules(text: str, expected: list[tuple]):
    assert runs(text, state=QuoteState(last_speaker="Ana")) == expected


def test_quotation_continues_into_next_paragraph():
    state = QuoteState()
    first = "“The first barrier failed in 1953,” said Okafor. “Nobody here has forgotten it."
    second = "“That is why we built this one.”"
    assert runs(first, second, state) == [
        ("quote", "The first barrier failed in 1953,", "Okafor"),
        ("narration", "said Okafor.", None),
        ("quote", "Nobody here has forgotten it.", "Okafor"),
    ]
    assert state.open_quote
    assert runs(second, None, state) == [("quote", "That is why we built this one.", "Okafor")]
    assert not state.open_quote


def test_unclosed_quote_does_not_swallow_the_next_paragraph():
    state = QuoteState()
    assert runs("She said “it is over.", "The council met later.", state) == [
        ("narration", "She said “it is over.", None)
    ]
    assert runs("The council met later.", None, state) == [
        ("narration", "The council met later.", None)
    ]
