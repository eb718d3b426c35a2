"""The data files shipped inside the package, found the same way from a checkout or a wheel.

lexicon.toml        the built-in pronunciation lexicon
voices/NAME.toml    the built-in voice profiles (default, contrast)
first_names.tsv     first names that say a gender (scripts/make_first_names.py), for "she said"
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
LEXICON = FOLDER / "lexicon.toml"
VOICES = FOLDER / "voices"
FIRST_NAMES = FOLDER / "first_names.tsv"
