"""The practice's details as form fields, walked from ``site.practice.Practice``.

Every key of the model becomes a field named by its key path (``name``,
``therapist.about``); the lists get rows: sessions (``services-2-price``),
opening hours one row a weekday (``hours-0-opens``), the techniques offered
as checkboxes. ``form_values`` fills the fields from a practice,
``practice_data`` turns what was posted back into the file's keys (empty
fields left out) together with where each list item came from, so a
refusal that names a key (``services[1].price``) finds its field.
"""

import re

from pydantic import BaseModel

from ..site.opening_hours import DAYS
from ..site.practice import Practice

# The owner's words for each key; a key the model gains shows its own name
# until it is given words here (tests/test_editor_practice.py checks).
LABELS = {
    "name": (
        "Your practice's name",
        "At the top of every page, e.g. Reach for Serenity.",
    ),
    "phone": ("Phone number", "e.g. +1 555 0100"),
    "address": ("Street address", ""),
    "city": ("City", ""),
    "book_label": ("Words on the booking buttons", "e.g. Book a session"),
    "therapist": ("You, the therapist", ""),
    "therapist.name": ("Your name", "As readers will see it, e.g. Jordan Lee."),
    "therapist.photo": ("Photo", ""),
    "therapist.photo_alt": ("What the photo shows", "For readers who cannot see it."),
    "therapist.license_type": (
        "License title",
        "e.g. Licensed Massage Therapist (LMT)",
    ),
    "therapist.license_number": ("License number", "e.g. MA12345"),
    "therapist.licensed_by": ("Who issued your license", ""),
    "therapist.years_in_practice": ("Years in practice", "A whole number, e.g. 12."),
    "therapist.training": ("Training beyond your license", "One on each line."),
    "therapist.about": ("About you", "A few sentences about you and how you work."),
    "currency": ("Currency", "Three letters: USD, CAD, GBP, EUR, AUD..."),
    "services": ("Sessions and prices", ""),
    "policies": ("Your policies", ""),
    "policies.cancellation": ("Cancelling", "e.g. Please give 24 hours' notice."),
    "policies.payment": ("Paying", "e.g. Cash and card are accepted."),
    "policies.insurance": ("Health plans", "Only what you are sure a plan accepts."),
    "first_visit": ("A first visit", ""),
    "first_visit.what_to_wear": ("What to wear", ""),
    "first_visit.draping": ("Draping", ""),
    "first_visit.intake_form": ("Health form", ""),
    "first_visit.arriving": ("Arriving", "e.g. Please arrive 10 minutes early."),
    "hours": ("Opening hours", ""),
    "hours_note": ("A line under your hours", "e.g. By appointment only."),
    "emergency_number": (
        "Emergency number",
        "Readers with warning signs are told to call it, e.g. 911.",
    ),
    "offers": ("The techniques you offer", ""),
}
SERVICE_LABELS = {
    "name": "Name",
    "minutes": "Minutes",
    "price": "Price",
    "description": "Description",
}
# Keys with a widget of their own (the rest are one line of text).
LONG_TEXT = {"therapist.about", "policies.cancellation", "policies.insurance"}
LINES = {"therapist.training"}
NUMBERS = {"therapist.years_in_practice"}
# Set by the photo form, not typed.
PHOTO_KEYS = {"therapist.photo", "therapist.photo_alt"}
# The rows of sessions shown beyond those filled in, and the most kept.
SPARE_SERVICES = 2
MAX_SERVICES = 100
WHOLE_NUMBER = re.compile(r"^\d{1,9}$")
KEY_IN_ERROR = re.compile(r"^[^:]+: (?:unknown )?key '([^']+)'")


def label(path):
    """The owner's words for a key path: ``(label, hint)``."""
    return LABELS.get(
        path, (path.rsplit(".", 1)[-1].replace("_", " ").capitalize(), "")
    )


def _kind(path):
    """How a key is typed: text, long, lines or number."""
    if path in LONG_TEXT:
        return "long"
    if path in LINES:
        return "lines"
    if path in NUMBERS:
        return "number"
    return "text"


def _field(path):
    """One field: its name, id, label, hint and kind."""
    words, hint = label(path)
    return {
        "name": path,
        "id": field_id(path),
        "label": words,
        "hint": hint,
        "kind": _kind(path),
    }


def field_id(path):
    """The HTML id of a field named by its key path: ``f-therapist-name``."""
    return "f-" + re.sub(r"[^a-z0-9_]+", "-", path).strip("-")


def sections():
    """The form's parts, walked from the model: plain keys and each block's keys."""
    plain = {"key": "", "label": "About the practice", "fields": []}
    parts = [plain]
    for key, info in Practice.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            fields = [
                _field(f"{key}.{inner}")
                for inner in kind.model_fields
                if f"{key}.{inner}" not in PHOTO_KEYS
            ]
            parts.append({"key": key, "label": label(key)[0], "fields": fields})
        elif key not in ("services", "hours", "offers"):
            plain["fields"].append(_field(key))
    return parts


def _shown(value):
    """A model's value as a field shows it."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "\n".join(str(item) for item in value)
    return str(value)


def form_values(practice):
    """``{field name: text}`` for every field, filled from ``practice``."""
    values = {}
    for key in Practice.model_fields:
        value = getattr(practice, key)
        if isinstance(value, BaseModel):
            for inner in type(value).model_fields:
                values[f"{key}.{inner}"] = _shown(getattr(value, inner))
        elif key not in ("services", "hours", "offers"):
            values[key] = _shown(value)
    for row, service in enumerate(practice.services):
        for part in SERVICE_LABELS:
            values[f"services-{row}-{part}"] = _shown(getattr(service, part))
    for line in practice.hours:
        for day in line.days:
            values.setdefault(f"hours-{day}-opens", line.opens.strftime("%H:%M"))
            values.setdefault(f"hours-{day}-closes", line.closes.strftime("%H:%M"))
    values["service_rows"] = str(len(practice.services) + SPARE_SERVICES)
    return values, list(practice.offers)


def service_rows(values):
    """How many rows of sessions the form has (a posted count, kept in range)."""
    count = values.get("service_rows", "")
    count = int(count) if WHOLE_NUMBER.match(count) else SPARE_SERVICES
    return max(1, min(count, MAX_SERVICES))


def _number(text):
    """Digits as a number; anything else as typed, for the model to refuse."""
    return int(text) if WHOLE_NUMBER.match(text) else text


def _typed(path, text):
    """A field's text as the file's value (None: left out)."""
    text = text.strip()
    if not text:
        return None
    if _kind(path) == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()] or None
    if _kind(path) == "number":
        return _number(text)
    return text


def _put(data, path, value):
    """Set ``data``'s key path to ``value`` unless it is None."""
    if value is None:
        return
    *blocks, key = path.split(".")
    for block in blocks:
        data = data.setdefault(block, {})
    data[key] = value


def _services(values):
    """The filled rows of sessions, and the row each came from."""
    services, rows = [], []
    for row in range(service_rows(values)):
        service = {}
        for part in SERVICE_LABELS:
            text = values.get(f"services-{row}-{part}", "").strip()
            if text:
                service[part] = _number(text) if part == "minutes" else text
        if service:
            services.append(service)
            rows.append(row)
    return services, rows


def _hours(values):
    """The weekdays' hours, days in a row with the same times as one line."""
    runs = []  # [first day, last day, opens, closes]
    for day in range(len(DAYS)):
        times = [
            values.get(f"hours-{day}-{t}", "").strip() for t in ("opens", "closes")
        ]
        if not any(times):
            continue
        if runs and runs[-1][1] == day - 1 and runs[-1][2:] == times:
            runs[-1][1] = day
        else:
            runs.append([day, day, *times])
    lines = [
        {
            "days": DAYS[first] if first == last else f"{DAYS[first]} to {DAYS[last]}",
            "opens": opens or None,
            "closes": closes or None,
        }
        for first, last, opens, closes in runs
    ]
    return lines, [run[0] for run in runs]


def practice_data(values, offers):
    """The posted form as practice.yaml's keys, and ``where`` to find list items."""
    data = {}
    for part in sections():
        for field in part["fields"]:
            _put(
                data,
                field["name"],
                _typed(field["name"], values.get(field["name"], "")),
            )
    for path in PHOTO_KEYS:
        _put(data, path, _typed(path, values.get(path, "")))
    services, service_rows_used = _services(values)
    hours, first_days = _hours(values)
    for key, value in (("services", services), ("hours", hours), ("offers", offers)):
        if value:
            data[key] = list(value)
    return data, {"services": service_rows_used, "hours": first_days}


def field_of_error(message, where):
    """The id of the field a refusal names (``key 'hours[0].closes'``), or None."""
    match = KEY_IN_ERROR.match(message)
    if not match:
        return None
    path = match.group(1)
    listed = re.match(r"^(services|hours)\[(\d+)\]\.?(\w*)", path)
    if listed:
        key, index, part = listed.group(1), int(listed.group(2)), listed.group(3)
        rows = where.get(key, [])
        if index >= len(rows):
            return None
        if key == "hours":
            part = part if part in ("opens", "closes") else "opens"
        else:
            part = part if part in SERVICE_LABELS else "name"
        return f"f-{key}-{rows[index]}-{part}"
    if path.startswith("offers"):
        return "f-offers"
    return field_id(path.split("[")[0])


def plain_error(message):
    """A refusal in the owner's words: no file name, key path or YAML advice."""
    text = KEY_IN_ERROR.sub("", message, count=1).strip()
    text = re.sub(r" in quotes|\s*\(use quotes\)|; put yes and no in quotes", "", text)
    text = re.sub(r"\s*\(the ids in [^)]*\)", "", text)
    text = re.sub(r"; the currency goes in 'currency'| \(got None\)", "", text)
    text = text.lstrip(":").strip()
    if message.startswith(text) or not text:  # nothing named a key
        return re.sub(r"^\S+\.(yaml|md)(?: \(revision \d+\))?: ", "", message)
    return text


# What an HTML time field may hold: "09:00", "18:30:00" (or nothing).
CLOCK_TIME = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?")


def is_clock_time(value):
    """True for nothing or a valid ``HH:MM``: what ``<input type=time>`` takes."""
    return not value or CLOCK_TIME.fullmatch(value) is not None
