"""The practice's facts (content/practice.yaml), checked at start-up.

Everything a reader sees about the practice: its name, phone, address and
currency, who the therapist is, what a session costs, the policies, what a
first visit is like and the opening hours. Every key is optional and a block
with nothing filled in is not shown, since only the owner can make these
claims (a license, extra training, whether health plans pay). Every page
(its header, footer and title), the "Before you book" section
(templates/partials/_practice.html) and the structured data read them.

The name, phone, address, city and currency were settings before (FLASK_
PRACTICE_NAME...): a setting still given is read once, here, for a fact the
file leaves out, and `flask check` says which key to put in the file instead.
"""

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Annotated

from babel.numbers import is_currency
from pydantic import (
    AliasChoices,
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..core.formatting import money
from .content import (
    CONTENT_DIR,
    ContentModel,
    OptionalText,
    Text,
    fold,
    odd_characters,
    parse_yaml,
    problem,
    read_text,
    validate,
)
from .old_settings import fill_in
from .opening_hours import Hours
from .photos import STORED_PREFIX, stored_hash
from .widget_content import load_widgets

PRACTICE_FILE = CONTENT_DIR / "practice.yaml"
STATIC_DIR = CONTENT_DIR.parent / "static"
# A number to dial: 911, 112, "+1 (555) 010-0100"; digits, spaces, + ( ) - .
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ().-]{0,18}[0-9]$|^[0-9]$")
# The name a practice.yaml without one shows (the shipped site's practice).
DEFAULT_NAME = "Reach for Serenity"
# The words of every booking button while practice.yaml gives none.
DEFAULT_BOOK_LABEL = "Book a session"
# "Licensed Massage Therapist (LMT)": the short title in brackets.
SHORT_TITLE = re.compile(r"\(([^()]{1,12})\)\s*$")


# --- The kinds of value this file holds ---------------------------------------


def _block(value):
    """A block left empty (``therapist:`` with nothing under it) is no block."""
    return {} if value is None else value


def _texts(value):
    """Nothing, one text, or a list of texts."""
    if value is None or value == "":
        return ()
    return value if isinstance(value, list) else [value]


def _whole_number(value):
    """A whole number of at least 1 (minutes, years), or nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise problem(f" must be a whole number, like 60 (got {value!r})")
    return value


def _price(value):
    """A price as a number, without the currency sign."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise problem(" must be a number, like 90 or 92.50")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise problem(
            f" must be a number, like 90 or 92.50 (got {value!r}; "
            "the currency goes in 'currency')"
        )
    return amount


def _emergency_number(value):
    """The number readers with warning signs are told to call, as quoted text."""
    if value is None or value == "":
        return "911"
    if not isinstance(value, str):
        # Bare, YAML reads 911 as a number and drops leading zeros (000).
        raise problem(f' must be in quotes, like "911" (got {value!r})')
    if not PHONE_PATTERN.match(value.strip()):
        raise problem(
            f' must be a short phone number, like "911" or "112" (got {value!r})'
        )
    return value.strip()


def _book_label(value):
    """The words of every booking button; empty: "Book a session"."""
    if value is None or value == "":
        return DEFAULT_BOOK_LABEL
    if not isinstance(value, str) or odd_characters(value):
        raise problem(" must be a few words on one line, like Book a session")
    return fold(value)


def _practice_name(value):
    """The practice's name on one line of ordinary characters (a letter's subject)."""
    if value is None or value == "":
        return DEFAULT_NAME
    if not isinstance(value, str):
        raise problem(" must be text (use quotes)")
    if odd_characters(value):
        raise problem(" must be one line of ordinary characters")
    return fold(value)


TextList = Annotated[tuple[Text, ...], BeforeValidator(_texts)]
WholeNumber = Annotated[int | None, BeforeValidator(_whole_number)]
Price = Annotated[Decimal, BeforeValidator(_price)]
EmergencyNumber = Annotated[str, BeforeValidator(_emergency_number)]
PracticeName = Annotated[str, BeforeValidator(_practice_name)]
BookLabel = Annotated[str, BeforeValidator(_book_label)]


class Block(ContentModel):
    """A block of the "Before you book" section: shown once anything is filled."""

    @property
    def filled(self):
        """True when the owner has filled in at least one key."""
        return any(value not in (None, ()) for value in self.__dict__.values())


# --- The blocks -------------------------------------------------------------


class Therapist(Block):
    """Who the reader would be booking with."""

    name: OptionalText = None
    photo: OptionalText = None
    photo_alt: OptionalText = None
    # A file written before the US spelling ("licence_type") still reads.
    license_type: OptionalText = Field(
        None, validation_alias=AliasChoices("license_type", "licence_type")
    )
    license_number: OptionalText = Field(
        None, validation_alias=AliasChoices("license_number", "licence_number")
    )
    licensed_by: OptionalText = None
    years_in_practice: WholeNumber = None
    training: TextList = ()
    about: OptionalText = None

    @model_validator(mode="before")
    @classmethod
    def _one_spelling_a_key(cls, data):
        """``license_type`` or the older ``licence_type``, never both."""
        keys = set(data) if isinstance(data, dict) else set()
        for key in ("type", "number"):
            if {f"license_{key}", f"licence_{key}"} <= keys:
                raise problem(
                    f" is given twice: keep 'license_{key}' and delete 'licence_{key}'",
                    at=f".license_{key}",
                )
        return data

    @field_validator("photo")
    @classmethod
    def _photo_is_a_static_file(cls, value, info: ValidationInfo):
        """A photo stored by the editor (``stored:<hash>``), or a file in static/."""
        if value is None or stored_hash(value):
            return value
        if value.startswith(STORED_PREFIX):
            raise problem(" names no stored photo: upload the photo again")
        folder = Path((info.context or {}).get("static_folder") or STATIC_DIR)
        relative = PurePosixPath(value)
        if relative.is_absolute() or ".." in relative.parts or "\\" in value:
            raise problem(" must be a file name inside static/, like img/me.jpg")
        if not (folder / relative).is_file():
            raise problem(f": there is no file static/{value}")
        return value

    @model_validator(mode="after")
    def _photo_has_alt_text(self):
        """A photo needs words for readers who cannot see it."""
        if self.photo and not self.photo_alt:
            raise problem(
                " is missing or empty: describe the photo for readers "
                "who cannot see it",
                at=".photo_alt",
            )
        return self

    @property
    def license(self):
        """ "Licensed Massage Therapist, license MA12345", as much as is known."""
        parts = [self.license_type]
        if self.license_number:
            parts.append(f"license {self.license_number}")
        return ", ".join(part for part in parts if part)

    @property
    def credential(self):
        """The license's short title for a byline: "LMT" from "... (LMT)"."""
        if not self.license_type:
            return None
        short = SHORT_TITLE.search(self.license_type)
        return short.group(1).strip() if short else self.license_type


class Service(ContentModel):
    """One kind of session the practice offers, with its length and price."""

    name: Text
    minutes: WholeNumber = None
    price: Price | None = None
    description: OptionalText = None


class Policies(Block):
    """What the owner promises and asks: cancelling, paying, health plans."""

    cancellation: OptionalText = None
    payment: OptionalText = None
    insurance: OptionalText = None


class FirstVisit(Block):
    """What a first visit is like."""

    what_to_wear: OptionalText = None
    draping: OptionalText = None
    intake_form: OptionalText = None
    arriving: OptionalText = None


class Practice(ContentModel):
    """The whole of content/practice.yaml."""

    name: PracticeName = DEFAULT_NAME
    phone: OptionalText = None
    address: OptionalText = None
    city: OptionalText = None
    book_label: BookLabel = DEFAULT_BOOK_LABEL
    therapist: Annotated[Therapist, BeforeValidator(_block)] = Therapist()
    currency: Annotated[str, BeforeValidator(lambda v: v or "USD")] = "USD"
    services: Annotated[tuple[Service, ...], BeforeValidator(_texts)] = ()
    policies: Annotated[Policies, BeforeValidator(_block)] = Policies()
    first_visit: Annotated[FirstVisit, BeforeValidator(_block)] = FirstVisit()
    hours: Annotated[tuple[Hours, ...], BeforeValidator(_texts)] = ()
    hours_note: OptionalText = None
    emergency_number: EmergencyNumber = "911"
    # The techniques (content/widgets.yaml's ids) this practice offers; none
    # named: the technique notes say nothing about what is offered.
    offers: TextList = ()
    # What became of each old setting still given: "used", "ignored" (the file
    # gives the fact) or "unusable" (a value the file would refuse).
    _old_settings: dict = PrivateAttr(default_factory=dict)

    @property
    def old_settings(self):
        """Each old setting still given, and whether it was used or ignored."""
        return self._old_settings

    @field_validator("offers")
    @classmethod
    def _known_techniques(cls, value, info: ValidationInfo):
        """Each offered technique is one the technique notes describe."""
        known = (info.context or {}).get("technique_ids") or ()
        for index, technique in enumerate(value):
            if technique not in known:
                raise problem(
                    f" names no technique: {technique!r}; the techniques are "
                    f"{', '.join(known)} (the ids in content/widgets.yaml)",
                    at=f"[{index}]",
                )
        return tuple(dict.fromkeys(value))

    def offered(self, technique_id):
        """True unless ``offers`` names techniques and this is not one of them."""
        return not self.offers or technique_id in self.offers

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value):
        """A currency code such as USD, CAD or GBP."""
        if not isinstance(value, str) or not is_currency(value.strip().upper()):
            raise problem(f" must be a currency code such as USD (got {value!r})")
        return value.strip().upper()

    @property
    def phone_href(self):
        """The phone as a ``tel:`` link, without its spaces."""
        return "tel:" + self.phone.replace(" ", "") if self.phone else None

    @property
    def address_line(self):
        """The address and the city on one line, as much as is known."""
        return ", ".join(part for part in (self.address, self.city) if part)

    @property
    def has_contact(self):
        """True when a phone number or an address is filled in."""
        return bool(self.phone or self.address_line)

    @property
    def has_hours(self):
        """True when opening hours or a note about them are filled in."""
        return bool(self.hours or self.hours_note)

    @property
    def filled(self):
        """True when any block has something to show."""
        blocks = (self.therapist, self.policies, self.first_visit)
        return any(block.filled for block in blocks) or bool(
            self.services or self.has_hours
        )

    def price(self, service):
        """A service's price in the practice's currency and locale: ``$90``."""
        return money(service.price, self.currency)

    def service_terms(self, service):
        """A service's length and price, each when known: ``["90 minutes", "$90"]``."""
        terms = [f"{service.minutes} minutes"] if service.minutes else []
        if service.price is not None:
            terms.append(self.price(service))
        return terms

    @property
    def price_from(self):
        """The lowest session price, ``$90``, or None when no session has one."""
        prices = [s.price for s in self.services if s.price is not None]
        return money(min(prices), self.currency) if prices else None


def load_practice(
    path=PRACTICE_FILE, static_folder=STATIC_DIR, technique_ids=None, settings=None
):
    """Read and validate the practice's facts; ContentError names the key.

    ``technique_ids`` are the ids ``offers`` may name: start-up passes the
    loaded widgets'; left out, the shipped content/widgets.yaml's.
    ``settings`` (the app's config) gives the old settings still set, each
    read for a fact the file leaves out.
    """
    if technique_ids is None:
        technique_ids = [item.id for item in load_widgets().techniques.items]
    context = {"static_folder": static_folder, "technique_ids": list(technique_ids)}
    data = parse_yaml(read_text(path), path)
    data = {} if data is None else data
    practice = validate(Practice, data, path, context=context)
    practice, practice._old_settings = fill_in(practice, data, settings, context)
    return practice
