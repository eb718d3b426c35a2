"""Telling an article's language from its words, when the article does not declare it.

py3langid (a maintained fork of langid.py: a naive Bayes model over byte n-grams of 97
languages, BSD licence, 4.6 MB, no download at run time) was chosen over lingua after both
were run on the same texts: the 88 pages of the extraction benchmark whose page declares its
language, our examples and the development half of the quotation gold set (91 texts, 8
languages). On whole articles py3langid was right on all of them (the one "miss" is a German
page that declares itself English) and lingua on 89 (it took Indonesian for Malay); on the
first 80 characters py3langid was right on 89 and lingua (low-accuracy mode) on 87. lingua's
wheel is 96 MB, and its high-accuracy models took 17 s and 1.2 GB to load against
py3langid's 0.8 s and 136 MB. The hand-made stop-word counts used before could not tell a
language they had no list for.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from array import array
from functools import lru_cache
from pathlib import Path
from typing import Any

# Below this many words a guess is not worth more than the default.
MIN_WORDS = 20
# What py3langid must be sure of (its normalised probability) for the guess to stand.
MIN_CONFIDENCE = 0.9
SAMPLE_CHARS = 20_000
# The model's arrays, as py3langid's loader gives them.
_ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")

_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's identifier over its own model, kept decompressed in the user's cache.

    The model ships as an xz-compressed archive: decompressing it took 0.65 s of every build
    (measured here; more than synthesising a short article on one core) and held 100 MB.
    Decompressed once into plain arrays beside the segment cache and mapped from there, it
    loads in milliseconds and only the pages a text visits are read. Where no cache can be
    written, the archive is read as before.
    """
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    source = MODEL_DIR / MODEL_FILE
    arrays = _mapped_model(source)
    if arrays is None:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ptc, pc, classes, nextmove, row, output = (arrays[name] for name in _ARRAYS)
    return LanguageIdentifier(
        ptc,
        pc,
        classes.tolist(),
        nextmove,  # read where the text's bytes lead, from the mapped file
        output.tolist(),
        norm_probs=True,
        tk_row=array("H" if row.dtype.itemsize == 2 else "I", row.tobytes()),
    )


def _model_folder() -> Path:
    if env := os.environ.get("AUDIONEWS_CACHE"):
        return Path(env) / "models"
    import platformdirs

    return Path(platformdirs.user_cache_dir("audionews")) / "models"


def _mapped_model(source: Path) -> dict[str, Any] | None:
    """The model's arrays mapped from their decompressed copy (made now if missing), or None
    when the copy cannot be made or read."""
    import numpy as np

    try:
        stat = source.stat()
        folder = _model_folder() / f"py3langid-{stat.st_size}-{int(stat.st_mtime)}"
        if not folder.is_dir():
            _decompress(source, folder)
    except OSError:
        return None
    try:
        return {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in _ARRAYS}
    except (OSError, ValueError):
        # A damaged copy: made again by the next build.
        shutil.rmtree(folder, ignore_errors=True)
        return None


def _decompress(source: Path, folder: Path) -> None:
    """Write the model's arrays into ``folder`` whole or not at all (another process may be
    doing the same: the first rename wins, the other copy is dropped)."""
    import lzma

    import numpy as np

    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        with tempfile.TemporaryFile(dir=building) as archive:
            with lzma.open(source) as packed:
                shutil.copyfileobj(packed, archive, length=1 << 20)
            archive.seek(0)
            with np.load(archive, allow_pickle=False) as data:
                for name in _ARRAYS:
                    np.save(building / f"{name}.npy", data[name], allow_pickle=False)
        with contextlib.suppress(OSError):
            os.rename(building, folder)
    finally:
        shutil.rmtree(building, ignore_errors=True)


def detect_language(text: str) -> str | None:
    """The most likely ISO 639-1 code, or None when the text is too short or unclear."""
    sample = text[:SAMPLE_CHARS]
    if len(_WORD.findall(sample)) < MIN_WORDS:
        return None
    language, confidence = _identifier().classify(sample)
    return str(language) if confidence >= MIN_CONFIDENCE else None
