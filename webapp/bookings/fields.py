"""The fields a booking keeps, the headers that name them, and how each cell reads.

Every parser here takes one cell's text and returns the stored value, or
raises ``FieldError`` with a message that never repeats the cell (the caller
adds the row and the column): a mis-mapped column may hold an e-mail address.
Dates are read in ``dates.py``, statuses in ``statuses.py``.
"""

import re
from decimal import Decimal, InvalidOperation

from ..core.text import clean_text
from .errors import FieldError
from .statuses import KEPT_STATUSES, STATUSES, listed, status_word

__all__ = ["KEPT_STATUSES", "STATUSES", "FieldError"]

DATE_FIELDS = ("booked_on", "appointment")
# The stored values that make two rows one booking: all but the status (a
# booking "upcoming" in March and "completed" in April is one booking).
IDENTITY_FIELDS = (
    "booked_on",
    "appointment",
    "service",
    "price_cents",
    "channel",
    "new_client",
)
# A column read but not stored as such: the appointment's time of day, when an
# export gives it apart from the date ("Date" + "Time"). Only beside a date.
TIME_FIELD = "appointment_time"
# Yes/no columns some platforms write instead of (or beside) a status or a
# source: "Canceled", "Marked as No-Show" (Calendly), "Booked Online".
FLAG_FIELDS = ("cancelled", "no_show", "booked_online")
# How the owner reads the name of each field ``--map`` and the header matching
# know, in the order they are shown (the preview, the CLI). "source" is the
# file's column saying where a booking came from: only the channel read from
# it is kept, and "booking_id" only as a keyed hash.
FIELD_LABELS = {
    "booked_on": "Booked on",
    "appointment": "Appointment",
    TIME_FIELD: "Appointment time",
    "service": "Service",
    "price": "Price",
    "status": "Status",
    "cancelled": "Cancelled (yes or no)",
    "no_show": "No-show (yes or no)",
    "source": "Where it was booked",
    "booked_online": "Booked online (yes or no)",
    "new_client": "New client",
    "booking_id": "Booking number",
}
MAPPED_FIELDS = tuple(FIELD_LABELS)

# Common header spellings, best first: when two columns match one field, the
# earlier name wins ("Appointment Date" over "Date"). Headers are compared
# case- and punctuation-blind ("Appt. Date" is "Appt Date", "#" is "number").
# A time-named column is the appointment only in a file without a date column
# (a "Start Time" of "Mar 18, 2025 2:30 PM"); beside one it is that date's time.
HEADER_NAMES = {
    "booked_on": listed(
        "Booked On, Date Booked, Booking Date, Booked Date, Booked At, Date Scheduled, "
        "Created, Created On, Created At, Date Created, Created Date, "
        "Created Date & Time, Event Created Date & Time, Booking Created, Booking Made"
    ),
    "appointment": listed(
        "Appointment Date, Appt. Date, Appointment Date & Time, Appointment Date/Time, "
        "Scheduled Date, Date of Service, Service Date, Visit Date, Start Date & Time, "
        "Appointment Start, Appointment Start Time, Appointment, Start Date, Start, "
        "Date, Start Time, Appointment Time"
    ),
    TIME_FIELD: listed(
        "Appointment Time, Appt. Time, Scheduled Time, Start Time, Time"
    ),
    "service": listed(
        "Service, Service Name, Services, Treatment, Appointment Type, Service Type, "
        "Event Type Name, Event Type, Type, Service Title"
    ),
    "price": listed(
        "Price, Appointment Price, Service Price, Event Price, Fee, Amount, Total, "
        "Cost, Rate"
    ),
    # "State" only when its cells are statuses (the importer checks): in most
    # exports it is the client's address.
    "status": listed(
        "Status, Appointment Status, Booking Status, Event Status, Visit Status, "
        "Label, Labels, Attendance, State"
    ),
    "cancelled": listed("Canceled, Cancelled, Is Canceled, Is Cancelled"),
    "no_show": listed("Marked as No-Show, No-Show, No Show, Is No-Show"),
    "source": listed(
        "Source, Booked Through, Booked From, Booked Via, Booking Method, "
        "Booking Source, Booking Channel, Appointment Source, Channel, UTM Source"
    ),
    "booked_online": listed("Booked Online, Online Booking, Online"),
    # An "Appointment Type" beside a "Service" column may say "New Customer"
    # or "Returning Customer" (Vagaro): taken only when its cells say that.
    "new_client": listed(
        "New Client, First Visit, Client Type, Customer Type, New Customer, "
        "New Patient, First Time Client, Is New Client, Appointment Type, Visit Type"
    ),
    # "ID" only when its cells are unique in the file (the importer checks):
    # it may be the client's number, the same on each of their bookings.
    "booking_id": listed(
        "Appointment ID, Booking ID, Appointment #, Booking #, Confirmation #, "
        "Confirmation Code, Confirmation ID, Booking Reference, Reservation ID, "
        "Event ID, Event UUID, Visit ID, Reference, Ref #, ID"
    ),
}
# Header names whose column is taken only when its cells fit (see above).
CHECKED_HEADERS = {
    "status": ("state",),
    "booking_id": ("id",),
    "new_client": ("appointment type", "visit type"),
}

# Stored length: a service name is a label, not a paragraph.
SERVICE_LENGTH = 120
HEADER_LENGTH = 60
# A booking number is read for its hash only; a longer cell is not one.
BOOKING_ID_LENGTH = 200

_YES = {"yes", "y", "true", "1", "new", "new client", "new customer", "new patient"}
_YES |= {"first visit", "first time", "first time client"}
_NO = {"no", "n", "false", "0", "returning", "existing", "returning client", "repeat"}
_NO |= {"returning customer", "returning patient", "existing client", "repeat client"}


def normalise_header(text):
    """A header as compared: lower case, no punctuation, "#" as "number"."""
    text = (text or "").replace("\ufeff", "").lower()
    text = text.replace("#", " number ").replace("&", " and ")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def header_label(text):
    """A header as shown to the owner (cleaned, short)."""
    return clean_text((text or "").replace("\ufeff", ""), HEADER_LENGTH) or "(blank)"


def match_headers(headers, overrides=None, doubtful=False):
    """``{field: column index}`` for ``headers``, with ``--map`` overrides.

    ``overrides`` maps a field to a header (any case) or to '' for "do not
    read this field". Raises FieldError for an unknown field or a header the
    file does not have. With ``doubtful``, the CHECKED_HEADERS are matched
    too, for a reader that then checks their cells (``importer``).
    """
    names = [normalise_header(header) for header in headers]
    overrides = dict(overrides or {})
    mapping, taken = {}, set()
    for field, header in overrides.items():
        if field not in MAPPED_FIELDS:
            raise FieldError(
                f"--map {field}=...: unknown field (known: {', '.join(MAPPED_FIELDS)})"
            )
        if not header.strip():
            continue
        wanted = normalise_header(header)
        if wanted not in names:
            raise FieldError(
                f"--map {field}={header_label(header)}: the file has no such column",
                field,
            )
        mapping[field] = names.index(wanted)
        taken.add(mapping[field])
    time_names = {normalise_header(name) for name in HEADER_NAMES[TIME_FIELD]}
    for field in MAPPED_FIELDS:
        if field in overrides:
            continue
        if field == TIME_FIELD and (
            "appointment" not in mapping or names[mapping["appointment"]] in time_names
        ):
            continue  # a time column goes with a date column, never alone
        for candidate in HEADER_NAMES[field]:
            wanted = normalise_header(candidate)
            if not doubtful and wanted in CHECKED_HEADERS.get(field, ()):
                continue
            index = next(
                (
                    i
                    for i, name in enumerate(names)
                    if name == wanted and i not in taken
                ),
                None,
            )
            if index is not None:
                mapping[field] = index
                taken.add(index)
                break
    return mapping


# --- Prices, new clients, booking numbers, text --------------------------------

_US_PRICE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?|\.\d{1,2}")
# "1.250,00", "180,00", "1.250": a comma before the cents, dots between thousands.
_EUROPEAN_PRICE = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d+,\d{1,2}")
# Currency signs, and codes before or after the amount ("USD", "CA$", "kr").
_CURRENCY_SIGN = re.compile(r"[$€£¥₹\s\u00a0\u202f']")
_CURRENCY_CODE = re.compile(r"^[a-z]{1,3}|[a-z]{1,3}$")
_NO_PRICE = {"", "-", "–", "—", "n/a", "na", "none"}
EXPECTED_PRICE = "not a price like $95, 1,095.50 or 1.095,50 €"


def parse_price(text, currency=""):
    """Cents from "$1,095.50", "95", "USD 95" or "1.250,00 €"; None when empty."""
    value = text.strip().lower()
    if value in _NO_PRICE:
        return None
    if currency:
        value = value.replace(currency.lower(), "")
    if value == "free":
        return 0
    value = _CURRENCY_CODE.sub("", _CURRENCY_SIGN.sub("", value))
    if not value:
        return None
    if _US_PRICE.fullmatch(value):
        digits = value.replace(",", "")
    elif _EUROPEAN_PRICE.fullmatch(value):
        digits = value.replace(".", "").replace(",", ".")
    else:
        raise FieldError(EXPECTED_PRICE)
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        raise FieldError(EXPECTED_PRICE) from None
    return int((amount * 100).to_integral_value())


def parse_new_client(text):
    """1, 0 or None (empty) from Yes/No, Y/N, true/false, 1/0, New/Returning."""
    word = status_word(text)
    if not word:
        return None
    if word in _YES:
        return 1
    if word in _NO:
        return 0
    raise FieldError("not Yes/No, Y/N, true/false, 1/0 or New/Returning")


# An appointment type naming a first visit ("New Customer", "New Client
# Massage", "First Visit - 90 min"), for files without a new-client column.
_NEW_IN_SERVICE = re.compile(
    r"\b(?:new (?:client|customer|patient)s?|first (?:visit|time|appointment))\b"
)


def service_names_new_client(text):
    """Whether an appointment type says the client is new."""
    return _NEW_IN_SERVICE.search(text.lower()) is not None


def parse_booking_id(text):
    """A booking number as read ('' when blank); FieldError if it is too long."""
    value = " ".join(text.split())
    if len(value) > BOOKING_ID_LENGTH:
        raise FieldError("too long for a booking number")
    return value


def clean_service(text):
    """A service name as stored."""
    return clean_text(text, SERVICE_LENGTH)
