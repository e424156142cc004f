"""The columns and status words the owner chose for one export's headers, kept.

Next month's export of the same report has the same headers, so it imports in
one step with the same choices, from the terminal (``--map``, ``--status``)
or the dashboard. Only a hash of the headers and the choices are stored.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from .fields import normalise_header


@dataclass(frozen=True)
class ColumnChoices:
    """What the owner chose: ``fields`` (field -> header) and ``statuses``.

    A field mapped to "" is "not in this file"; ``statuses`` maps a word of
    the file's status column to a stored status.
    """

    fields: dict = field(default_factory=dict)
    statuses: dict = field(default_factory=dict)


def headers_key(headers):
    """The key of a set of headers: their order and spelling, case-blind."""
    text = "\x1f".join(normalise_header(header) for header in headers)
    return hashlib.sha256(text.encode()).hexdigest()


def recall(db, headers):
    """The choices remembered for these headers, or None."""
    row = db.execute(
        "SELECT fields, statuses FROM column_maps WHERE headers = ?",
        [headers_key(headers)],
    ).fetchone()
    if row is None:
        return None
    return ColumnChoices(json.loads(row[0]), json.loads(row[1]))


def remember(db, headers, choices):
    """Keep ``choices`` for these headers (replacing older ones); forget if empty."""
    key = headers_key(headers)
    if not choices.fields and not choices.statuses:
        db["column_maps"].delete_where("headers = ?", [key])
        return
    db["column_maps"].upsert(
        {
            "headers": key,
            "fields": json.dumps(choices.fields, sort_keys=True),
            "statuses": json.dumps(choices.statuses, sort_keys=True),
            "saved_at": datetime.datetime.now(datetime.UTC).isoformat(
                timespec="seconds"
            ),
        },
        pk="headers",
    )
