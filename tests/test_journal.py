"""The journal: events on disk before the answer, nothing personal in them,
stored exactly once however often a journal is replayed.

These tests use real files and a real SQLite database; the crash tests with a
real gunicorn are in test_crash_capture.py.
"""

import datetime
import json
import os
import stat
from pathlib import Path

from webapp.core.calendar import practice_zone
from webapp.core.db import connect, immediate, read_meta, write_meta
from webapp.stats.rollups import ensure_rollups, prune
from webapp.tracking import journal, store, writer
from webapp.tracking.journal import Journal, encode, journal_for
from webapp.tracking.journal_folder import claim_dead
from webapp.tracking.store import SALT_META_KEY, Entry
from webapp.tracking.writer import lost_counts, replay_dead, store_lines

from .conftest import DESKTOP, PHONE, TEST_SECRET, make_app, visit

PRIVATE_IP = "203.0.113.197"
PRIVATE_AGENT = DESKTOP + " Qx7PrivacyProbe/4.2"
NOW = datetime.datetime.now(datetime.UTC)


def click_entry(number, at=None, pseudonym="a" * 64):
    """A counted booking click as the journal keeps it, told apart by its campaign."""
    return Entry(
        (at or NOW).timestamp(),
        None,
        page="/",
        utm={"utm_content": f"c{number}"},
        device="mobile",
        browser="Mobile Safari",
        pseudonym=pseudonym,
        events=[{"kind": "click", "placement": "header"}],
    )


def dead_journal(folder, entries, tail=b""):
    """A journal left by a process that died: written, then its lock let go."""
    left = Journal(folder)
    for entry in entries:
        assert left.append(encode(entry))
    if tail:
        os.pwrite(left.fd, tail, left.size)
    path = left.path
    left.close()
    return path


def stored_campaigns(database_path):
    """The utm_content of every stored click, in the order stored."""
    db = connect(str(database_path))
    try:
        return [r[0] for r in db.execute("SELECT utm_content FROM events ORDER BY id")]
    finally:
        db.conn.close()


def errors():
    """An on_error that keeps what it is given."""
    seen = []
    return seen, lambda app, error, item: seen.append(error)


def folder_of(app):
    """The app's journal folder."""
    return journal.folder_of(app.config)


def journal_bytes(app):
    """Everything in the app's journal files, as they are on disk."""
    folder = Path(folder_of(app))
    return b"".join(path.read_bytes() for path in sorted(folder.iterdir()))


# --- What a line holds --------------------------------------------------------------


def test_a_journal_line_holds_neither_the_ip_nor_the_user_agent(app, client):
    for path in ("/", "/book?from=header", "/?utm_source=newsletter"):
        response = visit(
            client, path, agent=PRIVATE_AGENT, environ_base={"REMOTE_ADDR": PRIVATE_IP}
        )
        assert response.status_code in (200, 302)
    data = journal_bytes(app)
    lines = [json.loads(line) for line in data.splitlines()[1:]]
    assert [line["e"][0]["kind"] for line in lines] == ["view", "click", "view"]
    assert PRIVATE_IP.encode() not in data
    assert b"Qx7PrivacyProbe" not in data and b"Mozilla" not in data
    # Not even in pieces: no part of the address, no browser word.
    assert b"203.0.113" not in data and b"Windows" not in data
    # The pseudonym is the same for the reader within the day...
    assert len({line["v"] for line in lines}) == 1
    # ...and is no plain hash of what it hides (it needs the secret key).
    # (The day of the line itself: a run may cross the practice's midnight.)
    at = datetime.datetime.fromtimestamp(lines[0]["t"], practice_zone(app))
    day = at.date().isoformat()
    assert lines[0]["v"] == store.pseudonym(TEST_SECRET, day, PRIVATE_IP, PRIVATE_AGENT)


def test_chooser_answers_never_reach_the_journal(app, client):
    from .test_chooser import HTMX, answers

    given = answers("problem", "yes", "surgery", ("pregnant", "blood-thinners"))
    visit(client, "/widgets/chooser", method="post", data=given, headers=HTMX)
    data = journal_bytes(app)
    assert b'"widget":"chooser"' in data  # the use is journaled...
    for secret in ("pregnant", "blood-thinners", "surgery"):
        assert secret.encode() not in data  # ...and none of the answers


def test_journal_files_are_readable_by_their_owner_only(app, client):
    visit(client, "/book?from=header")
    folder = folder_of(app)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    [name] = os.listdir(folder)
    assert stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode) == 0o600
    assert name.startswith(f"{os.getpid()}-")


def test_the_event_keeps_the_time_of_its_request(app, database_path, db):
    # Written an hour after the request, as a replay after a crash would be.
    an_hour_ago = NOW - datetime.timedelta(hours=1)
    folder = folder_of(app)
    path = dead_journal(folder, [click_entry(1, at=an_hour_ago)])
    assert replay_dead(db, app, folder, errors()[1]) == 1
    [(ts,)] = db.execute("SELECT ts FROM events").fetchall()
    assert ts == an_hour_ago.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert not path.exists(), "a replayed journal is removed"


# --- Exactly once -------------------------------------------------------------------


def test_replaying_the_same_journal_twice_stores_nothing_new(app, database_path, db):
    folder = folder_of(app)
    path = dead_journal(folder, [click_entry(n) for n in range(5)])
    seen, on_error = errors()
    [(fd, claimed)] = claim_dead(folder)
    try:
        end, more = store_lines(db, app, fd, claimed, 0, True, on_error)
        assert not more and end == path.stat().st_size
        # Again, as a process that died before removing the file would.
        assert store_lines(db, app, fd, claimed, 0, True, on_error) == (end, False)
    finally:
        os.close(fd)
    assert stored_campaigns(database_path) == [f"c{n}" for n in range(5)]
    # And once more by the next start-up, which then removes it.
    assert replay_dead(db, app, folder, on_error) == 1
    assert stored_campaigns(database_path) == [f"c{n}" for n in range(5)]
    assert not path.exists()
    assert db.execute("SELECT count(*) FROM journal_progress").fetchone()[0] == 0
    assert seen == []


def test_a_journal_stored_halfway_is_taken_up_where_it_stopped(app, database_path, db):
    folder = folder_of(app)
    dead_journal(folder, [click_entry(n) for n in range(300)])
    [(fd, claimed)] = claim_dead(folder)
    try:
        original = writer.BATCH_BYTES
        writer.BATCH_BYTES = 4096  # several transactions for one file
        try:
            end, more = store_lines(db, app, fd, claimed, 0, True, errors()[1])
        finally:
            writer.BATCH_BYTES = original
        assert more, "one batch did not take the whole file"
        halfway = len(stored_campaigns(database_path))
        assert 0 < halfway < 300
    finally:
        os.close(fd)  # the replaying process dies here
    replay_dead(db, app, folder, errors()[1])
    assert stored_campaigns(database_path) == [f"c{n}" for n in range(300)]


def test_a_torn_last_line_is_skipped_and_counted(app, database_path, db, runner):
    folder = folder_of(app)
    torn = encode(click_entry(99))[:-20]  # the process died mid-write
    dead_journal(folder, [click_entry(n) for n in range(3)], tail=torn)
    seen, on_error = errors()
    assert replay_dead(db, app, folder, on_error) == 1
    assert stored_campaigns(database_path) == ["c0", "c1", "c2"]
    assert lost_counts(db) == {"dropped": 0, "torn": 1}
    assert seen == []
    # The owner sees it.
    result = runner.invoke(args=["stats"])
    assert result.exit_code == 0, result.output
    assert "Torn lines after a crash" in result.output
    numbers = json.loads(runner.invoke(args=["stats", "--json"]).output)
    assert numbers["journal_lost"] == {"dropped": 0, "torn": 1}


def test_a_garbled_line_in_the_middle_is_skipped_and_counted(app, database_path, db):
    folder = folder_of(app)
    left = Journal(folder)
    left.append(encode(click_entry(1)))
    left.append(b'{"t": 1, "e": [{"kind": "click", "evil": "x"}]}\n')
    left.append(b"\xff\xfe not json\n")
    left.append(encode(click_entry(2)))
    left.close()
    replay_dead(db, app, folder, errors()[1])
    assert stored_campaigns(database_path) == ["c1", "c2"]
    assert lost_counts(db)["torn"] == 2


def test_a_live_processs_journal_is_never_replayed_by_another(app, database_path, db):
    folder = folder_of(app)
    alive = Journal(folder)
    alive.append(encode(click_entry(1)))
    assert claim_dead(folder) == []  # its owner holds the lock
    assert replay_dead(db, app, folder, errors()[1]) == 0
    assert stored_campaigns(database_path) == []
    alive.close()  # the owner dies
    assert replay_dead(db, app, folder, errors()[1]) == 1
    assert stored_campaigns(database_path) == ["c1"]


def test_the_first_request_replays_what_a_dead_process_left(app, client, database_path):
    app.config["TRACK_IN_BACKGROUND"] = False
    dead_journal(folder_of(app), [click_entry(n) for n in range(3)])
    visit(client, "/book?from=footer")
    assert sorted(stored_campaigns(database_path)) == ["", "c0", "c1", "c2"]
    assert len(os.listdir(folder_of(app))) == 1  # ours; the dead one is gone


# --- A full journal ------------------------------------------------------------------


def test_a_full_journal_drops_counts_and_shows_what_it_dropped(database_path, runner):
    app = make_app(database_path, JOURNAL_MAX_BYTES=1)  # no line fits
    client = app.test_client()
    for _ in range(3):
        assert visit(client, "/book?from=header").status_code == 302
    assert stored_campaigns(database_path) == []
    db = connect(str(database_path))
    try:
        assert lost_counts(db) == {"dropped": 3, "torn": 0}
    finally:
        db.conn.close()
    result = app.test_cli_runner().invoke(args=["stats"])
    assert "Dropped, journal full" in result.output
    assert "      3" in result.output.split("Dropped, journal full")[1].splitlines()[0]
    numbers = json.loads(app.test_cli_runner().invoke(args=["stats", "--json"]).output)
    assert numbers["journal_lost"] == {"dropped": 3, "torn": 0}


def test_drops_are_counted_once_even_when_the_file_is_replayed(app, database_path, db):
    folder = folder_of(app)
    small = Journal(folder, max_bytes=600)
    kept = sum(small.append(encode(click_entry(n))) for n in range(10))
    assert 0 < kept < 10 and small.dropped == 10 - kept
    path = small.path
    small.close()
    [(fd, claimed)] = claim_dead(folder)
    try:
        store_lines(db, app, fd, claimed, 0, True, errors()[1])
        store_lines(db, app, fd, claimed, 0, True, errors()[1])
    finally:
        os.close(fd)
    replay_dead(db, app, folder, errors()[1])
    assert lost_counts(db)["dropped"] == 10 - kept
    assert len(stored_campaigns(database_path)) == kept
    assert not path.exists()


def test_stats_json_has_no_journal_key_while_nothing_was_lost(runner):
    numbers = json.loads(runner.invoke(args=["stats", "--json"]).output)
    assert "journal_lost" not in numbers


# --- The database refusing ----------------------------------------------------------


def test_a_locked_database_leaves_events_in_the_journal_until_it_can(
    client, database_path, monkeypatch
):
    original = writer.immediate

    def impatient(database):
        # Give up at once rather than after the busy timeout: same outcome.
        database.execute("PRAGMA busy_timeout = 0")
        return original(database)

    monkeypatch.setattr(writer, "immediate", impatient)
    blocker = connect(str(database_path))
    blocker.execute("BEGIN EXCLUSIVE")  # another connection holds the lock
    try:
        for number in range(3):
            assert visit(client, f"/book?utm_content=r{number}").status_code == 302
    finally:
        blocker.execute("ROLLBACK")
        blocker.conn.close()
    assert stored_campaigns(database_path) == []
    visit(client, "/book?utm_content=r3")  # the database takes them all now
    assert stored_campaigns(database_path) == ["r0", "r1", "r2", "r3"]


# --- The visitor key ---------------------------------------------------------------


def test_a_late_event_keeps_its_day_without_bringing_the_old_salt_back(app, db):
    tz = practice_zone(app)
    today = datetime.datetime.now(tz).replace(hour=12, minute=0, second=0)
    yesterday = today - datetime.timedelta(days=1)
    with immediate(db):
        write_meta(db, SALT_META_KEY, f"{today.date().isoformat()}:{'ab' * 32}")
        db.execute(
            "INSERT INTO rolled_days (day, rolled_at) VALUES (?, 'x')",
            [yesterday.date().isoformat()],
        )
        db.execute(
            "INSERT INTO daily_counts VALUES (?, '*', 'view', 'total', '', 7, 7)",
            [yesterday.date().isoformat()],
        )
    with immediate(db):
        for number in range(2):
            store.write_entry(
                db,
                click_entry(number, at=yesterday.astimezone(datetime.UTC)),
                TEST_SECRET,
                tz,
                today=today.date().isoformat(),
            )
    rows = db.execute("SELECT day, visitor, repeat FROM events").fetchall()
    assert [row[0] for row in rows] == [yesterday.date().isoformat()] * 2
    # One reader is one visitor within that day too (the second click repeats).
    assert rows[0][1] == rows[1][1] and [row[2] for row in rows] == [0, 1]
    assert read_meta(db, SALT_META_KEY) == f"{today.date().isoformat()}:{'ab' * 32}"
    # The closed day is marked late, so its late events are counted.
    assert db.execute("SELECT day FROM late_days").fetchall() == [
        (yesterday.date().isoformat(),)
    ]


def test_a_day_reopened_by_a_late_event_is_rolled_up_again_and_pruned(app, db):
    tz = practice_zone(app)
    noon = datetime.datetime.now(tz).replace(hour=12, minute=0, second=0)
    days = [noon - datetime.timedelta(days=back) for back in (3, 2, 1)]

    def click_on(moment, number, today):
        with immediate(db):
            store.write_entry(
                db,
                click_entry(number, at=moment.astimezone(datetime.UTC)),
                TEST_SECRET,
                tz,
                today=today.isoformat(),
            )

    for number, moment in enumerate(days):
        click_on(moment, number, moment.date())
    assert ensure_rollups(db, noon.date()) == 3
    # A journal replayed late brings one more click for the middle day.
    click_on(days[1], 9, noon.date())
    assert ensure_rollups(db, noon.date()) == 1
    middle = days[1].date().isoformat()
    assert db.execute(
        "SELECT events FROM daily_counts WHERE day = ? AND kind = 'click' "
        "AND dimension = 'total'",
        [middle],
    ).fetchone() == (2,)
    # Rolled up again, its raw events go at the end of the retention too.
    prune(db, keep_days=1, today=noon.date())
    assert db.execute("SELECT count(*) FROM events").fetchone() == (0,)


def test_pseudonyms_differ_by_day_and_by_reader():
    one = store.pseudonym(TEST_SECRET, "2025-03-18", PRIVATE_IP, PHONE)
    assert one == store.pseudonym(TEST_SECRET, "2025-03-18", PRIVATE_IP, PHONE)
    assert one != store.pseudonym(TEST_SECRET, "2025-03-19", PRIVATE_IP, PHONE)
    assert one != store.pseudonym(TEST_SECRET, "2025-03-18", "203.0.113.198", PHONE)
    assert one != store.pseudonym("another-secret", "2025-03-18", PRIVATE_IP, PHONE)


def test_one_journal_per_process_and_folder(app):
    assert journal_for(app.config) is journal_for(app.config)
