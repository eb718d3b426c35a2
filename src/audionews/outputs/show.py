"""A podcast show as ``feed init`` is told it (light to import: the command line reads its
defaults), and the checks its values pass, from the command line or from show.toml."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from urllib.parse import quote, urlsplit

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# A language tag as RSS and Apple read it ("en", "en-GB", "pt-BR", "zh-Hant-TW").
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


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

    def problem(self) -> str | None:
        """What is wrong with the show's values, as ``name: cause``; None when all is well.

        Free text (title, description, author) may hold anything but text that is not text
        (a lone surrogate from an argument that was not UTF-8); the feed drops the control
        characters XML cannot carry. The values that go into the feed as they are (the
        address, the e-mail, the language, the category, the cover's file name) must not
        hold control characters at all, so a show that was accepted always makes a feed.
        """
        for field in fields(self):
            value = getattr(self, field.name)
            wanted = bool if field.type in ("bool", bool) else str
            if not isinstance(value, wanted):
                kind = "true or false" if wanted is bool else "text"
                return f"{field.name}: must be {kind}, not {type(value).__name__} {value!r}"
            if isinstance(value, str) and not _is_text(value):
                return f"{field.name}: holds bytes that are not text (not UTF-8?)"
        if not self.title.strip():
            return "title: the show needs a title"
        for name in ("base_url", "email", "language", "category", "image"):
            if _CONTROL.search(getattr(self, name)):
                return f"{name}: must not hold control characters"
        url = urlsplit(self.base_url)
        if url.scheme not in ("https", "http") or not url.netloc or " " in self.base_url:
            return (
                f"base_url: {self.base_url!r} must start with https:// or http:// and name a host"
            )
        if self.email and not _EMAIL.fullmatch(self.email):
            return f"email: {self.email!r} is not an e-mail address"
        if not _LANGUAGE.fullmatch(self.language):
            return f"language: {self.language!r} is not a language tag such as en or en-GB"
        if not self.category.strip():
            return "category: must not be empty"
        if not self.image or "/" in self.image or "\\" in self.image or self.image[0] == ".":
            return f"image: {self.image!r} must be a file name in the feed folder"
        return None


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
