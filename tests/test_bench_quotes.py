"""The quotation scorer itself (scripts/bench_quotes.py), on tiny hand-made inputs.

Each test builds an article, its gold file and a script by hand, so that the scorer is shown
to tell right from wrong before its figures are trusted on the real gold set.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_quotes", ROOT / "scripts" / "bench_quotes.py")
assert _spec is not None and _spec.loader is not None
bq = importlib.util.module_from_spec(_spec)
sys.modules["bench_quotes"] = bq
_spec.loader.exec_module(bq)

Seg = bq.SegmentView

ARTICLE = """Harbour wall to be rebuilt

"The wall is older than the town hall," said harbour master Ruth Okafor. "It has done its job."

Mr Dale Brennan disagreed. "Fix it, do not rebuild it," he said, "and spend the rest on the school."

Brennan called the plan a "vanity project" in a letter titled "Walls We Do Not Need".

"Nobody asked us," one fisherman said.
"""


def gold_entry(text, role="quote", speaker=None, source="person", tags=()):
    if role == "narration":
        speaker = source = None
    return {"text": text, "role": role, "speaker": speaker, "source": source, "tags": list(tags)}


GOLD = {
    "article": "harbour.txt",
    "language": "en-GB",
    "styles": ["council"],
    "title": "Harbour wall to be rebuilt",
    "headings": [],
    "people": {"Ruth Okafor": "f", "Dale Brennan": "m"},
    "quotes": [
        gold_entry("The wall is older than the town hall,", speaker="Ruth Okafor"),
        gold_entry("It has done its job.", speaker="Ruth Okafor", tags=["continuation"]),
        gold_entry("Fix it, do not rebuild it,", speaker="Dale Brennan", tags=["split"]),
        gold_entry("and spend the rest on the school.", speaker="Dale Brennan", tags=["split"]),
        gold_entry("vanity project", role="either", speaker="Dale Brennan", tags=["partial"]),
        gold_entry("Walls We Do Not Need", role="narration", tags=["title-of-work"]),
        gold_entry("Nobody asked us,", source="anonymous", tags=["anonymous"]),
    ],
}


def write_gold(folder: Path, gold: dict = GOLD, article: str = ARTICLE) -> Path:
    (folder / gold["article"]).write_text(article, encoding="utf-8")
    path = folder / (Path(gold["article"]).stem + ".json")
    path.write_text(json.dumps(gold), encoding="utf-8")
    return path


def right_script() -> list:
    """The script a perfect implementation would make of ARTICLE (sentence-split, with a cue)."""
    ruth, dale = "Ruth Okafor", "Dale Brennan"
    return [
        Seg("announcement", None, "Harbour wall to be rebuilt."),
        Seg("quote", ruth, "The wall is older than the town hall,"),
        Seg("narration", None, "said harbour master Ruth Okafor."),
        Seg("quote", ruth, "It has done its job."),
        Seg("narration", None, "Mr Dale Brennan disagreed."),
        Seg("quote", dale, "Fix it, do not rebuild it,"),
        Seg("narration", None, "he said,"),
        Seg("quote", dale, "and spend the rest on the school."),
        Seg("narration", None, "Brennan called the plan a"),
        Seg("quote", dale, "vanity project"),
        Seg("narration", None, 'in a letter titled "Walls We Do Not Need".'),
        Seg("quote", None, "Nobody asked us,"),
        Seg("narration", None, "one fisherman said."),
        Seg("announcement", None, "End of briefing."),
    ]


def score(tmp_path: Path, segments: list, language: str = "en", headings=()) -> object:
    gold = bq.load_gold(write_gold(tmp_path))
    result = bq.score_article(gold, bq.ScriptView(language, tuple(headings), tuple(segments)))
    return bq.summarise([result])


def by_text(summary: dict) -> dict[str, dict]:
    return {f["text"]: f for f in summary["articles"][0]["failures"]}


# --- words and names -----------------------------------------------------------------------


def test_words_ignore_case_marks_and_apostrophe_styles() -> None:
    assert bq.words("« Nous l’avons dit », a-t-elle") == [
        "nous",
        "l",
        "avons",
        "dit",
        "a",
        "t",
        "elle",
    ]
    assert bq.words("'O'Neill's' “Fix”") == bq.words("o’neill’s fix")


def test_names_lose_honorifics_case_and_spacing_but_not_particles() -> None:
    assert bq.normal_name("Mr.  Benedikt   MARSH") == "benedikt marsh"
    assert bq.normal_name("Ms Fionnuala Ní Bhriain") == "fionnuala ní bhriain"
    assert bq.normal_name("the Harbour Trust") == "harbour trust"
    assert bq.normal_name("La préfecture") == bq.normal_name("préfecture") == "préfecture"
    assert bq.normal_name("Luis de la Peña") == "luis de la peña"
    assert bq.normal_name("union organiser Gary Pell") != bq.normal_name("Gary Pell")


# --- alignment -----------------------------------------------------------------------------


def test_alignment_skips_inserted_cues_and_marks_dropped_words() -> None:
    article = bq.words("He said the wall is old and must go")
    script = bq.words("He said Okafor, quote: the wall is old. End quote. must go")
    mapping = bq.align(article, script)
    assert [script[i] if i is not None else None for i in mapping] == [
        "he", "said", "the", "wall", "is", "old", None, "must", "go",
    ]  # fmt: skip


def test_alignment_rescues_text_the_script_moved() -> None:
    article = bq.words("One two three. Alpha beta gamma delta. Four five six seven eight nine")
    script = bq.words("Alpha beta gamma delta. One two three. Four five six seven eight nine")
    mapping = bq.align(article, script)
    assert None not in mapping
    assert [script[i] for i in mapping] == article


# --- judging spans -------------------------------------------------------------------------


def test_a_right_script_scores_everything_right(tmp_path: Path) -> None:
    summary = score(tmp_path, right_script())
    overall = summary["overall"]
    assert overall["role_ok"] == overall["spans"] == 7
    assert overall["speaker_ok"] == overall["named_speaker_quotes"] == 5
    assert overall["unnamed_ok"] == overall["unnamed_source_quotes"] == 1
    assert overall["words_lost"] == 0
    assert summary["articles"][0]["failures"] == []


def test_quote_read_as_narration_is_a_role_failure(tmp_path: Path) -> None:
    segments = right_script()
    segments[3] = Seg("narration", None, "It has done its job.")
    summary = score(tmp_path, segments)
    failed = by_text(summary)
    assert set(failed) == {"It has done its job."}
    assert failed["It has done its job."]["role_ok"] is False
    assert failed["It has done its job."]["speaker_ok"] is False  # no speaker in narration
    assert summary["styles"]["continuation"]["role_ok"] == 0


def test_span_half_in_each_voice_is_wrong_even_for_a_partial_quotation(tmp_path: Path) -> None:
    segments = right_script()
    segments[8:10] = [
        Seg("narration", None, "Brennan called the plan a vanity"),
        Seg("quote", "Dale Brennan", "project"),
    ]
    failed = by_text(score(tmp_path, segments))
    assert failed["vanity project"]["role_ok"] is False


def test_partial_quotation_may_stay_in_the_narrators_voice_but_needs_its_speaker(
    tmp_path: Path,
) -> None:
    segments = right_script()
    segments[8:11] = [
        Seg("narration", "Dale Brennan", 'Brennan called the plan a "vanity project"'),
        Seg("narration", None, 'in a letter titled "Walls We Do Not Need".'),
    ]
    assert by_text(score(tmp_path, segments)) == {}
    segments[8] = Seg("narration", None, 'Brennan called the plan a "vanity project"')
    failed = by_text(score(tmp_path, segments))
    assert failed["vanity project"]["role_ok"] is True
    assert failed["vanity project"]["speaker_ok"] is False


def test_title_of_work_in_the_quote_voice_is_wrong(tmp_path: Path) -> None:
    segments = right_script()
    segments[10:11] = [
        Seg("narration", None, "in a letter titled"),
        Seg("quote", None, "Walls We Do Not Need."),
    ]
    failed = by_text(score(tmp_path, segments))
    assert list(failed) == ["Walls We Do Not Need"]


def test_speaker_must_be_the_full_name_strictly_and_the_person_leniently(tmp_path: Path) -> None:
    segments = right_script()
    segments[1] = Seg("quote", "Okafor", segments[1].text)
    segments[3] = Seg("quote", "harbour master Ruth Okafor", segments[3].text)
    segments[5] = Seg("quote", "Ruth Okafor", segments[5].text)  # the wrong person
    failed = by_text(score(tmp_path, segments))
    surname = failed["The wall is older than the town hall,"]
    assert (surname["speaker_ok"], surname["person_ok"]) == (False, True)
    with_role = failed["It has done its job."]
    assert (with_role["speaker_ok"], with_role["person_ok"]) == (False, False)
    wrong = failed["Fix it, do not rebuild it,"]
    assert (wrong["speaker_ok"], wrong["person_ok"]) == (False, False)


def test_span_across_segments_needs_one_speaker_throughout(tmp_path: Path) -> None:
    segments = right_script()
    segments[1:2] = [
        Seg("quote", "Ruth Okafor", "The wall is older"),
        Seg("quote", "Dale Brennan", "than the town hall,"),
    ]
    failed = by_text(score(tmp_path, segments))
    assert list(failed) == ["The wall is older than the town hall,"]
    assert failed["The wall is older than the town hall,"]["role_ok"] is True


def test_anonymous_source_given_to_a_person_of_the_article_is_wrong(tmp_path: Path) -> None:
    segments = right_script()
    segments[11] = Seg("quote", "Brennan", "Nobody asked us,")
    failed = by_text(score(tmp_path, segments))
    assert failed["Nobody asked us,"]["unnamed_ok"] is False
    segments[11] = Seg("quote", "one fisherman", "Nobody asked us,")
    assert by_text(score(tmp_path, segments)) == {}


def test_dropped_quotation_words_are_counted_lost(tmp_path: Path) -> None:
    segments = right_script()
    segments[7] = Seg("quote", "Dale Brennan", "and spend the rest")
    summary = score(tmp_path, segments)
    assert summary["overall"]["words_lost"] == 3
    assert by_text(summary)["and spend the rest on the school."]["role_ok"] is False


def test_language_and_headings_are_compared(tmp_path: Path) -> None:
    gold = dict(GOLD, headings=[{"title": "Harbour wall to be rebuilt", "level": 2}])
    write_gold(tmp_path, gold)
    loaded = bq.load_gold(tmp_path / "harbour.json")
    view = bq.ScriptView("fr", (("Harbour wall to be rebuilt", 3), ("By Jo", 2)), ())
    result = bq.score_article(loaded, view)
    assert result.language_ok is False
    report = result.heading_report()
    assert (report["titles_found"], report["levels_right"], report["extra"]) == (1, 0, ["By Jo"])
    assert report["ok"] is False
    view = bq.ScriptView("en-GB", (("Harbour wall to be rebuilt", 2),), ())
    assert bq.score_article(loaded, view).heading_report()["ok"] is True


# --- gold files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"text": "The wall is younger than the town hall,"}, "text not found"),
        ({"tags": ["splitt"]}, "unknown tags"),
        ({"speaker": "Ruth Okoro"}, "not named in the article"),
        ({"role": "shout"}, "role must be"),
        ({"source": "anonymous"}, "has no speaker name"),
    ],
)
def test_bad_gold_files_are_refused(tmp_path: Path, change: dict, complaint: str) -> None:
    gold = json.loads(json.dumps(GOLD))
    gold["quotes"][0].update(change)
    with pytest.raises(bq.GoldError, match=complaint):
        bq.load_gold(write_gold(tmp_path, gold))


def test_spans_out_of_reading_order_are_refused(tmp_path: Path) -> None:
    gold = json.loads(json.dumps(GOLD))
    gold["quotes"].reverse()
    with pytest.raises(bq.GoldError, match="not found in the article after"):
        bq.load_gold(write_gold(tmp_path, gold))


def test_the_gold_set_matches_its_articles_and_covers_every_style() -> None:
    golds = [bq.load_gold(path) for path in bq.gold_files(bq.GOLD)]
    assert len(golds) >= 12
    tags = Counter(tag for gold in golds for span in gold.spans for tag in span.tags)
    assert {tag for tag in bq.TAGS if tags[tag] < 3} == set()
    languages = Counter(bq.primary_language(gold.language) for gold in golds)
    assert languages["en"] >= 8 and languages["fr"] >= 3
    formats = {(bq.primary_language(g.language), g.path.suffix) for g in golds}
    assert {("en", ".txt"), ("en", ".md"), ("en", ".html"), ("fr", ".txt")} <= formats
    assert {("fr", ".md"), ("fr", ".html")} <= formats
    for gold in golds:
        size = len(bq.words(bq.source_text(gold.path)))
        assert 400 <= size <= 900, (gold.path.name, size)


# --- the library and the command -----------------------------------------------------------


def test_read_script_reads_an_article_through_the_library(tmp_path: Path) -> None:
    write_gold(tmp_path)
    view = bq.read_script(tmp_path / "harbour.txt")
    roles = {segment.role for segment in view.segments}
    assert "quote" in roles and "narration" in roles
    text = " ".join(segment.text for segment in view.segments)
    assert "older than the town hall" in text


def test_command_prints_json_and_refuses_bad_gold_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_gold(tmp_path)
    assert bq.main(["--json", "--gold", str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["overall"]["spans"] == 7
    assert set(summary["styles"]) >= {"split", "partial", "style:council", "format:txt"}
    (tmp_path / "harbour.json").write_text("{not json", encoding="utf-8")
    assert bq.main(["--gold", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "harbour.json" in err
