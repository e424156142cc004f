"""The owner's article (Markdown with front matter), loaded and checked once."""

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from pydantic import BaseModel, ConfigDict, Field

from .content import (
    CONTENT_DIR,
    ContentError,
    Date,
    OptionalText,
    Text,
    load_front_matter,
    validate,
)

ARTICLE_FILE = CONTENT_DIR / "article.md"

# A line holding only "---" separates the article's sections.
SECTION_BREAK = re.compile(r"^\s*---\s*$", re.MULTILINE)
HEADING = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)
WORDS_PER_MINUTE = 200


class FrontMatter(BaseModel):
    """The keys at the top of content/article.md, between the ``---`` lines."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text
    published: Date
    description: Text
    # Older files name the big button's words here. Still accepted: the
    # button now says practice.yaml's book_label, and these words become the
    # lead line above it at the end of the article.
    cta: OptionalText = Field(
        None,
        description="The line above the booking button at the end of the "
        "article (the button itself says book_label in practice.yaml).",
    )
    health_note: Text


@dataclass(frozen=True)
class Section:
    """One part of the article between two section breaks."""

    id: str
    heading: str
    html: str


@dataclass(frozen=True)
class Article:
    """The article as the page shows it."""

    title: str
    description: str
    published: datetime.date
    cta: str | None
    health_note: str
    sections: tuple[Section, ...]
    source_text: str
    word_count: int
    # Where it lives (issue 32): its file's name without ".md", whether it is
    # the one served at "/", and whether it is a draft (only the owner sees it).
    slug: str = ""
    home: bool = True
    draft: bool = False

    @property
    def path(self):
        """The article's address: "/" for the home article, else /articles/<slug>."""
        return "/" if self.home else f"/articles/{self.slug}"

    @property
    def reading_minutes(self):
        """Rounded reading time, at least one minute."""
        return max(1, round(self.word_count / WORDS_PER_MINUTE))


def markdown_renderer():
    """CommonMark with typographic quotes and dashes; raw HTML is escaped."""
    return MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(
        ["replacements", "smartquotes"]
    )


def slugify(text):
    """A URL fragment id from a heading: lowercase words joined by hyphens."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words) or "section"


def load_article(path=ARTICLE_FILE):
    """Read, validate and render the article file."""
    post = load_front_matter(path)
    meta = validate(FrontMatter, post.metadata, path, prefix="front matter key")
    md = markdown_renderer()
    sections = []
    for index, chunk in enumerate(SECTION_BREAK.split(post.content)):
        if not chunk.strip():
            continue
        match = HEADING.search(chunk)
        heading = match.group(1) if match else ""
        section_id = slugify(heading) if heading else f"part-{index + 1}"
        sections.append(Section(section_id, heading, md.render(chunk)))
    if not sections:
        raise ContentError(f"{path}: the article has no text")
    return Article(
        title=meta.title,
        description=meta.description,
        published=meta.published,
        cta=meta.cta,
        health_note=meta.health_note,
        sections=tuple(sections),
        source_text=post.content,
        word_count=len(post.content.split()),
        slug=Path(path).stem,
    )
