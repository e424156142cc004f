"""The readers' privacy page (content/privacy.md), its figures from the settings.

The owner writes the words; the figures that must match what the site really
does (how long raw events are kept) come from the configuration, so the page
cannot drift from the nightly prune. Its example day is the page's own
``updated`` date, written the way the practice's locale writes dates.
"""

from dataclasses import dataclass

from babel.dates import format_skeleton
from markupsafe import Markup, escape
from pydantic_core import PydanticCustomError

from ..core.checks import check_retention_days
from ..core.formatting import DEFAULT_LOCALE, parse_locale
from .article import markdown_renderer
from .content import (
    CONTENT_DIR,
    ContentError,
    ContentModel,
    Date,
    Text,
    load_front_matter,
    validate,
)
from .content import check_placeholders as check_fields
from .practice import DEFAULT_NAME

PRIVACY_FILE = CONTENT_DIR / "privacy.md"
# What the text may ask the site to fill in.
FIELDS = ("practice", "retention_days", "retention_months", "example_day")
DAYS_PER_MONTH = 30.4


class PrivacyFrontMatter(ContentModel):
    """The keys at the top of content/privacy.md."""

    title: Text
    updated: Date
    description: Text


@dataclass(frozen=True)
class PrivacyPage:
    """The privacy page as readers see it."""

    title: str
    description: str
    updated: object
    html: Markup


def load_privacy(config, path=PRIVACY_FILE, practice_name=DEFAULT_NAME):
    """Read, check and render the privacy page with the practice's name and figures."""
    post = load_front_matter(path)
    meta = validate(PrivacyFrontMatter, post.metadata, path, prefix="front matter key")
    try:
        check_fields(post.content, FIELDS)
    except PydanticCustomError as error:  # "uses {x}; allowed here: ..."
        raise ContentError(f"{path}: the text{error.context['text']}") from None
    if not post.content.strip():
        raise ContentError(f"{path}: the page has no text")
    days = config["RETENTION_DAYS"]
    # A bad setting stops serving at start-up (core/checks.py); owner
    # commands still load the content, so it must not crash here.
    valid = check_retention_days(config).ok
    # Loaded before any request, so the locale comes from the settings here.
    locale = parse_locale(config.get("LOCALE")) or parse_locale(DEFAULT_LOCALE)
    values = {
        "practice": escape(practice_name),
        "example_day": format_skeleton("MMMMd", meta.updated, locale=locale),
        "retention_days": f"{days:,}" if valid else escape(str(days)),
        "retention_months": str(round(days / DAYS_PER_MONTH)) if valid else "?",
    }
    # Rendered first, filled in after: a name or figure is text, never Markdown.
    html = markdown_renderer().render(post.content)
    for name, value in values.items():
        html = html.replace("{" + name + "}", str(value))
    return PrivacyPage(meta.title, meta.description, meta.updated, Markup(html))  # noqa: S704
