"""Speed, memory and sound of audionews against the floor, every figure in one run.

    scripts/bench                 everything below, (a) to (e), then the stage breakdown
    scripts/bench seed [RUNS]     (a) the seed article (or our example without ../shared)
    scripts/bench long [RUNS]     (b) a 10,000-word article made from our examples, + memory
    scripts/bench batch [RUNS]    (c) 20 articles with --jobs 1 and --jobs 2, and the ceiling
                                  of two cores (two --jobs 1 halves side by side)
    scripts/bench edit [RUNS]     (d) a rebuild after a one-sentence edit against a cold build, by
                                  a new `audionews build` and by a running `audionews watch`
                                  (our example, the seed article, the 10,000-word article)
    scripts/bench check           (e) the output against its contract and a one-piece encode
    scripts/bench stages          where one build's time goes, per stage and per core
    scripts/bench clips [RUNS]    clip --all on an episode of 20 minutes or more

The floor (DESIGN.md) is what doing no structuring at all costs:
    espeak-ng -f article.txt -w a.wav
    ffmpeg -i a.wav -ar 44100 -ac 1 -codec:a libmp3lame -b:a 96k a.mp3
Builds run with --force and --no-cache unless a case is about the cache, alternating with the
floor run so that noise on this shared machine hits both alike. Medians are printed. Builds
run with Python's bytecode cache on (as an installed package has it), whatever the caller's
PYTHONDONTWRITEBYTECODE says; the first, untimed build writes it.
"""

from __future__ import annotations

import json
import os
import re
import resource
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_efd6572f11c91c59.txt"
EXAMPLES = ROOT / "examples"
EXAMPLE = EXAMPLES / "harbour-flood-barrier.txt"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
AUDIONEWS = str(ROOT / ".venv" / "bin" / "audionews")
PCM_BYTES_PER_SECOND = 22050 * 2
TARGETS = {"a": 0.7, "b": 0.8, "b memory": 1.5, "c": 1.8, "d": 0.2}
# Decoded joined episode against a one-piece encode of the same samples: the same length, no
# lag, and a difference at least this far below the signal (MP3 coding noise itself is
# about 20 dB below it at 96 kbps: seen here), with digital silence at every seam.
ONE_PIECE_TOLERANCE_DB = -30.0

SUMMARY: list[tuple[str, str, str, bool]] = []


def build_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    return time.perf_counter() - start


def floor_command(article: Path, work: str) -> list[list[str]]:
    wav = f"{work}/floor.wav"
    return [["espeak-ng", "-f", str(article), "-w", wav], floor_encode(wav, f"{work}/floor.mp3")]


def floor_encode(wav: str, mp3: str) -> list[str]:
    """The floor's second step: its WAV to a 96 kbps MP3 at 44.1 kHz, LAME's defaults."""
    return [
        *("ffmpeg", "-v", "error", "-y", "-i", wav, "-ar", "44100", "-ac", "1"),
        *("-codec:a", "libmp3lame", "-b:a", "96k", mp3),
    ]


def audio_seconds(path: Path) -> float:
    """A file's duration as ffprobe reports it."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout)


def runs_text(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def verdict(key: str, value: float, *, at_least: bool = False) -> str:
    target = TARGETS[key]
    met = value >= target if at_least else value <= target
    return f"target {'>=' if at_least else '<='} {target:.2f}x: {'met' if met else 'MISSED'}"


def record(figure: str, ours: str, target: str, met: bool) -> None:
    SUMMARY.append((figure, ours, target, met))


def body_lines(path: Path) -> list[str]:
    """An example article's body lines, without its title and metadata lines."""
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    return lines[4:] if path.suffix == ".txt" and "harbour" in path.name else lines[3:]


def long_article(path: Path, words: int) -> Path:
    """An article of our own examples' sections, repeated to ``words`` words, every sentence
    made different in each repeat (a build speaks a repeated sentence only once: repeats
    would make the article cheaper than one of that length)."""
    parts = ["Harbour Towns Long Read: A Year on the Coast"]
    part = 0
    while sum(len(p.split()) for p in parts) < words:
        part += 1
        for example in (EXAMPLE, EXAMPLES / "library-hours.txt"):
            parts.append(f"Part {part}: {'Harbour' if example == EXAMPLE else 'Library'}")
            lines = body_lines(example)
            if part > 1:
                lines = [distinct(line, part) for line in lines]
            parts.extend(lines)
    path.write_text("\n".join(parts) + "\n")
    return path


# Where something said ends in our examples: a sentence's stop before a space or the line's
# end, a quotation's last mark before its closing quote, a line that ends in a word (a list
# item).
SPOKEN_END = re.compile(r"(?<=[a-z0-9])(?:[.!?:](?=\s|$)|[.!?,](?=[”\"’])|$)")


def distinct(line: str, part: int) -> str:
    """``line`` with every thing said in it made particular to ``part``."""
    return SPOKEN_END.sub(lambda mark: f", as part {part} notes{mark.group(0)}", line)


def compare(article: Path, runs: int, label: str) -> float:
    env = build_env()
    with tempfile.TemporaryDirectory() as work:
        build = [AUDIONEWS, "build", str(article), "-o", f"{work}/out", "--force", "--no-cache"]
        # Once each, untimed, to warm the page cache (and our bytecode) for both alike: the
        # floor's first run was its slowest (3.7 s against 2.7 to 3.2 s).
        timed(build, env)
        for step in floor_command(article, work):
            timed(step)
        floors, builds = [], []
        for _ in range(runs):
            floors.append(sum(timed(step) for step in floor_command(article, work)))
            builds.append(timed(build, env))
    floor, ours = statistics.median(floors), statistics.median(builds)
    words = len(article.read_text().split())
    ratio = ours / floor
    print(f"({label}) {article.name}: {words} words, {runs} runs each")
    print(f"    floor (espeak-ng + ffmpeg)  median {floor:7.2f} s   runs {runs_text(floors)}")
    print(f"    audionews build             median {ours:7.2f} s   runs {runs_text(builds)}")
    print(f"    ratio to the floor: {ratio:.2f}x   ({verdict(label, ratio)})")
    record(
        f"({label}) build / floor, {words} words",
        f"{ratio:.2f}x",
        f"<= {TARGETS[label]}x",
        ratio <= TARGETS[label],
    )
    return ratio


def peak_memory(article: Path) -> None:
    """Peak resident memory of a build (its largest process) against the size of its audio."""
    with tempfile.TemporaryDirectory() as work:
        probe = (
            "import resource, subprocess, sys; "
            "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, "
            "stderr=subprocess.DEVNULL); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        out = subprocess.run(
            [
                *(sys.executable, "-c", probe, AUDIONEWS, "build", str(article)),
                *("-o", f"{work}/out", "--force", "--no-cache"),
            ],
            capture_output=True,
            text=True,
            check=True,
            env=build_env(),
        ).stdout
        peak = int(out.strip()) * 1024
        mp3 = next(Path(f"{work}/out").glob("*.mp3"))
        duration = audio_seconds(mp3)
    pcm = duration * PCM_BYTES_PER_SECOND
    ratio = peak / pcm
    print(
        f"    audio {duration / 60:.1f} min = {pcm / 2**20:.0f} MiB as 22.05 kHz 16-bit PCM; "
        f"peak memory {peak / 2**20:.0f} MiB = {ratio:.2f}x the audio "
        f"({verdict('b memory', ratio)})"
    )
    record("(b) peak memory / 22.05 kHz PCM", f"{ratio:.2f}x", "<= 1.5x", ratio <= 1.5)


def bench_seed(runs: int) -> None:
    compare(SEED if SEED.exists() else EXAMPLE, runs, "a")


def bench_long(runs: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        article = long_article(Path(work) / "long-read.txt", 10_000)
        compare(article, runs, "b")
        peak_memory(article)


def batch_articles(folder: Path, count: int) -> list[Path]:
    sources = [EXAMPLE, EXAMPLES / "library-hours.txt"]
    made = []
    for number in range(count):
        source = sources[number % len(sources)]
        lines = source.read_text().splitlines()
        lines[0] = f"{lines[0]} (Edition {number + 1})"
        path = folder / f"article-{number + 1:02d}.txt"
        path.write_text("\n".join(lines) + "\n")
        made.append(path)
    return made


def timed_together(commands: list[list[str]], env: dict[str, str]) -> float:
    """Wall time of ``commands`` started at once, until the last one ends."""
    start = time.perf_counter()
    running: list[subprocess.Popen[bytes]] = []
    try:
        for command in commands:
            running.append(
                subprocess.Popen(
                    command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
                )
            )
        for process in running:
            if process.wait() != 0:
                raise subprocess.CalledProcessError(process.returncode, process.args)
        return time.perf_counter() - start
    finally:  # one failed or the bench was stopped: none is left running
        for process in running:
            if process.poll() is None:
                process.kill()
                process.wait()


def bench_batch(runs: int) -> None:
    """--jobs 1 against --jobs 2, and against the same 20 articles as two --jobs 1 batches of
    10 run side by side (no shared parent, no scheduling: what two independent builds at once
    give on this machine). Then one MP3 encode alone against two at once: how much two busy
    cores slow each other."""
    env = build_env()
    with tempfile.TemporaryDirectory() as work:
        articles = batch_articles(Path(work), 20)
        halves = [articles[:10], articles[10:]]  # five of each kind of article in each

        def batch(paths: list[Path], jobs: int, out: str) -> list[str]:
            return [
                *(AUDIONEWS, "batch", *map(str, paths), "-o", f"{work}/{out}"),
                *("--jobs", str(jobs), "--force", "--no-cache"),
            ]

        results: dict[str, list[float]] = {"1": [], "2": [], "halves": []}
        for _ in range(runs):
            results["1"].append(timed(batch(articles, 1, "out1"), env))
            results["2"].append(timed(batch(articles, 2, "out2"), env))
            results["halves"].append(
                timed_together([batch(half, 1, f"half{i}") for i, half in enumerate(halves)], env)
            )
        speak, _ = floor_command(articles[0], work)
        subprocess.run(speak, check=True, capture_output=True)
        wav = speak[-1]
        alone, together = [], []
        for _ in range(max(runs, 5)):
            alone.append(timed(floor_encode(wav, f"{work}/alone.mp3")))
            pair = [floor_encode(wav, f"{work}/{name}.mp3") for name in ("a", "b")]
            together.append(timed_together(pair, env))
    one, two = statistics.median(results["1"]), statistics.median(results["2"])
    halves_s = statistics.median(results["halves"])
    speedup, ceiling = one / two, one / halves_s
    print(f"(c) batch of 20 articles, {runs} runs each")
    print(f"    --jobs 1   median {one:7.2f} s   runs {runs_text(results['1'])}")
    print(f"    --jobs 2   median {two:7.2f} s   runs {runs_text(results['2'])}")
    print(f"    speed-up with 2 jobs: {speedup:.2f}x   ({verdict('c', speedup, at_least=True)})")
    print(
        f"    the same 20 as two --jobs 1 batches of 10, side by side: median {halves_s:.2f} s "
        f"(runs {runs_text(results['halves'])}), {ceiling:.2f}x with no scheduling at all; "
        f"--jobs 2 gives {speedup / ceiling:.0%} of that"
    )
    print(
        f"    one MP3 encode alone: median {statistics.median(alone):.2f} s; two at once: "
        f"{statistics.median(together):.2f} s (runs {runs_text(together)}): two busy cores "
        f"do {2 * statistics.median(alone) / statistics.median(together):.2f}x the work of one"
    )
    record("(c) batch --jobs 1 / --jobs 2", f"{speedup:.2f}x", ">= 1.8x", speedup >= 1.8)


def edited(text: str, run: int) -> str:
    """``text`` with one sentence changed: the first sentence of the body line nearest the
    middle of the article gets a few words more."""
    lines = text.splitlines()
    middle = len(lines) // 2
    candidates = sorted(
        (i for i, line in enumerate(lines) if len(line.split()) >= 8 and "." in line),
        key=lambda i: abs(i - middle),
    )
    line = lines[candidates[0]]
    stop = line.index(".")
    lines[candidates[0]] = f"{line[:stop]}, as edition {run + 1} said{line[stop:]}"
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def bench_edit(runs: int) -> None:
    """(d) on three sizes: our example, the seed article, and the 10,000-word article (its
    cold build takes half a minute: fewer runs)."""
    with tempfile.TemporaryDirectory() as work:
        cases = [(EXAMPLE, runs)]
        if SEED.exists():
            cases.append((SEED, runs))
        cases.append((long_article(Path(work) / "long-source.txt", 10_000), max(1, runs // 2)))
        for source, count in cases:
            edit_case(source, count, Path(work))


def edit_case(source: Path, runs: int, work: Path) -> None:
    """Each run: a cold build with an empty cache, a one-sentence edit rebuilt by a new
    ``audionews build``, then another rebuilt by a running ``audionews watch`` (timed from the
    save to the episode in its place, as the watch reports it on stdout)."""
    env = build_env()
    article = work / "edited.txt"
    original = source.read_text()
    words = len(original.split())
    colds, edits, watched = [], [], []
    for run in range(runs):
        env["AUDIONEWS_CACHE"] = f"{work}/cache-{words}-{run}"
        article.write_text(original)
        colds.append(timed([AUDIONEWS, "build", str(article), "-o", f"{work}/out", "--force"], env))
        article.write_text(edited(original, run))
        edits.append(timed([AUDIONEWS, "build", str(article), "-o", f"{work}/out"], env))
        watched.append(watch_rebuild(article, edited(original, run + runs), f"{work}/out", env))
    cold, edit, live = (statistics.median(t) for t in (colds, edits, watched))
    print(f"(d) rebuild after a one-sentence edit ({source.name}, {words} words), {runs} runs each")
    print(f"    cold build (empty cache)   median {cold:6.2f} s   runs {runs_text(colds)}")
    print(f"    rebuild, audionews build   median {edit:6.2f} s   runs {runs_text(edits)}")
    print(f"    rebuild, audionews watch   median {live:6.2f} s   runs {runs_text(watched)}")
    ratio, live_ratio = edit / cold, live / cold
    print(f"    ratio to the cold build: build {ratio:.2f}x ({verdict('d', ratio)})")
    print(f"                             watch {live_ratio:.2f}x ({verdict('d', live_ratio)})")
    label = f"(d) edit rebuild / cold build, {words} words"
    record(f"{label}, build", f"{ratio:.2f}x", "<= 0.2x", ratio <= 0.2)
    record(f"{label}, watch", f"{live_ratio:.2f}x", "<= 0.2x", live_ratio <= 0.2)


def watch_rebuild(article: Path, text: str, out: str, env: dict[str, str]) -> float:
    """Seconds from saving ``text`` into ``article`` to a running ``audionews watch``
    reporting the rebuilt episode (it is in its place by then)."""
    command = [AUDIONEWS, "watch", str(article), "-o", out, "--json"]
    with (
        tempfile.TemporaryFile("w+") as errors,
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env) as w,
    ):

        def next_line(what: str) -> dict[str, object]:
            assert w.stdout is not None
            if not select.select([w.stdout], [], [], WATCH_TIMEOUT_S)[0]:
                raise RuntimeError(f"the watch gave no {what} in {WATCH_TIMEOUT_S} s")
            line = w.stdout.readline()  # one line a build: none waits in the buffer
            if not line:
                errors.seek(0)
                raise RuntimeError(f"the watch ended before its {what}: {errors.read()}")
            return dict(json.loads(line))

        try:
            first = next_line("first look")
            if first["status"] != "skipped":
                raise RuntimeError(f"the watch found {article} out of date: {first}")
            time.sleep(0.3)  # idle, as an editor's session is between saves
            # Saved as most editors save: a new file renamed over the old one.
            fresh = article.with_name(f".{article.name}.new")
            fresh.write_text(text)
            started = time.perf_counter()
            os.replace(fresh, article)
            rebuilt = next_line("rebuild")
            seconds = time.perf_counter() - started
            if rebuilt["status"] != "built":
                raise RuntimeError(f"the watch did not rebuild {article}: {rebuilt}")
            return seconds
        finally:
            w.terminate()


WATCH_TIMEOUT_S = 300


# --- (e): the output, checked by independent readers ------------------------------------------


def decode(path: Path, rate: int | None = None) -> np.ndarray:
    command = ["ffmpeg", "-v", "error", "-i", str(path), "-ac", "1"]
    command += ["-ar", str(rate)] if rate else []
    raw = subprocess.run([*command, "-f", "f32le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<f4")


def ebur128(path: Path) -> tuple[float, float]:
    log = subprocess.run(
        [
            *("ffmpeg", "-hide_banner", "-nostats", "-i", str(path)),
            *("-af", "ebur128=peak=true", "-f", "null", "-"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = log[log.rfind("Summary:") :]
    lufs = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    return lufs, peak


def bench_check(_runs: int = 1) -> None:
    """(e) One seed build with clips, checked against its contract by other readers, and its
    decoded audio against a one-piece encode of the very samples it was made from."""
    sys.path.insert(0, str(ROOT / "src"))
    from audionews import outputs, pipeline
    from audionews.audio.encode import encode_mp3
    from audionews.options import BuildOptions

    article = SEED if SEED.exists() else EXAMPLE
    captured: dict[str, object] = {}

    class Keep(outputs.Output):
        key = "bench-keep"

        def write(self, context: outputs.OutputContext) -> None:
            captured["context"] = context

    registered = outputs.registered
    outputs.registered = lambda: (*registered(), Keep())  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as work:
        prepared = pipeline.prepare(article, BuildOptions(cache=False, clips=True))
        episode = pipeline.build(prepared, Path(work) / "out")
        outputs.registered = registered  # type: ignore[assignment]
        context = captured["context"]
        assert isinstance(context, outputs.OutputContext)
        mp3 = episode.mp3
        rate = prepared.preset.sample_rate
        print(f"(e) {article.name}: {episode.parts} parts encoded side by side and joined")
        checks: list[tuple[str, bool]] = []
        # Chapters: ffprobe's reading equals the build's, in time order.
        probed = json.loads(
            subprocess.run(
                ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(mp3)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )["chapters"]
        ours = [(c.title, c.start_ms, c.end_ms) for c in episode.chapters]
        theirs = [
            (
                c["tags"]["title"],
                round(float(c["start_time"]) * 1000),
                round(float(c["end_time"]) * 1000),
            )
            for c in probed
        ]
        checks.append((f"chapters: ffprobe reads the build's {len(ours)}", ours == theirs))
        # Clips: each within one sample (of the track) of its chapter.
        worst = 0.0
        clips = sorted(episode.files["clips"].glob("*.mp3"))
        for clip, chapter in zip(clips, episode.chapters, strict=True):
            samples = decode(clip).size * context.track.sample_rate / rate
            # The last chapter ends with the track, which its end in whole ms may overshoot.
            end = min(round(chapter.end_ms * 22.05), context.track.size)
            wanted = end - round(chapter.start_ms * 22.05)
            worst = max(worst, abs(samples - wanted))
        checks.append((f"clips: {len(clips)}, worst {worst:.0f} samples off", worst <= 1))
        # Loudness and true peak by ffmpeg's ebur128 on the file, and the tags against it.
        lufs, peak = ebur128(mp3)
        target = prepared.preset.loudness
        checks.append(
            (
                f"loudness {lufs:.1f} LUFS (target {target.lufs:g} +-0.5)",
                abs(lufs - target.lufs) <= 0.5,
            )
        )
        checks.append(
            (f"true peak {peak:.1f} dBTP (<= {target.true_peak:g})", peak <= target.true_peak)
        )
        tagged = episode.measured
        checks.append(
            (
                f"tags {tagged.lufs:.2f} LUFS, {tagged.true_peak:.2f} dBTP vs ebur128: "
                f"{tagged.lufs - lufs:+.2f} LU (<= 0.2), "
                f"{tagged.true_peak - peak:+.2f} dB (<= 0.3)",
                abs(tagged.lufs - lufs) <= 0.2 and abs(tagged.true_peak - peak) <= 0.3,
            )
        )
        # The joined file against a one-piece encode of the same samples.
        one_piece = Path(work) / "one-piece.mp3"
        encode_mp3(
            context.audio(),
            context.track.sample_rate,
            one_piece,
            rate,
            prepared.preset.bitrate_kbps,
        )
        joined, whole = decode(mp3), decode(one_piece)
        same_length = joined.size == whole.size
        n = min(joined.size, whole.size)
        difference = joined[:n] - whole[:n]
        level = 20 * np.log10(np.sqrt(np.mean(difference**2)) / np.sqrt(np.mean(whole[:n] ** 2)))
        seam_max = max(
            (
                float(np.abs(joined[max(0, s - rate // 50) : s + rate // 50]).max())
                for s in (
                    round(seam * rate / context.track.sample_rate) for seam in context.track.seams
                )
            ),
            default=0.0,
        )
        source = np.concatenate(list(context.audio()))
        coding = decode_noise(whole, source, context.track.sample_rate, rate)
        checks.append(
            (
                f"decoded vs one-piece encode: {joined.size} and {whole.size} samples, difference "
                f"{level:.1f} dB re signal (<= {ONE_PIECE_TOLERANCE_DB:g}; "
                f"the one-piece encode's own "
                f"coding noise: {coding:.1f} dB), max |sample| within 20 ms of the "
                f"{len(context.track.seams)} seams {seam_max:.1e}",
                same_length and level <= ONE_PIECE_TOLERANCE_DB and seam_max <= 1e-3,
            )
        )
    for text, ok in checks:
        print(f"    {'ok    ' if ok else 'FAILED'} {text}")
    record(
        "(e) no regression (chapters, clips, loudness, peak, one-piece)",
        f"{sum(ok for _, ok in checks)}/{len(checks)} checks",
        "all",
        all(ok for _, ok in checks),
    )


def decode_noise(decoded: np.ndarray, source: np.ndarray, source_rate: int, rate: int) -> float:
    """The one-piece encode's own coding noise: decoded against its source resampled, dB."""
    factor = rate // source_rate if rate % source_rate == 0 else 0
    if factor == 0:
        return float("nan")
    up = np.fft.irfft(np.fft.rfft(source[: 2**20]), 2**20 * factor) * factor
    n = min(up.size, decoded.size)
    noise = decoded[:n] - up[:n]
    return float(20 * np.log10(np.sqrt(np.mean(noise**2)) / np.sqrt(np.mean(up[:n] ** 2))))


# --- the stage breakdown ----------------------------------------------------------------------


def bench_stages(_runs: int = 1) -> None:
    """One seed build in this process: each stage's wall time and the CPU time of this
    process and of its children (synthesis workers, ffmpeg) while it ran; cores = CPU / wall.
    Then the work that ran side by side (the encoder's groups), and the start-up a command
    pays before the build (interpreter and imports), timed in a fresh process."""
    env = build_env()
    startup = [
        timed([PYTHON, "-c", "import audionews.cli, audionews.pipeline"], env) for _ in range(5)
    ]
    sys.path.insert(0, str(ROOT / "src"))
    from audionews import pipeline
    from audionews.options import BuildOptions

    article = SEED if SEED.exists() else EXAMPLE
    with tempfile.TemporaryDirectory() as work:
        started = time.perf_counter()
        prepared = pipeline.prepare(article, BuildOptions(cache=False))
        prepare_s = time.perf_counter() - started
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        before = (own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime)
        episode = pipeline.build(prepared, Path(work) / "out")
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        after = (own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime)
    print(
        f"stage breakdown of one build of {article.name} "
        f"({episode.track_duration_s:.0f} s of audio, {episode.parts} parts)"
    )
    print(f"    {'stage':30s} {'wall s':>7s} {'CPU here':>9s} {'CPU children':>13s} {'cores':>6s}")
    rows = [
        ("start-up: interpreter, imports", statistics.median(startup), None, None),
        ("prepare: read, script, voices", prepare_s, None, None),
    ]
    rows += [(s.name, s.wall_s, s.cpu_self_s, s.cpu_children_s) for s in episode.stages]
    for name, wall, here, children in rows:
        if here is None or children is None:
            print(f"    {name:30s} {wall:7.2f}")
        else:
            cores = (here + children) / wall if wall else 0.0
            print(f"    {name:30s} {wall:7.2f} {here:9.2f} {children:13.2f} {cores:6.2f}")
    total_wall = sum(row[1] for row in rows)
    print(
        f"    {'total':30s} {total_wall:7.2f} {after[0] - before[0]:9.2f} "
        f"{after[1] - before[1]:13.2f}   (CPU columns: the build only)"
    )
    print("    side by side (seconds from the start of the build):")
    for span in sorted(episode.spans, key=lambda s: s.start_s):
        print(f"      {span.start_s:6.2f} - {span.end_s:6.2f}  {span.what}")


def bench_clips(runs: int) -> None:
    """Time `clip --all` (re-encoded and lossless) on an episode of at least 20 minutes."""
    with tempfile.TemporaryDirectory() as work:
        article = long_article(Path(work) / "long.txt", 3_000)
        out = Path(work) / "out"
        subprocess.run(
            [AUDIONEWS, "build", str(article), "-o", str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        episode = next(out.glob("*.mp3"))
        minutes = audio_seconds(episode) / 60
        chapters = subprocess.run(
            [AUDIONEWS, "chapters", str(episode)], capture_output=True, text=True, check=True
        ).stdout.count("\n")
        reencoded, lossless = [], []
        for run in range(runs):
            reencoded.append(
                timed([AUDIONEWS, "clip", str(episode), "--all", "-o", f"{work}/clips{run}"])
            )
            lossless.append(
                timed(
                    [
                        *(AUDIONEWS, "clip", str(episode), "--all", "--lossless"),
                        *("-o", f"{work}/lossless{run}"),
                    ]
                )
            )
    print(f"clips: episode {minutes:.1f} min, {chapters} chapters, {runs} runs each")
    print(
        f"    clip --all             median {statistics.median(reencoded):6.2f} s   "
        f"runs {runs_text(reencoded)}"
    )
    print(
        f"    clip --all --lossless  median {statistics.median(lossless):6.2f} s   "
        f"runs {runs_text(lossless)}"
    )


CASES = {
    "seed": (bench_seed, 9),
    "long": (bench_long, 3),
    "batch": (bench_batch, 2),
    "edit": (bench_edit, 5),
    "check": (bench_check, 1),
    "stages": (bench_stages, 1),
    "clips": (bench_clips, 3),
}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] not in CASES:
        sys.exit(f"bench: unknown case {sys.argv[1]!r} (cases: {', '.join(CASES)})")
    names = (
        [sys.argv[1]] if len(sys.argv) > 1 else ["seed", "long", "batch", "edit", "check", "stages"]
    )
    load = os.getloadavg()
    print(
        f"audionews bench, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the start"
    )
    started = time.perf_counter()
    for name in names:
        function, default_runs = CASES[name]
        runs = int(sys.argv[2]) if len(sys.argv) > 2 else default_runs
        function(runs)
        sys.stdout.flush()
    if SUMMARY:
        print("summary (targets from issue 17):")
        for figure, ours, target, met in SUMMARY:
            print(f"    {figure:58s} {ours:>14s}  target {target:6s} {'met' if met else 'MISSED'}")
    load = os.getloadavg()
    print(
        f"took {time.perf_counter() - started:.0f} s; load average at the end "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


if __name__ == "__main__":
    main()
