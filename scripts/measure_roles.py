"""Loudness of each role as the product speaks it (run by hand; it synthesises):

    .venv/bin/python scripts/measure_roles.py PROFILE [SENTENCES]

The real pyttsx3/espeak-ng engine speaks up to SENTENCES (30) of each role's segments from
our example and gold articles, and the cues of the cues style in the narrator's voice; each
set is trimmed and faded as assembly does, laid end to end with its pauses, and measured with
pyloudnorm (ITU-R BS.1770 integrated loudness). Printed relative to the narrator."""

import sys
from pathlib import Path

import numpy as np
import pyloudnorm as pyln

from audionews.audio.assemble import assemble
from audionews.audio.synth import Pyttsx3Engine, Utterance
from audionews.audio.voices import load_profile
from audionews.ingest import read_article
from audionews.text.script import QuoteStyle, Role, Script, ScriptChapter, Segment, make_script

ROOT = Path(__file__).resolve().parents[1]
arts = [
    ROOT / "examples/harbour-flood-barrier.txt",
    ROOT / "examples/library-hours.txt",
    ROOT / "tests/gold/quotes/wire-port-calder-strike.txt",
    ROOT / "tests/gold/quotes/council-eastwick-bus-lane.txt",
]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 30
segs = {Role.NARRATION: [], Role.QUOTE: [], Role.ANNOUNCEMENT: []}
for a in arts:
    for s in make_script(read_article(a)).segments:
        segs[s.role].append(s.text)
cue_texts = []
for a in arts:
    sc = make_script(read_article(a), quote_style=QuoteStyle.CUES)
    cue_texts += [
        s.text
        for s in sc.segments
        if s.text in ("Quote,", "End quote.") or s.text.endswith(", quote:")
    ]
profile = load_profile(sys.argv[1])
engine = Pyttsx3Engine(2)
meter = pyln.Meter(22050)


def measure(texts, role):
    segments = tuple(Segment(role, t, 300) for t in texts)
    script = Script("x", (ScriptChapter("x", segments),))
    audio = engine.synthesize([Utterance(t, profile.voice_for(role)) for t in texts])
    track = assemble(script, audio)
    return meter.integrated_loudness(track.samples.astype(np.float64) / 32768)


res = {r.value: measure(segs[r][:N], r) for r in segs}
res["cues"] = measure(cue_texts[:N], Role.NARRATION)
base = res["narration"]
print(sys.argv[1], {k: f"{v:.2f} LUFS ({v - base:+.2f} LU)" for k, v in res.items()})
engine.close() if hasattr(engine, "close") else None
