"""The owner's content: the article (Markdown with front matter), loaded once."""

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

import frontmatter
from flask import current_app
from markdown_it import MarkdownIt

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
ARTICLE_FILE = CONTENT_DIR / "article.md"

# A line holding only "---" separates the article's sections.
SECTION_BREAK = re.compile(r"^\s*---\s*$", re.MULTILINE)
HEADING = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)
WORDS_PER_MINUTE = 200


class ContentError(ValueError):
    """A content file is missing a key or holds a bad value; says which."""


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
    cta: str
    health_note: str
    sections: tuple[Section, ...]
    source_text: str
    word_count: int

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
    try:
        post = frontmatter.load(path)
    except (OSError, ValueError) as error:
        raise ContentError(f"{path}: cannot be read: {error}") from error
    meta = post.metadata
    for key in ("title", "published", "description", "cta", "health_note"):
        if not meta.get(key):
            raise ContentError(f"{path}: front matter key '{key}' is missing or empty")
    published = meta["published"]
    if not isinstance(published, datetime.date):
        raise ContentError(f"{path}: 'published' must be a date like 2025-03-18")
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
        title=str(meta["title"]),
        description=" ".join(str(meta["description"]).split()),
        published=published,
        cta=str(meta["cta"]),
        health_note=" ".join(str(meta["health_note"]).split()),
        sections=tuple(sections),
        source_text=post.content,
        word_count=len(post.content.split()),
    )


def get_article():
    """The article loaded at start-up."""
    return current_app.extensions["content"]["article"]


def init_app(app):
    """Load and validate every content file once, at start-up."""
    app.extensions["content"] = {
        "article": load_article(app.config.get("ARTICLE_FILE", ARTICLE_FILE))
    }
