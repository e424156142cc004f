"""Every change to the database schema, named in the order it runs.

Each step is a sqlite-utils migration: ``migrations.apply(db)`` runs the ones
not yet recorded in ``_sqlite_migrations``, in the order they are registered
here. A step, once shipped, is never edited: its column lists are frozen
copies, so a later change to what the code inserts cannot rewrite history. A
new step goes at the end of this file, numbered after the last (see
docs/architecture.md). ``tests/test_migrations.py`` compares the live schema
with the columns the code inserts.
"""

from collections import Counter

from sqlite_utils.migrations import Migrations

from .migration_copies import (
    M004_EVENT_TEXT_COLUMNS,
    M018_STATEMENTS,
    m014_channel,
    m014_fingerprint,
)

# Until issue 27 the steps were numbered by package (m001, m201, m202, m101...),
# so their names did not sort in the order they run, and recorded in the set
# "webapp". That code still reads that set (a rollback, the deploy helper's
# schema warning), so every step is recorded there too, under its former name
# or, for a step added since, its own; a step recorded under either name has run.
FORMER_SET = "webapp"
FORMER_NAMES = {
    "m002_login_attempts": "m201_login_attempts",
    "m003_owner_sessions": "m202_owner_sessions",
    "m004_events": "m101_events",
    "m005_filtered_daily": "m102_filtered_daily",
    "m006_daily_counts": "m103_daily_counts",
    "m007_daily_counts_covering": "m104_daily_counts_covering",
    "m008_login_ceiling": "m203_login_ceiling",
    "m009_journal_progress": "m105_journal_progress",
    "m010_bookings": "m301_bookings",
    "m011_notes": "m302_notes",
    "m012_digest_sends": "m401_digest_sends",
}


class Steps(Migrations):
    """sqlite-utils' migrations, each also recorded under the name older code knows."""

    former = Migrations(FORMER_SET)

    def pending(self, db):
        """The steps recorded under neither name (reads only)."""
        ran = {step.name for step in self.former.applied(db)}
        return [
            step
            for step in super().pending(db)
            if FORMER_NAMES.get(step.name, step.name) not in ran
        ]

    def _record_applied(self, db, name):
        # In the step's own transaction: both records or neither.
        super()._record_applied(db, name)
        self.former._record_applied(db, FORMER_NAMES.get(name, name))


migrations = Steps("webapp-steps")


@migrations()
def m001_meta(db):
    """A small key-value table for the app's own settings (hashes, salts)."""
    db["meta"].create({"key": str, "value": str}, pk="key")


@migrations()
def m002_login_attempts(db):
    """Failed logins per client, keyed by a hash (never the IP address)."""
    db["login_attempts"].create({"client_key": str, "attempted_at": float})
    db["login_attempts"].create_index(["client_key", "attempted_at"])
    db["login_attempts"].create_index(["attempted_at"])


@migrations()
def m003_owner_sessions(db):
    """The owner's open sessions, so that logging out really ends one."""
    # Only a hash of each session id: a copy of the database opens no session.
    db["owner_sessions"].create(
        {"id_hash": str, "created_at": float, "expires_at": float}, pk="id_hash"
    )


@migrations()
def m004_events(db):
    """Raw events: page views, booking clicks, widget events (no IP, no UA)."""
    columns = {"id": int, "ts": str, "day": str, "hour": int, "kind": str}
    columns.update(dict.fromkeys(M004_EVENT_TEXT_COLUMNS, str))
    columns["repeat"] = int
    defaults = dict.fromkeys(M004_EVENT_TEXT_COLUMNS, "")
    defaults["repeat"] = 0
    db["events"].create(
        columns, pk="id", not_null=set(columns) - {"id"}, defaults=defaults
    )
    # Per-day reads (live totals for today, rollups, exports, prune).
    db["events"].create_index(["day", "kind"])
    # Repeat-click check and landing-referrer lookup for one visitor.
    db["events"].create_index(["visitor", "kind", "ts"])


@migrations()
def m005_filtered_daily(db):
    """What was not counted, per day, reason (bot, prefetch, ...) and kind."""
    db["filtered_daily"].create(
        {"day": str, "reason": str, "kind": str, "events": int},
        pk=("day", "reason", "kind"),
        not_null={"day", "reason", "kind", "events"},
    )


@migrations()
def m006_daily_counts(db):
    """Daily rollups of events by dimension, and which days are rolled up."""
    db["daily_counts"].create(
        {
            "day": str,
            "kind": str,
            "dimension": str,
            "value": str,
            "events": int,
            "uniques": int,
        },
        pk=("day", "kind", "dimension", "value"),
        not_null={"day", "kind", "dimension", "value", "events", "uniques"},
    )
    db["rolled_days"].create({"day": str, "rolled_at": str}, pk="day")


@migrations()
def m007_daily_counts_covering(db):
    """Let period reports read rollups from the index alone (no table lookups)."""
    db["daily_counts"].create_index(
        ["day", "kind", "dimension", "value", "events", "uniques"],
        index_name="daily_counts_covering",
    )


@migrations()
def m008_login_ceiling(db):
    """Login attempts across every client, for the site-wide hourly ceiling."""
    # No client key at all: one row per attempt, the time it was made.
    db["login_ceiling"].create({"id": int, "attempted_at": float}, pk="id")
    db["login_ceiling"].create_index(["attempted_at"])


@migrations()
def m009_journal_progress(db):
    """How far each journal file has been stored, so a replay stores nothing twice."""
    # Written in the same transaction as the events of the lines it covers.
    db["journal_progress"].create(
        {"file": str, "stored_to": int, "dropped": int},
        pk="file",
        not_null={"file", "stored_to", "dropped"},
        defaults={"dropped": 0},
    )


@migrations()
def m010_bookings(db):
    """Bookings imported from the booking platform's CSV, and each import batch."""
    # Only the booking itself: no client name, e-mail, phone or note column,
    # ever (webapp/bookings/importer.py drops them while reading).
    db["import_batches"].create(
        {
            "id": int,
            "imported_at": str,
            # Empty while the owner looks at the preview; reports read only
            # confirmed batches (webapp/bookings/summary.py).
            "confirmed_at": str,
            "file_name": str,
            "rows_read": int,
            "kept": int,
            "duplicates": int,
            "cancelled": int,
            "no_show": int,
            # Bookings already stored whose status this import changed (or,
            # while pending, will change on confirmation).
            "status_changes": int,
            "dropped_columns": str,
        },
        pk="id",
        not_null={"imported_at", "file_name", "rows_read", "kept", "duplicates"},
        defaults={
            "confirmed_at": "",
            "file_name": "",
            "cancelled": 0,
            "no_show": 0,
            "status_changes": 0,
            "dropped_columns": "",
        },
    )
    db["bookings"].create(
        {
            "id": int,
            "batch": int,
            "fingerprint": str,
            "day": str,
            "booked_on": str,
            "appointment": str,
            "service": str,
            "price_cents": int,
            "status": str,
            "source": str,
            "new_client": int,
        },
        pk="id",
        foreign_keys=[("batch", "import_batches", "id")],
        not_null={"batch", "fingerprint", "day", "appointment", "status", "source"},
        defaults={"booked_on": "", "service": "", "source": ""},
    )
    # Re-importing the same export, or an overlapping one, adds nothing.
    db["bookings"].create_index(["fingerprint"], unique=True)
    db["bookings"].create_index(["day", "status"])
    db["bookings"].create_index(["batch"])
    # A later export's status for a booking already stored: the import that
    # brought it, the booking, the new status and the one before (for undo).
    # A pending import's rows wait here and are applied on confirmation.
    db["booking_status_changes"].create(
        {"batch": int, "booking": int, "status": str, "previous": str},
        pk=("batch", "booking"),
        foreign_keys=[("batch", "import_batches", "id"), ("booking", "bookings", "id")],
        not_null={"status", "previous"},
    )
    db["booking_status_changes"].create_index(["booking"])
    # The bookings each import met already stored (its duplicates), by
    # fingerprint: undoing the import that added one keeps it while another
    # confirmed import also holds it (webapp/bookings/batches.py:undo).
    db["booking_batch_duplicates"].create(
        {"batch": int, "fingerprint": str},
        pk=("batch", "fingerprint"),
        foreign_keys=[("batch", "import_batches", "id")],
    )
    db["booking_batch_duplicates"].create_index(["fingerprint"])


@migrations()
def m011_notes(db):
    """The owner's notes on the timeline: a day and a line of plain text."""
    db["notes"].create(
        {"id": int, "day": str, "text": str, "created_at": str},
        pk="id",
        not_null={"day", "text", "created_at"},
    )
    db["notes"].create_index(["day"])


@migrations()
def m012_digest_sends(db):
    """Each weekly letter's send: the week, when, to whom (count), the result."""
    # Written in the same transaction as the send's result, so "sent at most
    # once a week" survives a crash and a failure is tried again next run.
    db["digest_sends"].create(
        {
            "id": int,
            "week": str,
            "attempted_at": str,
            "recipients": int,
            "status": str,
            "detail": str,
            "forced": int,
        },
        pk="id",
        not_null={"week", "attempted_at", "recipients", "status"},
        defaults={"detail": "", "forced": 0},
    )
    db["digest_sends"].create_index(["week", "status"])


@migrations()
def m013_late_days(db):
    """Days given events after they ended: stats rolls them up again (tracking's)."""
    # Tracking writes here and never stats' own tables. A day an older version
    # reopened (its rollup deleted) and did not roll up again is late too.
    db["late_days"].create({"day": str}, pk="day")
    db.execute(
        "INSERT INTO late_days (day) SELECT DISTINCT day FROM events "
        "WHERE day < (SELECT max(day) FROM rolled_days) "
        "AND day NOT IN (SELECT day FROM rolled_days)"
    )


@migrations()
def m014_booking_channels(db):
    """Bookings keep their channel, never a source's text; a platform id's keyed hash.

    Also the column choices the owner made for a set of headers, so that next
    month's export imports in one step.
    """
    # The freed text is zeroed, not left in free pages of the file.
    db.execute("PRAGMA secure_delete = ON")
    db["bookings"].add_column("channel", str, not_null_default="other")
    db["bookings"].add_column("platform_key", str, not_null_default="")
    # A source's text could name a person ("Google - my coworker Jane said"):
    # each row keeps only its channel, and its fingerprint is made again from
    # the identity with the channel in the text's place (rows the same apart
    # from the source are told apart by their order, as one file's are).
    rows = db.execute(
        "SELECT id, booked_on, appointment, service, price_cents, source,"
        " new_client, fingerprint FROM bookings ORDER BY id"
    ).fetchall()
    seen, renamed = Counter(), {}
    db.execute("UPDATE bookings SET fingerprint = 'm014:' || id")
    for booking, booked_on, appointment, service, cents, source, new, old in rows:
        channel = m014_channel(source)
        identity = (booked_on, appointment, service, cents, channel, new)
        seen[identity] += 1
        fingerprint = m014_fingerprint(identity, seen[identity])
        renamed[old] = fingerprint
        db.execute(
            "UPDATE bookings SET channel = ?, fingerprint = ? WHERE id = ?",
            [channel, fingerprint, booking],
        )
    for old, new in renamed.items():
        db.execute(
            "UPDATE OR IGNORE booking_batch_duplicates SET fingerprint = ?"
            " WHERE fingerprint = ?",
            [new, old],
        )
    db.execute("ALTER TABLE bookings DROP COLUMN source")
    # Where the export has a booking id: only its keyed hash (the key is the
    # database's own, in ``meta``), so a later export's changed price, time or
    # status updates the booking instead of adding one.
    db.execute(
        "CREATE UNIQUE INDEX idx_bookings_platform_key ON bookings (platform_key)"
        " WHERE platform_key != ''"
    )
    db["import_batches"].add_column("pending", int, not_null_default=0)
    db["import_batches"].add_column("skipped_rows", int, not_null_default=0)
    db["import_batches"].add_column("updated", int, not_null_default=0)
    # What the owner chose for a set of headers: ``{field: header or ""}`` and
    # ``{status word: status}`` as JSON. Headers only, never a cell.
    db["column_maps"].create(
        {"headers": str, "fields": str, "statuses": str, "saved_at": str},
        pk="headers",
        not_null={"fields", "statuses", "saved_at"},
    )


@migrations()
def m015_booking_updates(db):
    """A later export's other changes to a booking it names by id, undoable.

    ``booking_status_changes`` records, beside the new status, the booking's
    other fields the import changes (``fields``: JSON, field -> new value)
    and, once applied, what they were (``fields_before``), so undo puts them
    back; ``by_id`` marks a booking recognised by its platform id (counted in
    ``import_batches.updated``), not by its fingerprint.
    """
    table = db["booking_status_changes"]
    table.add_column("fields", str, not_null_default="{}")
    table.add_column("fields_before", str, not_null_default="{}")
    table.add_column("by_id", int, not_null_default=0)


@migrations()
def m016_content_revisions(db):
    """The owner's saved words: each save of a content file is a revision.

    ``file`` is the content file's name (article.md, widgets.yaml, privacy.md,
    practice.yaml), ``text`` its whole text; the site shows each file's newest
    revision (webapp/site/revisions.py), so backups and restores carry them.
    """
    db["content_revisions"].create(
        {"id": int, "file": str, "text": str, "saved_at": str, "note": str},
        pk="id",
        not_null={"file", "text", "saved_at", "note"},
        defaults={"note": ""},
    )
    db["content_revisions"].create_index(["file", "id"])


@migrations()
def m017_content_photos(db):
    """The therapist's photo as uploaded in the editor, cleaned, by its hash.

    ``hash`` is the SHA-256 of ``data`` (the re-encoded WebP, no metadata);
    practice.yaml names it ``stored:<hash>`` (webapp/site/photos.py), so
    backups and restores carry the photo with the words that name it.
    """
    db["content_photos"].create(
        {"hash": str, "data": bytes, "width": int, "height": int, "saved_at": str},
        pk="hash",
        not_null={"data", "width", "height", "saved_at"},
    )


@migrations()
def m018_daily_counts_by_page(db):
    """Rollups per page too (each article's numbers); earlier ones are the home's."""
    for statement in M018_STATEMENTS:
        db.execute(statement)
