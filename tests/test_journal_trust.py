"""Only the site's own journals are replayed: no forged clicks through the folder.

The pen-test's attack: with a world-writable data directory (a
misconfiguration), another user made the journal folder a symbolic link to a
folder of theirs holding a journal of 500 forged clicks, and the site stored
them. Now the folder and each file must be this user's alone (not a link,
our uid, no group or other access); what is not is refused with one warning,
and the reader still gets the booking page. Real files, real SQLite; files
of another user are made with ``os.chown`` (the tests run as root).
"""

import datetime
import logging
import os
import stat
from pathlib import Path

import pytest

from webapp import create_app
from webapp.core.db import connect
from webapp.tracking import capture, journal
from webapp.tracking.journal import HEADER, Journal, encode, folder_of
from webapp.tracking.store import Entry
from webapp.tracking.writer import replay_dead

from .conftest import visit

SECRET = "trust-test-secret-key-0123456789abcdef"
BOOKING_URL = "https://booking.example/therapists/trust"
OTHER_UID = 65534  # nobody
FORGED = 500

# Planting another user's file needs root. Outside CI, a non-root run skips;
# in CI (CI=true) nothing is skipped: a non-root run fails at the chown.
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 and os.environ.get("CI") != "true", reason="chown needs root"
)


def click(campaign):
    """A booking click as a journal line holds it, told apart by its campaign."""
    return Entry(
        datetime.datetime.now(datetime.UTC).timestamp(),
        None,
        page="/",
        utm={"utm_content": campaign},
        device="mobile",
        browser="Mobile Safari",
        pseudonym="f" * 64,
        events=[{"kind": "click", "placement": "header"}],
    )


def forge(path, count=FORGED, mode=0o600, uid=None):
    """A journal file of ``count`` forged clicks, its owner dead (no lock)."""
    lines = b"".join(encode(click(f"forged{n}")) for n in range(count))
    path.write_bytes(HEADER % 0 + lines)
    os.chmod(path, mode)
    if uid is not None:
        os.chown(path, uid, uid)
    return path


def our_dead_journal(folder, count):
    """A journal our own worker wrote and left when it died."""
    left = Journal(folder)
    for number in range(count):
        assert left.append(encode(click(f"ours{number}")))
    path = left.path
    left.close()
    return path


def stored(database):
    """The campaigns of every stored click."""
    db = connect(str(database))
    try:
        return [r[0] for r in db.execute("SELECT utm_content FROM events")]
    finally:
        db.conn.close()


def warnings(caplog):
    """The warnings the site logged."""
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.fixture
def site(database_path):
    """The site as in production: journals stored by the background writer."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "DATABASE": str(database_path),
            "BOOKING_URL": BOOKING_URL,
            "TRACK_IN_BACKGROUND": True,
        }
    )


def click_through(site):
    """A reader's booking click; what they were answered, once it is all stored."""
    response = visit(site.test_client(), "/book?from=header&utm_content=reader")
    capture.flush()
    return response.status_code, response.headers["Location"]


# --- The folder -------------------------------------------------------------------


def planted_elsewhere(tmp_path, owner):
    """A folder outside ours holding a journal of forged clicks."""
    theirs = tmp_path / "elsewhere"
    theirs.mkdir()
    forged = forge(theirs / "4242-0123456789abcdef.journal")
    if owner == "another user":
        os.chown(forged, OTHER_UID, OTHER_UID)
        os.chmod(forged, 0o666)
        os.chown(theirs, OTHER_UID, OTHER_UID)
        os.chmod(theirs, 0o777)
    else:
        os.chmod(theirs, 0o700)  # as tidy as ours: only the link gives it away
    return theirs, forged


@pytest.mark.parametrize("owner", ["another user", "us"])
def test_a_journal_folder_that_is_a_link_is_never_followed(
    site, database_path, tmp_path, caplog, owner
):
    theirs, forged = planted_elsewhere(tmp_path, owner)
    before = forged.read_bytes()
    os.symlink(theirs, folder_of(site.config))
    for _ in range(3):
        assert click_through(site) == (302, BOOKING_URL)
    assert stored(database_path) == []
    # Neither replayed nor written to: the forged file is as it was, alone.
    assert forged.read_bytes() == before
    assert os.listdir(theirs) == [forged.name]
    [warning] = [w for w in warnings(caplog) if "symbolic link" in w]
    assert folder_of(site.config) in warning and "refused" in warning


@pytest.mark.parametrize(
    "planted", ["another user's", "open to others"], ids=["owner", "mode"]
)
def test_a_journal_folder_not_ours_alone_is_refused(
    site, database_path, caplog, planted
):
    folder = Path(folder_of(site.config))
    folder.mkdir()
    forge(folder / "4242-0123456789abcdef.journal")
    if planted == "another user's":
        os.chown(folder, OTHER_UID, OTHER_UID)
        os.chmod(folder, 0o700)
    else:
        os.chmod(folder, 0o755)
    for _ in range(2):
        assert click_through(site) == (302, BOOKING_URL)
    assert stored(database_path) == []
    [warning] = [w for w in warnings(caplog) if str(folder) in w]
    assert ("uid 65534" if planted == "another user's" else "mode 0755") in warning


def test_a_fixed_folder_is_used_again_without_a_restart(
    site, database_path, tmp_path, monkeypatch
):
    # Checked again at the next click, not REFUSED_RETRY_SECONDS later.
    monkeypatch.setattr(journal, "REFUSED_RETRY_SECONDS", 0)
    theirs, _forged = planted_elsewhere(tmp_path, "another user")
    folder = Path(folder_of(site.config))
    os.symlink(theirs, folder)
    assert click_through(site) == (302, BOOKING_URL)
    assert stored(database_path) == []
    folder.unlink()  # the owner removes the link
    assert click_through(site) == (302, BOOKING_URL)
    assert stored(database_path) == ["reader"]
    assert stat.S_IMODE(folder.lstat().st_mode) == 0o700


# --- Files in our own folder ------------------------------------------------------


def test_planted_files_in_our_folder_are_never_replayed(
    site, database_path, tmp_path, caplog
):
    folder = Path(folder_of(site.config))
    ours = our_dead_journal(folder, 3)
    loose = forge(folder / "4001-00000000000000aa.journal", mode=0o644)
    foreign = forge(folder / "4002-00000000000000bb.journal", uid=OTHER_UID)
    target = forge(tmp_path / "target.journal")
    link = folder / "4003-00000000000000cc.journal"
    link.symlink_to(target)
    assert click_through(site) == (302, BOOKING_URL)
    # Our dead worker's three clicks and the reader's; nothing forged.
    assert sorted(stored(database_path)) == ["ours0", "ours1", "ours2", "reader"]
    assert not ours.exists(), "our own dead journal was replayed and removed"
    assert loose.exists() and foreign.exists() and link.is_symlink()
    said = warnings(caplog)
    for planted, why in (
        (loose, "mode 0644"),
        (foreign, "uid 65534"),
        (link, "symbolic link"),
    ):
        [warning] = [w for w in said if planted.name in w]
        assert why in warning and "never replayed" in warning
    # Each is said once, however often the writer looks again.
    db = connect(str(database_path))
    try:
        for _ in range(2):
            assert replay_dead(db, site, str(folder), lambda *args: None) == 0
    finally:
        db.conn.close()
    assert len([w for w in warnings(caplog) if "never replayed" in w]) == 3
    assert sorted(stored(database_path)) == ["ours0", "ours1", "ours2", "reader"]


# --- flask check ------------------------------------------------------------------


def check(site):
    """`flask check`'s result, run as the `flask` command runs it."""
    with site.app_context():
        return site.test_cli_runner().invoke(args=["check"])


def test_flask_check_names_a_journal_folder_that_is_a_link(site, tmp_path):
    theirs, _forged = planted_elsewhere(tmp_path, "another user")
    os.symlink(theirs, folder_of(site.config))
    result = check(site)
    assert result.exit_code == 1
    assert f"error: Journal folder {folder_of(site.config)} is a symbolic link" in (
        result.output
    )


def test_flask_check_names_a_planted_journal_file(site):
    folder = Path(folder_of(site.config))
    our_dead_journal(folder, 1)
    ok = check(site)
    assert f"ok    journal: {folder} is this user's alone" in ok.output
    forge(folder / "4001-00000000000000aa.journal", mode=0o644)
    result = check(site)
    assert "4001-00000000000000aa.journal is open to group or others" in (result.output)
