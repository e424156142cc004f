"""The owner's content files: where they are, how mistakes in them read, loading.

Both files are validated by pydantic models (article.py, widget_content.py)
once, at start-up. A mistake stops start-up with one line that names the
file and the key, in the words an owner can act on:
``content/widgets.yaml: key 'techniques.items[2].suits' is missing or empty``.
"""

import contextlib
import contextvars
import datetime
import functools
import re
import string
import unicodedata
from pathlib import Path
from typing import Annotated, TypeVar

import click
import frontmatter
import yaml
from flask import current_app
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from ..core.checks import CommandConfigError, ConfigError

CONTENT_DIR = Path(__file__).resolve().parent.parent.parent / "content"
# The error type of our own validators: ``text`` is the message after the
# key, ``at`` what to add to the key's path (for checks made on a whole list).
CONTENT_ERROR = "content"

ID_REGEX = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
ID_PATTERN = re.compile(ID_REGEX)


class ContentError(ValueError):
    """A content file is missing a key or holds a bad value; says which."""


class ContentStartError(ConfigError, ContentError):
    """A content mistake that stops the app from starting: one line."""


class ContentCommandError(CommandConfigError, ContentError):
    """A content mistake met while a `flask` command loads the app: one line."""


def start_error(error):
    """``error`` (a ContentError) as the ConfigError start-up and commands show."""
    if click.get_current_context(silent=True) is not None:
        return ContentCommandError(str(error))
    return ContentStartError(str(error))


def problem(text, at=""):
    """A validation error in the owner's words (raised from a validator)."""
    return PydanticCustomError(CONTENT_ERROR, "{text}", {"text": text, "at": at})


def fold(value):
    """Text with its runs of spaces and line breaks folded to single spaces."""
    return " ".join(value.split())


def odd_characters(text):
    """The line breaks, tabs and other control characters in ``text``."""
    return [
        ch for ch in text if not ch.isprintable() and unicodedata.category(ch) != "Zs"
    ]


def check_placeholders(value, fields):
    """Raise unless ``value`` uses only the ``{placeholders}`` in ``fields``."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name}
    except ValueError as error:
        raise problem(f": {error}") from None
    unknown = names - set(fields)
    if unknown:
        allowed = ", ".join("{" + f + "}" for f in fields) or "none"
        raise problem(f" uses {{{sorted(unknown)[0]}}}; allowed here: {allowed}")
    return value


def key_path(loc):
    """``('techniques', 'items', 2, 'suits')`` as ``techniques.items[2].suits``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def describe(error, file, prefix="key"):
    """The first problem pydantic found, as one line that names file and key."""
    first = error.errors(include_url=False)[0]
    kind, ctx = first["type"], first.get("ctx") or {}
    path = key_path(first["loc"])
    if kind == CONTENT_ERROR:
        return f"{file}: {prefix} '{path}{ctx['at']}'{ctx['text']}"
    if kind in ("missing", "too_short", "string_too_short"):
        return f"{file}: {prefix} '{path}' is missing or empty"
    if kind == "extra_forbidden":
        return f"{file}: unknown {prefix} '{path}' (a typing mistake?)"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        where = f"'{path}'" if path else "the file"
        return f"{file}: {where} must be a set of keys and values"
    if kind in ("list_type", "tuple_type"):
        return f"{file}: {prefix} '{path}' must be a list"
    if kind == "string_type":
        return f"{file}: {prefix} '{path}' must be text (use quotes)"
    return f"{file}: {prefix} '{path}': {first['msg']}"


def validate(model, data, file, prefix="key", context=None):
    """``model`` validated from ``data``; a ContentError names the file and key."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        raise ContentError(describe(error, file, prefix)) from None


# The owner's saved words for one load of the content (site/revisions.py):
# ``{str(path): (revision id, text)}``, read instead of the file at ``path``.
_SAVED_TEXTS = contextvars.ContextVar("saved_texts", default=None)


@contextlib.contextmanager
def saved_texts(texts):
    """Within the block, ``read_text`` gives ``texts``' saved words for their paths."""
    token = _SAVED_TEXTS.set(texts)
    try:
        yield
    finally:
        _SAVED_TEXTS.reset(token)


def read_text(path):
    """The file's text; a ContentError, one line with the place, if unreadable.

    The owner's newest saved revision of the file, when the load in progress
    was given one (``saved_texts``), else the file itself.
    """
    saved = (_SAVED_TEXTS.get() or {}).get(str(path))
    if saved is not None:
        return saved[1]
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ContentError(f"{path}: cannot be read: {error.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - data.rfind(b"\n", 0, error.start)
        raise ContentError(
            f"{path}: line {line}, column {column}: not UTF-8 text "
            f"(byte 0x{data[error.start]:02x}): save the file as UTF-8"
        ) from None


def yaml_mistake(path, error, first_line=1):
    """A YAML syntax error as a ContentError: file, line, column and reason."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    where = ""
    if mark is not None:
        where = f" line {mark.line + first_line}, column {mark.column + 1}:"
    reason = getattr(error, "problem", None) or "the text cannot be read"
    # One line whatever the parser said (its messages quote the file's text).
    reason = " ".join(str(reason).split())
    return ContentError(f"{path}:{where} not valid YAML: {reason}")


def parse_yaml(text, path, first_line=1):
    """``text`` (from ``path``) parsed as YAML; a ContentError names the place."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise yaml_mistake(path, error, first_line) from None


def load_front_matter(path):
    """A Markdown file with front matter (``post.metadata``, ``post.content``)."""
    text = read_text(path)
    # The YAML python-frontmatter parses starts with the rest of the first
    # ``---`` line (after any blank lines it strips), so its line 0 is that one.
    leading = text[: len(text) - len(text.lstrip())]
    first_line = 1 + leading.count("\n")
    try:
        return frontmatter.loads(text)
    except yaml.YAMLError as error:
        raise yaml_mistake(path, error, first_line) from None
    except ValueError as error:
        reason = " ".join(str(error).split())
        raise ContentError(f"{path}: cannot be read: {reason}") from None


def load_yaml(model, path, context=None):
    """A YAML content file read and validated as ``model`` (empty file: no keys)."""
    data = parse_yaml(read_text(path), path)
    return validate(model, data if data is not None else {}, path, context=context)


# --- The kinds of value a content file holds ----------------------------------


def _text(value):
    """Required text, spaces folded."""
    if value is None or value in ("", [], {}):
        raise problem(" is missing or empty")
    if not isinstance(value, str):
        raise problem(" must be text (use quotes)")
    return fold(value)


def _optional_text(value):
    """Text or nothing; empty text is nothing."""
    if value is None or value == "":
        return None
    return _text(value)


def _date(value):
    """A date written like 2025-03-18 (YAML reads it as a date)."""
    if not isinstance(value, datetime.date):
        raise problem(" must be a date like 2025-03-18")
    return value


def _paragraphs(value):
    """One paragraph of text, or a list of them."""
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) and item.strip() for item in items):
        raise problem(" must be text or a list of texts")
    return [fold(item) for item in items]


def _ident(value):
    """An id for URLs: lowercase letters, digits and hyphens."""
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise problem(
            " must be lowercase letters, digits and hyphens "
            f"(got {value!r}; put yes and no in quotes)"
        )
    return value


def placeholders(*fields):
    """A check that a text uses only these ``{placeholders}``."""
    return AfterValidator(functools.partial(check_placeholders, fields=fields))


# Constraints first, validators after: pydantic then puts the constraints in
# the JSON schema, while our validators give the owner's words on failure.
Text = Annotated[str, Field(min_length=1), BeforeValidator(_text)]
Date = Annotated[datetime.date, Strict(), BeforeValidator(_date)]
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]
_PARAGRAPH_SCHEMA = {"type": "string", "minLength": 1}
Paragraphs = Annotated[
    tuple[Annotated[str, Field(min_length=1)], ...],
    Field(min_length=1),
    BeforeValidator(_paragraphs),
    # The file may give one paragraph as plain text, or a list of them.
    WithJsonSchema(
        {
            "anyOf": [
                _PARAGRAPH_SCHEMA,
                {"type": "array", "items": _PARAGRAPH_SCHEMA, "minItems": 1},
            ]
        }
    ),
]
Ident = Annotated[str, Field(pattern=ID_REGEX), BeforeValidator(_ident)]


def _known_section(value, info: ValidationInfo):
    """A section id must be one of the article's (when the loader knows them)."""
    section_ids = (info.context or {}).get("section_ids")
    if section_ids is not None and value not in section_ids:
        raise problem(
            f": the article has no section '{value}' (it has: {', '.join(section_ids)})"
        )
    return value


# The id of a section of the article a widget follows (article.py, widget_content.py).
SectionId = Annotated[Ident, AfterValidator(_known_section)]


def unique_ids(items):
    """Check that the ids in one list are unique."""
    seen = set()
    for index, item in enumerate(items):
        if item.id in seen:
            raise problem(f": '{item.id}' is used twice", at=f"[{index}].id")
        seen.add(item.id)
    return items


Item = TypeVar("Item")
# A non-empty list of parts, each with an id no other part of the list uses.
IdList = Annotated[tuple[Item, ...], Field(min_length=1), AfterValidator(unique_ids)]


class ContentModel(BaseModel):
    """A part of a content file: no unknown keys, never changed once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def get_privacy():
    """The privacy page, loaded at start-up."""
    return current_app.extensions["content"]["privacy"]


def get_widgets():
    """The widgets' words, loaded at start-up."""
    return current_app.extensions["content"]["widgets"]


def get_practice():
    """The practice's details (therapist, prices, policies...), loaded at start-up."""
    return current_app.extensions["content"]["practice"]
