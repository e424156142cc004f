"""The space a large cancel or undo frees is reported; ``flask compact`` returns it.

The pen-test (issue 24): after cancelling a huge import, data.db stayed
185 MB with 45,087 of its 45,128 pages free, and nothing said so. Here a
20,000-booking import is cancelled on the dashboard (or undone from the
terminal), the free space is reported in the owner's words, and ``compact``
shrinks the real file.
"""

import re
import shutil
from pathlib import Path

from webapp.bookings import batches
from webapp.core import compact
from webapp.core.db import connect

from .bookings_data import export, generated, read, row
from .test_bookings_upload import HTMX, PAGE, batch_of, post_form, upload

BOOKINGS = 20_000


def big_export():
    """20,000 bookings with their client columns (dropped): about 3.6 MB."""
    rows, _by_status, _by_channel = generated(BOOKINGS)
    return export(rows)


def free_bytes(path):
    """The free pages inside the database file, in bytes."""
    db = connect(str(path))
    try:
        return compact.free_bytes(db)
    finally:
        db.conn.close()


def file_size(path):
    """The database file's size on disk (its write-ahead log checkpointed)."""
    db = connect(str(path))
    db.conn.close()  # the last connection to close copies the WAL in
    return Path(path).stat().st_size


def test_a_large_cancel_reports_the_free_space_and_compact_gives_it_back(
    app, owner_client, runner, database_path
):
    data = big_export()
    batch = batch_of(upload(owner_client, data).text)
    grown = file_size(database_path)
    response = post_form(owner_client, f"{PAGE}/{batch}/cancel", HTMX)
    html = response.get_data(as_text=True)
    free = free_bytes(database_path)
    assert free > grown / 2
    size = compact.megabytes(free)
    assert (
        f"The preview was discarded: nothing was imported. About {size} inside the "
        "site’s database file is now free: later imports reuse it, and it goes back "
        "to the disk when the database is next compacted on the server."
    ) in html
    # The owner is never told to run a command they cannot run.
    assert "flask" not in html.split('id="bookings-panel"')[-1]
    # The plain form's redirect says the same.
    page = owner_client.get(f"{PAGE}?done=cancelled").text
    assert f"About {size} inside the site’s database file is now free" in page

    assert file_size(database_path) == grown  # deleting never shrinks the file
    result = runner.invoke(args=["compact"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Compacted {database_path} in ")
    after = file_size(database_path)
    assert after < grown - free * 0.9, (grown, free, after)
    assert free_bytes(database_path) == 0
    again = runner.invoke(args=["compact"])
    assert again.output.strip() == (
        f"Nothing to give back: {database_path} has no free space inside."
    )
    assert file_size(database_path) == after


def test_undo_on_the_terminal_names_the_command_that_gives_space_back(
    runner, tmp_path, database_path
):
    path = tmp_path / "year.csv"
    path.write_bytes(big_export())
    assert runner.invoke(args=["bookings", "import", str(path)]).exit_code == 0
    result = runner.invoke(args=["bookings", "undo", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Undid import 1: removed 20,000 bookings."
    size = compact.megabytes(free_bytes(database_path))
    assert lines[1] == (
        f"About {size} inside the database file is free now; run "
        "`flask --app webapp compact` to give it back to the disk."
    )
    assert float(re.match(r"[\d.]+", size).group()) >= 1


def test_a_small_cancel_or_undo_says_nothing_about_space(
    owner_client, runner, database_path
):
    batch = batch_of(upload(owner_client, export([row()])).text)
    response = post_form(owner_client, f"{PAGE}/{batch}/cancel", HTMX)
    assert "database file" not in response.get_data(as_text=True)
    db = connect(str(database_path))
    try:
        batches.store(db, read(export([row()])), "a.csv", confirmed=True)
    finally:
        db.conn.close()
    result = runner.invoke(args=["bookings", "undo", "2"])
    assert result.output.strip() == "Undid import 2: removed 1 booking."


def test_compact_refuses_without_room_on_the_disk(
    owner_client, runner, database_path, monkeypatch
):
    batch = batch_of(upload(owner_client, big_export()).text)
    post_form(owner_client, f"{PAGE}/{batch}/cancel")
    before = file_size(database_path)
    free = free_bytes(database_path)

    def full_disk(folder):
        return shutil._ntuple_diskusage(10**9, 10**9 - 1024, 1024)

    monkeypatch.setattr(shutil, "disk_usage", full_disk)
    result = runner.invoke(args=["compact"])
    assert result.exit_code == 1
    assert "not enough free disk to compact" in result.output
    assert "Nothing was changed." in result.output
    assert file_size(database_path) == before
    assert free_bytes(database_path) == free


def test_compact_says_what_it_costs(runner):
    help_text = " ".join(runner.invoke(args=["compact", "--help"]).output.split())
    for cost in (
        "rewrites the whole file",
        "as much free disk",
        "writes",
        "wait while it runs",
        "Litestream",
        "sends the whole file",
        "Example:",
        "flask --app webapp compact",
    ):
        assert cost in help_text, cost
