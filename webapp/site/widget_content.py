"""The widgets' words (content/widgets.yaml) as pydantic models, checked at start-up.

Three widgets sit in the article: a side-by-side comparison of medical and
therapeutic massage by aspect, notes on the techniques the article names, and
a short "which one is right for you?" chooser. Every word they show comes
from the content file; these models say what the file must hold, and
``flask --app webapp content-schema`` publishes the same rules as
content/widgets.schema.json for editors.
"""

from typing import Annotated

from pydantic import Field

from .article import WIDGET_NAMES
from .chooser_content import ChooserFields, Kind
from .content import (
    CONTENT_DIR,
    ContentModel,
    Ident,
    IdList,
    OptionalText,
    Paragraphs,
    SectionId,
    Text,
    load_yaml,
    placeholders,
)

WIDGETS_FILE = CONTENT_DIR / "widgets.yaml"
SCHEMA_FILE = CONTENT_DIR / "widgets.schema.json"

# A button's words an older file gives the comparison or the technique notes:
# still accepted, since the owner's copy on a server keeps its keys, but every
# booking button now says content/practice.yaml's one book_label.
OldBookLabel = Annotated[
    OptionalText,
    Field(
        description="No longer shown: every booking button says book_label "
        "in practice.yaml."
    ),
]


class SectionWidget(ContentModel):
    """A widget placed after one section of the article."""

    show_after: SectionId = Field(
        description="The id of the article section this widget follows: its "
        "heading in lowercase, words joined by hyphens."
    )


# --- The comparison --------------------------------------------------------------


class Aspect(ContentModel):
    """One row of the comparison: the two kinds of massage on one aspect."""

    id: Ident
    label: Text
    medical: Paragraphs
    therapeutic: Paragraphs


class Comparison(SectionWidget):
    """The side-by-side comparison widget."""

    title: Text
    intro: Text
    nav_label: Text
    medical_heading: Text
    therapeutic_heading: Text
    status: Annotated[Text, placeholders("aspect")]
    book_lead: Text
    book_label: OldBookLabel = None
    aspects: IdList[Aspect]

    def get(self, aspect_id):
        """The aspect with this id, or None."""
        return next((a for a in self.aspects if a.id == aspect_id), None)

    @property
    def default(self):
        """The aspect shown before the reader picks one."""
        return self.aspects[0]


# --- The technique notes ---------------------------------------------------------


class Technique(ContentModel):
    """A technique the article names, in plain words."""

    id: Ident
    name: Text
    kind: Kind
    what_it_is: Text
    feels_like: Text
    suits: Text
    ask_first: Text


class TechniqueGroups(ContentModel):
    """The heading over each kind's techniques."""

    medical: Text
    therapeutic: Text


class TechniqueLabels(ContentModel):
    """The label of each part of a technique note."""

    what_it_is: Text
    feels_like: Text
    suits: Text
    ask_first: Text


class Techniques(SectionWidget):
    """The technique notes widget."""

    title: Text
    intro: Text
    groups: TechniqueGroups
    labels: TechniqueLabels
    empty: Text
    status: Annotated[Text, placeholders("technique")]
    book_label: OldBookLabel = None
    # Shown instead of the booking button under a technique the practice
    # does not list in content/practice.yaml's ``offers``.
    not_offered: Text
    items: IdList[Technique]

    def get(self, technique_id):
        """The technique with this id, or None."""
        return next((t for t in self.items if t.id == technique_id), None)

    def in_group(self, kind):
        """The techniques usually part of ``kind`` of massage."""
        return [t for t in self.items if t.kind == kind]


# --- The chooser -------------------------------------------------------------------


class Chooser(SectionWidget, ChooserFields):
    """The "which one is right for you?" chooser (its fields: chooser_content.py)."""


class Widgets(ContentModel):
    """All the widgets' words, loaded once at start-up."""

    comparison: Comparison
    techniques: Techniques
    chooser: Chooser

    def after(self, section_id, article=None):
        """The widget templates that follow ``article``'s section ``section_id``.

        The article's own placements (its ``widgets:``, the home article's
        default: each widget's ``show_after``); without one, show_after's.
        """
        placements = (
            article.placements
            if article is not None
            else tuple((name, getattr(self, name).show_after) for name in WIDGET_NAMES)
        )
        # The sessions and prices follow the comparison: a reader who has just
        # seen the two kinds side by side meets what each costs, and a button.
        templates = (
            ("comparison", "partials/_compare.html"),
            ("comparison", "partials/_sessions.html"),
            ("techniques", "partials/_techniques.html"),
            ("chooser", "partials/_chooser.html"),
        )
        return [
            template for name, template in templates if (name, section_id) in placements
        ]


def load_widgets(path=WIDGETS_FILE, section_ids=None):
    """Read and validate the widgets' content file; ContentError names the key."""
    return load_yaml(Widgets, path, context={"section_ids": section_ids})


def json_schema():
    """The JSON schema of the content file, for editors that check YAML."""
    schema = Widgets.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "The words of the article's widgets (content/widgets.yaml)"
    return schema
