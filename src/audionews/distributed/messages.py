"""What travels through the queue: one article's bytes and the build's options, as JSON.

Messages are JSON, never pickle: a worker runs what a message asks, and a pickle from a broker
could make it run anything. The article travels as bytes, so a worker needs no access to the
submitting machine's files; only the output folder (and a feed, a lexicon or a profile file
named by path) must be shared, at the same path on every machine.

A task's id is the episode's build key (pipeline.content_key: the article's bytes, the
profile and lexicons, the options that change the episode, the program's version) and where
its files go: the same article submitted twice to the same place is one task.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import types
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from audionews.options import BuildOptions, Rate
from audionews.pipeline import content_key

FORMAT = 1
"""The message format; a worker refuses a message of another (a fleet mid-upgrade)."""


class MessageError(ValueError):
    """A message this worker cannot read."""


@dataclass(frozen=True)
class ArticleTask:
    """One article to build, as a task message carries it.

    article: the article's path as the submitter named it (errors name it so).
    data: the article's bytes.
    options: the BuildOptions, exactly as ``build`` would use them.
    out_dir: the output folder, absolute: a folder every worker sees at that path.
    force: build even when the episode is up to date.
    job: the job that queued it.
    """

    article: str
    data: bytes
    options: BuildOptions
    out_dir: str
    force: bool = False
    job: str = ""

    @property
    def key(self) -> str:
        """The episode's build key: the ``audionews:build_key`` tag its MP3 will carry."""
        return content_key(self.data, self.options)

    @property
    def task_id(self) -> str:
        """The build key and where the files go: one task per episode and place."""
        feed = str(self.options.feed) if self.options.feed is not None else ""
        place = hashlib.sha256(f"{self.out_dir}\0{feed}".encode()).hexdigest()[:8]
        return f"{self.key}-{place}"

    @property
    def file_name(self) -> str:
        """The article's own file name (its extension tells its format), never a path."""
        name = Path(self.article.replace("\0", "")).name
        return name if name not in ("", ".", "..") else "article"

    def to_message(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "article": self.article,
            "data": base64.b64encode(self.data).decode("ascii"),
            "options": options_to_json(self.options),
            "out_dir": self.out_dir,
            "force": self.force,
            "job": self.job,
        }

    @classmethod
    def from_message(cls, message: object) -> ArticleTask:
        if not isinstance(message, dict) or message.get("format") != FORMAT:
            found = message.get("format") if isinstance(message, dict) else type(message).__name__
            raise MessageError(f"message format {found!r}, this worker reads {FORMAT}")
        try:
            return cls(
                article=str(message["article"]),
                data=base64.b64decode(message["data"], validate=True),
                options=options_from_json(message["options"]),
                out_dir=str(message["out_dir"]),
                force=bool(message["force"]),
                job=str(message["job"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MessageError(f"malformed task message: {exc}") from None


def options_to_json(options: BuildOptions) -> dict[str, Any]:
    """BuildOptions as JSON values: enums by value, paths as strings, a rate as an object."""
    encoded: dict[str, Any] = {}
    for item in fields(options):
        value = getattr(options, item.name)
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, Path):
            value = str(value)
        elif isinstance(value, Rate):
            value = {"value": value.value, "is_factor": value.is_factor}
        encoded[item.name] = value
    json.dumps(encoded)  # a field of a new kind fails here, at the submitter, not on a worker
    return encoded


def options_from_json(encoded: object) -> BuildOptions:
    """BuildOptions back from ``options_to_json``; a field this version lacks is refused."""
    if not isinstance(encoded, dict):
        raise MessageError("options are not an object")
    hints = typing.get_type_hints(BuildOptions)
    given: dict[str, Any] = {}
    for name, value in encoded.items():
        if name not in hints:
            raise MessageError(f"unknown build option {name!r} (another audionews version?)")
        given[name] = None if value is None else _decode(hints[name], value)
    return BuildOptions(**given)


def _decode(hint: Any, value: Any) -> Any:
    kinds = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for kind in kinds:
        if kind is type(None):
            continue
        if kind is Path:
            return Path(value)
        if kind is Rate:
            return Rate(float(value["value"]), bool(value["is_factor"]))
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            return kind(value)
        if kind in (str, int, float, bool):
            if not isinstance(value, kind) and not (kind is float and isinstance(value, int)):
                raise MessageError(f"{value!r} is not a {kind.__name__}")
            return kind(value)
    raise MessageError(f"cannot read a build option of type {hint}")
