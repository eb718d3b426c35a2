"""A podcast show as ``feed init`` is told it (light to import: the command line reads its
defaults)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Show:
    """The show, as ``feed init`` was told it."""

    title: str
    base_url: str
    description: str = ""
    author: str = ""
    email: str = ""
    language: str = "en"
    category: str = "News"
    explicit: bool = False
    image: str = "cover.jpg"

    def url(self, relative: str) -> str:
        return self.base_url.rstrip("/") + "/" + quote(relative)
