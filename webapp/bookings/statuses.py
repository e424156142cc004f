"""What a platform's status word means: kept, pending, cancelled or no-show.

Platforms name the same thing many ways ("Checked Out", "Show", "Finished",
"Accepted"; "Clinician Canceled", "Late Cancel"; "Unconfirmed", "Awaiting
confirmation"). Words are compared case- and punctuation-blind. The owner's
own words (``--status WORD=STATUS``, the dashboard's choices) come first.
"""

import re

from .errors import FieldError, reads_as

# The stored statuses. Kept bookings are the ones that happened or will;
# a pending one still waits for the practice to accept it, and is counted
# apart, never as kept. ``KEPT_STATUSES`` is the one home of "kept".
KEPT_STATUSES = ("completed", "confirmed", "upcoming")
PENDING = "pending"
CANCELLED = "cancelled"
NO_SHOW = "no-show"
STATUSES = (*KEPT_STATUSES, PENDING, CANCELLED, NO_SHOW)
# What a booking is without any status column, and what a blank status is
# where the column only names exceptions.
DEFAULT_STATUS = "confirmed"


def listed(text):
    """The items of a comma-separated list, in order, as a tuple."""
    return tuple(item.strip() for item in text.split(","))


def status_word(text):
    """A word as compared: lower case, no punctuation, single spaces."""
    return " ".join(re.sub(r"[^\w]+", " ", (text or "").lower()).split())


STATUS_WORDS = {
    "completed": listed(
        "completed, complete, checked out, checkout, paid, arrived, checked in, "
        "checkin, show, showed, shown, showed up, finished, done, in progress, "
        "in service, started, attended, fulfilled, closed"
    ),
    "confirmed": listed(
        "confirmed, accepted, booked, scheduled, active, approved, reserved"
    ),
    "upcoming": listed("upcoming, future, not yet arrived"),
    PENDING: listed(
        "pending, unconfirmed, not confirmed, awaiting confirmation, awaiting, "
        "awaiting approval, requested, request, needs confirmation, waiting, "
        "waiting for confirmation, tentative, on hold, waitlist, waitlisted"
    ),
    CANCELLED: listed(
        "cancelled, canceled, cancel, late cancel, late cancellation, declined, "
        "rejected, denied, deleted, void, voided"
    ),
    NO_SHOW: listed("no show, noshow, missed, did not show, no showed"),
}
_STATUS_OF = {word: status for status, names in STATUS_WORDS.items() for word in names}
# Any status naming a cancellation or a no-show, whoever did it ("Cancelled by
# client", "Clinician Canceled", "Marked as No-Show", "No Show (charged)").
_CANCEL_WORD = re.compile(r"\b(?:cancel\w*|declined|rejected)\b")
_NO_SHOW_WORD = re.compile(r"\bno ?show\w*\b")

_YES = frozenset({"yes", "y", "true", "t", "1", "x"})
_NO = frozenset({"no", "n", "false", "f", "0", ""})
KNOWN_STATUSES = (
    "unknown status (known: completed, confirmed, upcoming, pending, cancelled, "
    "no-show and their usual words)"
)


def owner_statuses(statuses):
    """The owner's ``{word: status}`` with each word as compared; checks statuses."""
    chosen = {}
    for word, status in (statuses or {}).items():
        if status not in STATUSES:
            raise FieldError(
                f"unknown stored status (known: {', '.join(STATUSES)})", "status"
            )
        chosen[status_word(word)] = status
    return chosen


def parse_status(text, chosen=None):
    """One of STATUSES for a platform's word; FieldError otherwise.

    ``chosen`` is ``owner_statuses(...)``: the owner's words, read first.
    """
    word = status_word(text)
    if chosen and word in chosen:
        return chosen[word]
    if word in _STATUS_OF:
        return _STATUS_OF[word]
    if not word:
        raise FieldError("empty status")
    if _NO_SHOW_WORD.search(word):
        return NO_SHOW
    if _CANCEL_WORD.search(word):
        return CANCELLED
    if (status := _status_within(word)) is not None:
        return status
    raise FieldError(KNOWN_STATUSES)


def _status_within(word):
    """The one status a longer label names ("Completed (paid)", "Booked online").

    None when it names none, several, or says "not" (whose meaning is unsure).
    """
    tokens = word.split()
    if "not" in tokens or "no" in tokens:
        return None
    found = {
        _STATUS_OF[phrase]
        for start in range(len(tokens))
        for end in range(start + 1, min(start + 3, len(tokens)) + 1)
        if (phrase := " ".join(tokens[start:end])) in _STATUS_OF
    }
    return found.pop() if len(found) == 1 else None


def is_status(text, chosen=None):
    """Whether a cell reads as a status word (to tell a status column)."""
    return reads_as(parse_status, text, chosen)


def parse_flag(text, meanings=()):
    """True or False for a yes/no cell ("Yes", "TRUE", 1, blank, or a meaning)."""
    word = status_word(text)
    if word in _YES or word in meanings:
        return True
    if word in _NO:
        return False
    raise FieldError("not yes/no or true/false")


def status_with_flags(status, cancelled, no_show):
    """The status once a file's yes/no "Canceled" and "No-Show" columns are read."""
    if no_show:
        return NO_SHOW
    if cancelled:
        return CANCELLED
    return status


def blanks_are_kept(cells):
    """Whether a status column only names exceptions: most of its cells blank.

    Acuity's and Setmore's labels are blank for an ordinary booking and say
    "No Show" or "Checked In" for the others.
    """
    blank = sum(1 for cell in cells if not cell.strip())
    return blank > 0 and blank * 2 >= len(cells)
