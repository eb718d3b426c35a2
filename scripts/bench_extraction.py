"""How well audionews reads real web pages: all of the article and nothing else.

    scripts/bench extraction                  both page sets below
    scripts/bench extraction --set benchmark  only the extraction benchmark
    scripts/bench extraction --set readability
    scripts/bench extraction --dump DIR       also write what was read from each page to DIR
                                              (KEY.txt as scored, KEY.script.txt every segment;
                                              readability pages as readability/NAME.script.txt)
    scripts/bench extraction --check-cli N    also check N pages against `audionews script`

The extraction benchmark (../shared/corpus/extraction-benchmark, the development half of the
Scrapinghub/Zyte article-extraction benchmark) is scored by that benchmark's own method: both
texts split into \\w+ tokens, counted as 4-token shingles; per page tp, fp and fn; precision
and recall averaged over pages, F1 from the two means. audionews is scored on the text of its
narration and quote segments (announcements, and every segment that reads an image, its alt
text or caption, are the narrator's and left out); the same figures are printed for every
extractor in peers.json, then the 10 worst pages.

On every page of both sets (and the 14 readability pages of ../shared/corpus/readability),
the properties a listener needs are checked and reported page by page:
  - duplicates: a caption, alt text, standfirst or paragraph (any read unit of 5 words or
    more) read twice;
  - file names: an image file name read anywhere, or a web address read as an image's text;
  - long segments: a segment of more than 150 words;
and on the readability pages: the title against the expected one, and the words read by the
baseline (scripts/extraction-baseline.json, what audionews read before issue 13) that are no
longer read. `--write-baseline` records the baseline from the current code.

It is a benchmark, not a test: it prints figures and never fails on them.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BENCHMARK = SHARED / "corpus" / "extraction-benchmark"
READABILITY = SHARED / "corpus" / "readability"
BASELINE = ROOT / "scripts" / "extraction-baseline.json"
AUDIONEWS = ROOT / ".venv" / "bin" / "audionews"

TOKEN = re.compile(r"\w+")
SHINGLE = 4
LONG_SEGMENT_WORDS = 150
DUPLICATE_MIN_WORDS = 5
FILE_NAME = re.compile(
    r"(?<![\w/])[\w%-]+(?:[._-][\w%-]+)*\.(?:jpe?g|png|gif|webp|svg|bmp|tiff?|avif|heic)\b", re.I
)
WEB_ADDRESS = re.compile(r"https?://|www\.\w", re.I)
# The key under which script_json lists the segments that read an image (not in the CLI's).
FIGURES = "_figure_segments"


def script_json(page: Path) -> dict[str, Any]:
    """What `audionews script PAGE --json` prints, computed in-process through the library.

    The one place that knows how a page becomes a script: re-point it when the pipeline moves.
    """
    from audionews.article import Figure
    from audionews.pipeline import prepare

    prepared = prepare(page, for_speech=False)
    summary = prepared.script.summary()
    # Which segments read an image (its alt text and caption, sentence by sentence): only
    # the first says "Image:", and none is the article's body text.
    blocks = prepared.article.blocks
    summary[FIGURES] = [
        [c, n]
        for c, chapter in enumerate(prepared.script.chapters)
        for n, segment in enumerate(chapter.segments)
        if 0 <= segment.block < len(blocks) and isinstance(blocks[segment.block], Figure)
    ]
    return summary


def figure_prefixes() -> tuple[str, ...]:
    """How the narrator introduces an image in each language ("Image: "), to tell them apart."""
    from audionews.text.script import WORDINGS

    return tuple(w.figure.split("{caption}")[0] for w in WORDINGS.values())


def speaker_intros() -> re.Pattern[str]:
    """The narrator's "In the words of X:" before a block quote: a name may recur."""
    from audionews.text.script import WORDINGS

    forms = [re.escape(w.pull_quote_intro).replace(r"\{who\}", ".+") for w in WORDINGS.values()]
    return re.compile("^(?:" + "|".join(forms) + ")$")


def narrator_words() -> set[str]:
    """Words the narrator adds (in any language): never counted as the article's words."""
    from audionews.text.script import WORDINGS

    words: set[str] = set()
    for wording in WORDINGS.values():
        for value in wording.__dict__.values():
            words.update(t.casefold() for t in TOKEN.findall(re.sub(r"\{\w+\}", " ", value)))
    return words


# --- what was read ---------------------------------------------------------------------------


def read_units(script: dict[str, Any], prefixes: tuple[str, ...]) -> list[tuple[str, str]]:
    """Each narration or quote segment as (kind, text): kind "figure" for an image's text."""
    units = []
    intro = speaker_intros()
    figures = {tuple(place) for place in script.get(FIGURES, ())}
    for c, chapter in enumerate(script["chapters"]):
        for n, segment in enumerate(chapter["segments"]):
            if segment["role"] == "announcement":
                continue
            text = segment["text"]
            prefix = next((p for p in prefixes if text.startswith(p)), None)
            if prefix is not None:
                units.append(("figure", text[len(prefix) :]))
            elif (c, n) in figures:
                units.append(("figure", text))
            elif segment["speaker"] is None and intro.match(text):
                units.append(("speaker", text))
            else:
                units.append(("text", text))
    return units


def listing(script: dict[str, Any]) -> str:
    """Every segment of a script, one a line, announcements marked, to read what was said."""
    return "\n".join(
        f"{'## ' if s['role'] == 'announcement' else ''}{s['text']}"
        for chapter in script["chapters"]
        for s in chapter["segments"]
    )


def body_text(units: list[tuple[str, str]]) -> str:
    """The text scored against the benchmark: narration and quotes, the speaker intros too."""
    return "\n".join(text for kind, text in units if kind != "figure")


def _norm(text: str) -> str:
    return " ".join(TOKEN.findall(text.casefold()))


def checks(
    script: dict[str, Any], prefixes: tuple[str, ...], truth: str | None = None
) -> dict[str, list[str]]:
    """The listener's properties of one page: duplicates, file names, long segments.

    With the page's true article text, a unit the article itself repeats (a refrain, a pull
    quote) may be read as often as the article has it.
    """
    units = read_units(script, prefixes)
    written = f" {_norm(truth)} " if truth is not None else ""
    normed = [_norm(text) for _, text in units]
    duplicates: list[str] = []
    seen: collections.Counter[str] = collections.Counter(normed)
    reported: set[str] = set()
    for (kind, text), norm in zip(units, normed, strict=True):
        if kind == "speaker" or len(norm.split()) < DUPLICATE_MIN_WORDS or norm in reported:
            continue
        again = seen[norm] > max(1, written.count(f" {norm} "))
        # A caption or alt text is also read twice when a longer unit carries it whole.
        if not again and kind == "figure":
            again = any(norm in other and other != norm for other in normed)
        if again:
            reported.add(norm)
            duplicates.append(text)
    file_names = [
        text
        for kind, text in units
        if FILE_NAME.search(text) or (kind == "figure" and WEB_ADDRESS.search(text))
    ]
    file_names += [
        s["text"]
        for c in script["chapters"]
        for s in c["segments"]
        if re.search(r"\b(\w+)\s*:\s*\1\s*:", s["text"])
    ]
    long_segments = [
        f"{len(s['text'].split())} words: {s['text'][:60]}…"
        for c in script["chapters"]
        for s in c["segments"]
        if len(s["text"].split()) > LONG_SEGMENT_WORDS
    ]
    return {"duplicates": duplicates, "file names": file_names, "long segments": long_segments}


# --- the benchmark's measure -----------------------------------------------------------------


def shingles(text: str) -> collections.Counter[tuple[str, ...]]:
    tokens = TOKEN.findall(text or "")
    return collections.Counter(
        tuple(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1))
    )


def page_score(expected: str, predicted: str) -> tuple[float, float]:
    """Precision and recall of one page by shingles (counts clipped, as the benchmark does)."""
    truth, got = shingles(expected), shingles(predicted)
    keys = truth.keys() | got.keys()
    tp = sum(min(truth[k], got[k]) for k in keys)
    fp = sum(max(0, got[k] - truth[k]) for k in keys)
    fn = sum(max(0, truth[k] - got[k]) for k in keys)
    if fp == fn == 0:
        return 1.0, 1.0
    if tp == 0:
        return 0.0, 0.0
    return tp / (tp + fp), tp / (tp + fn)


def summary(scores: list[tuple[float, float]]) -> tuple[float, float, float]:
    """F1, precision, recall: precision and recall averaged over pages, F1 of the means."""
    precision = statistics.fmean(p for p, _ in scores)
    recall = statistics.fmean(r for _, r in scores)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall


# --- running the pages -----------------------------------------------------------------------


def run_page(job: tuple[str, str]) -> dict[str, Any]:
    """Read one page (gzip-compressed or not) and return its script or its error."""
    key, path = job
    source = Path(path)
    try:
        if source.suffix == ".gz":
            with tempfile.TemporaryDirectory() as work:
                page = Path(work) / f"{key[:16]}.html"
                page.write_bytes(gzip.decompress(source.read_bytes()))
                return {"key": key, "script": script_json(page)}
        return {"key": key, "script": script_json(source)}
    except Exception as exc:  # a benchmark reports a failing page and goes on
        return {"key": key, "error": f"{type(exc).__name__}: {exc}"}


def run_pages(jobs: list[tuple[str, str]], workers: int) -> dict[str, dict[str, Any]]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return {result["key"]: result for result in pool.map(run_page, jobs, chunksize=2)}


def cli_matches(key: str, path: Path, expected: dict[str, Any]) -> bool:
    """Whether `audionews script PAGE --json` prints what script_json computed."""
    with tempfile.TemporaryDirectory() as work:
        page = Path(work) / f"{key[:16]}.html"
        data = path.read_bytes()
        page.write_bytes(gzip.decompress(data) if path.suffix == ".gz" else data)
        printed = subprocess.run(
            [str(AUDIONEWS), "script", str(page), "--json"],
            capture_output=True,
            text=True,
            check=False,
        )
    mine = {k: v for k, v in expected.items() if k != FIGURES}
    return printed.returncode == 0 and json.loads(printed.stdout) == mine


def report_checks(
    name: str,
    results: dict[str, dict[str, Any]],
    prefixes: tuple[str, ...],
    truth: dict[str, dict[str, str]] | None = None,
) -> None:
    kinds = ("duplicates", "file names", "long segments")
    totals = dict.fromkeys(kinds, 0)
    pages = dict.fromkeys(kinds, 0)
    lines = []
    for key, result in sorted(results.items()):
        if "script" not in result:
            continue
        written = truth[key]["articleBody"] if truth else None
        found = checks(result["script"], prefixes, written)
        for kind in kinds:
            totals[kind] += len(found[kind])
            pages[kind] += bool(found[kind])
            for text in found[kind][:3]:
                lines.append(f"    {key[:24]:24} {kind:13} {text[:90]}")
    print(f"\n{name}: listener checks on {len(results)} pages")
    for kind in kinds:
        print(f"    {kind:14} {totals[kind]:4} on {pages[kind]:3} pages")
    for line in lines:
        print(line)


def bench_benchmark(args: argparse.Namespace, prefixes: tuple[str, ...]) -> None:
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text())
    peers = json.loads((BENCHMARK / "peers.json").read_text())
    keys = sorted(truth)
    jobs = [(key, str(BENCHMARK / "html" / f"{key}.html.gz")) for key in keys]
    results = run_pages(jobs, args.jobs)
    ours: dict[str, tuple[float, float]] = {}
    for key in keys:
        result = results[key]
        read = body_text(read_units(result["script"], prefixes)) if "script" in result else ""
        ours[key] = page_score(truth[key]["articleBody"], read)
        if args.dump:
            Path(args.dump).mkdir(parents=True, exist_ok=True)
            (Path(args.dump) / f"{key[:16]}.txt").write_text(
                read if "script" in result else result["error"]
            )
            if "script" in result:
                (Path(args.dump) / f"{key[:16]}.script.txt").write_text(listing(result["script"]))
    rows = [("audionews", "this tree", summary(list(ours.values())))]
    for name, peer in peers.items():
        outputs = peer["output"]
        scores = [
            page_score(truth[k]["articleBody"], outputs.get(k, {}).get("articleBody") or "")
            for k in keys
        ]
        rows.append((name, peer.get("version") or "", summary(scores)))
    print(f"extraction benchmark, development half: {len(keys)} pages")
    print(f"    {'extractor':16} {'version':10} {'F1':>6} {'P':>6} {'R':>6}")
    for name, version, (f1, p, r) in [rows[0], *sorted(rows[1:], key=lambda x: -x[2][0])]:
        print(f"    {name:16} {version[:10]:10} {f1:6.3f} {p:6.3f} {r:6.3f}")
    errors = {k: r["error"] for k, r in results.items() if "error" in r}
    for key, error in errors.items():
        print(f"    failed: {key[:24]} {error}")
    print("\nthe 10 worst pages (audionews)")
    print(f"    {'page':24} {'F1':>6} {'P':>6} {'R':>6}  url")
    worst = sorted(keys, key=lambda k: summary([ours[k]])[0])[:10]
    for key in worst:
        f1, p, r = summary([ours[key]])
        print(f"    {key[:24]:24} {f1:6.3f} {p:6.3f} {r:6.3f}  {truth[key].get('url', '')[:70]}")
    report_checks("extraction benchmark", results, prefixes, truth)
    if args.check_cli:
        sample = [k for k in keys if "script" in results[k]][: args.check_cli]
        same = sum(
            cli_matches(k, BENCHMARK / "html" / f"{k}.html.gz", results[k]["script"])
            for k in sample
        )
        print(f"\n`audionews script --json` equals the in-process script on {same}/{len(sample)}")


def words_read(script: dict[str, Any], ignore: set[str]) -> set[str]:
    return {
        token.casefold()
        for chapter in script["chapters"]
        for segment in chapter["segments"]
        for token in TOKEN.findall(segment["text"])
        if token.casefold() not in ignore
    }


def bench_readability(args: argparse.Namespace, prefixes: tuple[str, ...]) -> None:
    folders = sorted(p for p in READABILITY.iterdir() if (p / "source.html").is_file())
    results = run_pages([(f.name, str(f / "source.html")) for f in folders], args.jobs)
    ignore = narrator_words()
    if args.dump:
        dump = Path(args.dump) / "readability"
        dump.mkdir(parents=True, exist_ok=True)
        for name, result in results.items():
            text = listing(result["script"]) if "script" in result else result["error"]
            (dump / f"{name}.script.txt").write_text(text)
    if args.write_baseline:
        baseline = {
            k: sorted(words_read(r["script"], ignore)) for k, r in results.items() if "script" in r
        }
        rows = [
            f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in baseline.items()
        ]
        BASELINE.write_text("{\n" + ",\n".join(rows) + "\n}\n")
        print(f"baseline written: {BASELINE}")
    baseline = json.loads(BASELINE.read_text()) if BASELINE.is_file() else {}
    titles = 0
    print(f"\nreadability pages: {len(folders)}")
    print(f"    {'page':18} {'title':6} {'words':>6} {'lost':>5}  lost words (first 12)")
    lost_total = 0
    for folder in folders:
        result = results[folder.name]
        expected = json.loads((folder / "expected-metadata.json").read_text())
        if "script" not in result:
            print(f"    {folder.name:18} failed: {result['error']}")
            continue
        title_ok = result["script"]["title"] == expected["title"]
        titles += title_ok
        read = words_read(result["script"], ignore)
        # The narrator's own words are never counted as read, nor then as lost.
        lost = sorted(set(baseline.get(folder.name, ())) - read - ignore)
        lost_total += len(lost)
        shown = " ".join(lost[:12])
        print(
            f"    {folder.name:18} {'ok' if title_ok else 'WRONG':6} {len(read):6} {len(lost):5}"
            f"  {shown}"
        )
    print(f"    titles {titles}/{len(folders)}; words lost against the baseline: {lost_total}")
    report_checks("readability pages", results, prefixes)


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/bench extraction", description=__doc__)
    parser.add_argument("--set", choices=("benchmark", "readability", "both"), default="both")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--dump", help="write what was read from each page here")
    parser.add_argument("--check-cli", type=int, default=0, metavar="N")
    parser.add_argument("--write-baseline", action="store_true")
    args = parser.parse_args()
    if not BENCHMARK.is_dir() or not READABILITY.is_dir():
        sys.exit(f"bench extraction: the shared corpora are missing under {SHARED}")
    prefixes = figure_prefixes()
    if args.set in ("benchmark", "both"):
        bench_benchmark(args, prefixes)
    if args.set in ("readability", "both"):
        bench_readability(args, prefixes)


if __name__ == "__main__":
    main()
