"""The feed's XML, written with feedgen (which builds it with lxml, so article text is
escaped): kept apart from feed.py so that a build which writes no feed never loads them."""

from __future__ import annotations

import email.utils
from pathlib import Path

import lxml.etree  # imported before feedgen, whose util module needs it
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

from audionews.outputs.feed import EPISODES, PODCAST_NS, FeedEpisode, xml_text
from audionews.outputs.show import Show

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"


def _explicit(parent, value: bool) -> None:  # type: ignore[no-untyped-def]
    # Apple's current values are "true" and "false" (feedgen only knows yes/no/clean).
    lxml.etree.SubElement(parent, f"{{{ITUNES_NS}}}explicit").text = "true" if value else "false"


class _PodcastIndexFeed(BaseExtension):  # type: ignore[misc]  # feedgen has no types
    """The podcast namespace, and the channel's itunes:explicit."""

    def __init__(self) -> None:
        self.explicit = False

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, feed):  # type: ignore[no-untyped-def]
        _explicit(feed[0], self.explicit)
        return feed


class _PodcastIndexEntry(BaseEntryExtension):  # type: ignore[misc]
    """<podcast:chapters> and <podcast:transcript> for an item, and its itunes:explicit."""

    def __init__(self) -> None:
        self.links: list[tuple[str, str, str]] = []  # (tag, url, type)
        self.explicit = False

    def add(self, tag: str, url: str, mime: str) -> None:
        self.links.append((tag, url, mime))

    def extend_rss(self, entry):  # type: ignore[no-untyped-def]
        _explicit(entry, self.explicit)
        for tag, url, mime in self.links:
            element = lxml.etree.SubElement(entry, f"{{{PODCAST_NS}}}{tag}")
            element.set("url", url)
            element.set("type", mime)
        return entry


def write_feed(show: Show, listed: list[FeedEpisode], path: Path) -> None:
    """Write the feed of ``show`` listing ``listed`` (newest first) to ``path``."""
    generator = FeedGenerator()
    generator.load_extension("podcast")
    generator.register_extension("podcastindex", _PodcastIndexFeed, _PodcastIndexEntry, atom=False)
    generator.title(xml_text(show.title))
    generator.description(xml_text(show.description or show.title))
    generator.link(href=show.base_url, rel="alternate")
    generator.language(show.language)
    generator.generator("audionews")
    generator.podcast.itunes_image(show.url(show.image))
    generator.podcast.itunes_category(show.category)
    generator.podcastindex.explicit = show.explicit
    if show.author:
        generator.podcast.itunes_author(xml_text(show.author))
    if show.email:  # itunes:owner needs an e-mail (feedgen refuses an owner without one)
        generator.podcast.itunes_owner(name=xml_text(show.author or show.title), email=show.email)
    generator.podcast.itunes_summary(xml_text(show.description or show.title))
    # feedgen puts the most recently added entry first: add the oldest first.
    for episode in reversed(listed):
        entry = generator.add_entry()
        relative = f"{EPISODES}/{episode.mp3.name}"
        entry.id(episode.guid)
        entry.guid(episode.guid, permalink=False)
        entry.title(xml_text(episode.title))
        entry.description(xml_text(episode.description))
        entry.pubDate(email.utils.format_datetime(episode.published))
        entry.enclosure(show.url(relative), str(episode.length), "audio/mpeg")
        if episode.page is not None:
            entry.link(href=show.url(f"{EPISODES}/{episode.page.name}"))
        entry.podcast.itunes_duration(episode.duration_s)
        if episode.author:
            entry.podcast.itunes_author(xml_text(episode.author))
        entry.podcastindex.explicit = show.explicit
        for mime, side in episode.side_files.items():
            tag = "chapters" if mime == "application/json+chapters" else "transcript"
            entry.podcastindex.add(tag, show.url(f"{EPISODES}/{side.name}"), mime)
    generator.rss_file(str(path), pretty=True, encoding="UTF-8")
