"""The owner's article (Markdown with front matter), loaded and checked once."""

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from markdown_it import MarkdownIt
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    model_validator,
)

from .content import (
    CONTENT_DIR,
    ContentError,
    ContentModel,
    OptionalText,
    SectionId,
    Text,
    load_front_matter,
    problem,
    validate,
)

# The shipped home article; each article is a file in the folder's articles/.
ARTICLE_FILE = CONTENT_DIR / "articles" / "medical-or-therapeutic-massage.md"
# The widgets an article may place after one of its sections.
WIDGET_NAMES = ("comparison", "techniques", "chooser")

# A line holding only "---" separates the article's sections.
SECTION_BREAK = re.compile(r"^\s*---\s*$", re.MULTILINE)
HEADING = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)
WORDS_PER_MINUTE = 200


def _published(value):
    """A date written like 2025-03-18, or false for a draft (None)."""
    if value is False:
        return None
    if not isinstance(value, datetime.date):
        raise problem(" must be a date like 2025-03-18, or false for a draft")
    return value


Published = Annotated[datetime.date | None, BeforeValidator(_published)]


def _yes_or_no(value):
    """true or false, written bare (in quotes YAML reads text)."""
    if not isinstance(value, bool):
        raise problem(" must be true or false (without quotes)")
    return value


YesOrNo = Annotated[bool, Strict(), BeforeValidator(_yes_or_no)]


class ArticleWidget(ContentModel):
    """One widget an article shows, after one of its own sections."""

    widget: Literal[WIDGET_NAMES]
    after: SectionId = Field(description="The id of the section the widget follows.")


class FrontMatter(BaseModel):
    """The keys at the top of an article's file, between the ``---`` lines."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text
    # A date, or false for a draft only the signed-in owner sees.
    published: Published
    # The one article served at "/"; it must be published.
    home: YesOrNo = False
    # Which widgets the article shows, after which of its sections. None: the
    # home article shows widgets.yaml's show_after placements, another none.
    widgets: tuple[ArticleWidget, ...] | None = None
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

    @model_validator(mode="after")
    def _home_is_published(self):
        """The home article cannot be a draft: "/" is every reader's page."""
        if self.home and self.published is None:
            raise problem(
                ": the home article must be published (a date, not false)",
                at="published",
            )
        return self


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
    published: datetime.date | None
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
    # Its name in the owner's saved words (site/revisions.py):
    # "articles/<slug>.md", or "article.md" for a legacy home article.
    file: str = ""
    # ``(widget name, section id)`` of each widget it shows (Widgets.after).
    placements: tuple[tuple[str, str], ...] | None = ()

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


def load_article(path=ARTICLE_FILE, *, file=None, home=False):
    """Read, validate and render one article's file.

    ``file`` is its name in the saved words; ``home`` makes it the home
    article even without ``home: true`` (a legacy article.md, ARTICLE_FILE).
    """
    post = load_front_matter(path)
    md = markdown_renderer()
    sections = []
    for index, chunk in enumerate(SECTION_BREAK.split(post.content)):
        if not chunk.strip():
            continue
        match = HEADING.search(chunk)
        heading = match.group(1) if match else ""
        section_id = slugify(heading) if heading else f"part-{index + 1}"
        sections.append(Section(section_id, heading, md.render(chunk)))
    metadata = post.metadata
    if home and "home" not in metadata:
        metadata = {**metadata, "home": True}
    meta = validate(
        FrontMatter,
        metadata,
        path,
        prefix="front matter key",
        context={"section_ids": [section.id for section in sections]},
    )
    if not sections:
        raise ContentError(f"{path}: the article has no text")
    placements = None
    if meta.widgets is not None:
        placements = tuple((placed.widget, placed.after) for placed in meta.widgets)
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
        home=meta.home,
        draft=meta.published is None,
        file=file or f"articles/{Path(path).name}",
        # None until the loader knows widgets.yaml (the home article's default).
        placements=placements,
    )
