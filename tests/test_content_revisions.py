"""The owner's saved words: revisions in SQLite, checked, shown live, backed up."""

import re
import time
from concurrent.futures import ThreadPoolExecutor

from webapp.core.db import connect
from webapp.site import revisions
from webapp.site.photos import photo_bytes, store_photo, stored_hash

from .conftest import READER_HEADERS, make_app
from .practice_data import FILLED_PRACTICE, write_practice
from .servers import (
    BROWSER_HEADERS,
    DEPLOY,
    FLASK,
    PROJECT_ROOT,
    migrated_database,
    production_env,
    request,
    run,
    serving,
    wait_until,
)
from .test_photos import picture_bytes

SHIPPED_ARTICLE = (
    PROJECT_ROOT / "content" / "articles" / "medical-or-therapeutic-massage.md"
)
HOME_FILE = "articles/medical-or-therapeutic-massage.md"
OLD_PRICE, NEW_PRICE = "$90", "$95"
NEW_PRACTICE = FILLED_PRACTICE.replace("price: 90", "price: 95")
# How long a worker may show the words from before a save.
LIVE_WITHIN = 2.0


def practice_app(tmp_path, database_path, **config):
    """The app with every practice block filled in (a session at $90)."""
    folder = tmp_path / "content"
    folder.mkdir(exist_ok=True)
    return make_app(database_path, PRACTICE_FILE=str(write_practice(folder)), **config)


def page(client):
    """The article as a reader's plain request gets it (the fast path's kind)."""
    with client.get("/", headers=READER_HEADERS) as response:
        assert response.status_code == 200
        return response.get_data(as_text=True)


def shows_within(client, words, seconds=LIVE_WITHIN):
    """Whether the article shows ``words`` within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if words in page(client):
            return True
        time.sleep(0.05)
    return words in page(client)


def saved_file(folder, name, text):
    """A file named ``name`` holding ``text``, as the owner edits one."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def revisions_in(database_path):
    """``(id, file, note)`` of every stored revision, oldest first."""
    db = connect(str(database_path))
    try:
        return db.execute(
            "SELECT id, file, note FROM content_revisions ORDER BY id"
        ).fetchall()
    finally:
        db.conn.close()


def test_save_history_export_and_revert_through_the_commands(tmp_path, database_path):
    app = practice_app(tmp_path, database_path, LOCALE="en_GB")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["content", "history"]).output == (
        "No saved revisions yet.\n"
    )
    edited = saved_file(tmp_path / "edits", "practice.yaml", NEW_PRACTICE)
    result = runner.invoke(
        args=["content", "save", str(edited), "--note", "New prices"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Saved practice.yaml as revision 1. "
        "The live site shows it within a second, no restart needed.\n"
    )
    later = NEW_PRACTICE.replace("price: 95", "price: 99")
    saved_file(tmp_path / "edits", "practice.yaml", later)
    assert runner.invoke(args=["content", "save", str(edited)]).exit_code == 0

    history = runner.invoke(args=["content", "history", "practice.yaml"]).output
    # Newest first; the day in the practice's locale (en_GB: 7 December 2026).
    assert re.fullmatch(
        r"2  \d{1,2} [A-Z][a-z]+ \d{4} \d\d:\d\d  practice\.yaml\n"
        r"1  \d{1,2} [A-Z][a-z]+ \d{4} \d\d:\d\d  practice\.yaml  New prices\n",
        history,
    ), history
    assert runner.invoke(args=["content", "history", HOME_FILE]).output == (
        "No saved revisions yet.\n"
    )

    result = runner.invoke(args=["content", "revert", "practice.yaml", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Restored revision 1 of practice.yaml as revision 3."
    )
    assert revisions_in(database_path)[-1] == (
        3,
        "practice.yaml",
        "restored revision 1",
    )

    out = tmp_path / "exported"
    result = runner.invoke(args=["content", "export", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out / 'practice.yaml'} (from revision 3)." in result.output
    assert (out / "practice.yaml").read_text() == NEW_PRACTICE
    # A file never saved is the content folder's.
    assert (out / HOME_FILE).read_text() == SHIPPED_ARTICLE.read_text()
    assert sorted(p.name for p in out.iterdir()) == [
        "articles",
        "practice.yaml",
        "privacy.md",
        "widgets.yaml",
    ]

    result = runner.invoke(args=["content", "revert", "practice.yaml", "7"])
    assert result.exit_code == 1
    assert "practice.yaml: there is no saved revision 7" in result.output


def test_a_saved_price_shows_on_the_page_without_a_new_app(tmp_path, database_path):
    app = practice_app(tmp_path, database_path)
    client = app.test_client()
    assert OLD_PRICE in page(client)
    assert OLD_PRICE in page(client)  # the fast path's kept answer now
    edited = saved_file(tmp_path / "edits", "practice.yaml", NEW_PRACTICE)
    result = app.test_cli_runner().invoke(args=["content", "save", str(edited)])
    assert result.exit_code == 0, result.output
    assert shows_within(client, NEW_PRICE)
    assert OLD_PRICE not in page(client)


def test_the_worker_that_saved_shows_the_new_words_at_its_next_request(
    tmp_path, database_path
):
    app = practice_app(tmp_path, database_path)
    client = app.test_client()
    assert OLD_PRICE in page(client)
    assert OLD_PRICE in page(client)  # looked just now, and kept by the fast path
    with app.app_context():
        db = connect(str(database_path))
        revisions.save(db, "practice.yaml", NEW_PRACTICE, "new prices")
        db.conn.close()
    # No wait: the owner who saved and opens the site sees the new price.
    assert NEW_PRICE in page(client)


def test_a_saved_article_title_shows_and_reverting_brings_the_old_one_back(
    tmp_path, database_path
):
    app = practice_app(tmp_path, database_path)
    client = app.test_client()
    old_title = re.search(r"^title: (.+)$", SHIPPED_ARTICLE.read_text(), re.M)[1]
    assert old_title in page(client)
    text = SHIPPED_ARTICLE.read_text().replace(old_title, "Massage, plainly told")
    edited = saved_file(tmp_path / "edits", HOME_FILE, text)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["content", "save", str(edited)]).exit_code == 0
    assert shows_within(client, "Massage, plainly told")
    assert old_title not in page(client)
    # The folder's words were never saved: saving them again is the way back.
    shipped = saved_file(tmp_path / "shipped", HOME_FILE, SHIPPED_ARTICLE.read_text())
    assert runner.invoke(args=["content", "save", str(shipped)]).exit_code == 0
    assert runner.invoke(args=["content", "revert", HOME_FILE, "1"]).exit_code == 0
    assert shows_within(client, "Massage, plainly told")
    assert runner.invoke(args=["content", "revert", HOME_FILE, "2"]).exit_code == 0
    assert shows_within(client, old_title)


def test_an_invalid_save_is_refused_naming_the_key_and_the_page_is_unchanged(
    tmp_path, database_path
):
    app = practice_app(tmp_path, database_path)
    client = app.test_client()
    assert OLD_PRICE in page(client)
    broken = NEW_PRACTICE.replace("price: 95", "price: ninety-five")
    edited = saved_file(tmp_path / "edits", "practice.yaml", broken)
    result = app.test_cli_runner().invoke(args=["content", "save", str(edited)])
    assert result.exit_code == 1
    assert "practice.yaml: key 'services[0].price'" in result.output
    assert "Saved" not in result.output
    assert revisions_in(database_path) == []
    time.sleep(0.6)  # past a worker's next look
    assert OLD_PRICE in page(client)


def test_a_file_of_another_name_is_refused(tmp_path, database_path):
    app = practice_app(tmp_path, database_path)
    edited = saved_file(tmp_path / "edits", "prices.yaml", NEW_PRACTICE)
    result = app.test_cli_runner().invoke(args=["content", "save", str(edited)])
    assert result.exit_code == 1
    assert "prices.yaml: not one of the site's files (widgets.yaml," in result.output
    assert revisions_in(database_path) == []


def test_a_300_kib_article_is_refused(tmp_path, database_path):
    app = practice_app(tmp_path, database_path)
    client = app.test_client()
    before = page(client)
    article = SHIPPED_ARTICLE.read_text()
    huge = article + "\n\n" + "Relax. " * (300 * 1024 // 7)
    edited = saved_file(tmp_path / "edits", HOME_FILE, huge)
    result = app.test_cli_runner().invoke(args=["content", "save", str(edited)])
    assert result.exit_code == 1
    assert f"{HOME_FILE}: " in result.output
    assert "at most 256 KiB is kept" in result.output
    assert revisions_in(database_path) == []
    assert page(client) == before


def store_revision(database_path, file, text, revision_id):
    """A revision written straight into the table (as an older version saved it)."""
    db = connect(str(database_path))
    try:
        db["content_revisions"].insert(
            {
                "id": revision_id,
                "file": file,
                "text": text,
                "saved_at": "2026-11-02T09:00:00+00:00",
                "note": "",
            }
        )
    finally:
        db.conn.close()


# What an upgrade that renamed ``hours_note`` would make of a saved revision.
RENAMED_KEY = NEW_PRACTICE.replace("hours_note:", "opening_note:")
NO_LONGER_FITS = (
    "practice.yaml: saved revision 12 no longer fits this "
    "version of the site: practice.yaml (revision 12): unknown key "
    "'opening_note' (a typing mistake?); the file in the content folder is shown"
)


def test_a_revision_that_no_longer_fits_is_skipped_with_a_warning(
    tmp_path, database_path
):
    store_revision(database_path, "practice.yaml", RENAMED_KEY, 12)
    app = practice_app(tmp_path, database_path)  # starts all the same
    client = app.test_client()
    assert OLD_PRICE in page(client)
    runner = app.test_cli_runner()
    with app.app_context():  # as the `flask` command gives it
        checked = runner.invoke(args=["check"]).output
        migrated = runner.invoke(args=["migrate"]).output
    assert f"warning: saved words: {NO_LONGER_FITS}\n" in checked
    assert f"warning: {NO_LONGER_FITS}\n" in migrated
    # Another file's saved words still show, and the export says where each is from.
    result = runner.invoke(args=["content", "export", str(tmp_path / "out")])
    assert "practice.yaml (from the content folder)" in result.output


def test_a_revision_made_invalid_while_serving_leaves_the_page_as_it_was(
    tmp_path, database_path
):
    app = practice_app(tmp_path, database_path)
    client = app.test_client()
    assert OLD_PRICE in page(client)
    store_revision(database_path, "practice.yaml", RENAMED_KEY, 12)
    time.sleep(0.6)
    assert OLD_PRICE in page(client)
    store_revision(database_path, "practice.yaml", NEW_PRACTICE, 13)
    assert shows_within(client, NEW_PRICE)


def test_a_database_not_yet_migrated_starts_on_the_folders_words(tmp_path):
    database = tmp_path / "never.db"
    app = practice_app(tmp_path, database)
    assert not database.exists(), "reading saved words must not create the file"
    assert OLD_PRICE in page(app.test_client())


def test_backup_then_restore_onto_a_fresh_database_keeps_revisions_and_photo(
    tmp_path,
):
    database = migrated_database(tmp_path)
    env = production_env(database)
    db = connect(str(database))
    photo = stored_hash(store_photo(db, picture_bytes()))
    kept = photo_bytes(db, photo)
    db.conn.close()
    edited = saved_file(tmp_path / "edits", "practice.yaml", NEW_PRACTICE)
    flask = [FLASK, "--app", "webapp"]
    run([*flask, "content", "save", edited, "--note", "New prices"], env, tmp_path)
    copy = tmp_path / "copy.db"
    run([*flask, "backup", copy], env, tmp_path)
    fresh = tmp_path / "fresh" / "data.db"
    fresh.parent.mkdir()
    restored_env = production_env(fresh)
    run([DEPLOY / "restore.sh", copy, fresh], restored_env, tmp_path)
    history = run([*flask, "content", "history"], restored_env, tmp_path).stdout
    assert re.fullmatch(r"1  .+  practice\.yaml  New prices\n", history), history
    out = tmp_path / "words"
    run([*flask, "content", "export", out], restored_env, tmp_path)
    assert (out / "practice.yaml").read_text() == NEW_PRACTICE
    restored = connect(str(fresh))
    assert photo_bytes(restored, photo) == kept
    restored.conn.close()


def answers(port, count):
    """``count`` article pages fetched at once (spread over the workers)."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(
            pool.map(
                lambda _: request(port, "/", headers=BROWSER_HEADERS).text,
                range(count),
            )
        )


def test_every_gunicorn_worker_serves_a_saved_change_within_two_seconds(tmp_path):
    with serving(tmp_path, args=["--workers", "4"]) as server:
        assert wait_until(lambda: len(server.worker_pids()) == 4, 30)
        # Every worker keeps the article's answer (the fast path) before the save.
        assert all(NEW_PRICE not in text for text in answers(server.port, 64))
        edited = saved_file(tmp_path / "edits", "practice.yaml", NEW_PRACTICE)
        env = production_env(server.database)
        run([FLASK, "--app", "webapp", "content", "save", edited], env, tmp_path)
        saved = time.monotonic()
        # Then every answer, 64 at a time from 8 connections, has the new price.
        while not all(NEW_PRICE in text for text in answers(server.port, 64)):
            assert time.monotonic() - saved < LIVE_WITHIN, "a worker shows old words"
        assert all(NEW_PRICE in text for text in answers(server.port, 200))


def migrate(database_path):
    """``flask migrate`` on a new app reading ``database_path``; its result."""
    app = make_app(database_path)
    with app.app_context():
        return app.test_cli_runner().invoke(args=["migrate"])


def test_versions_saved_as_article_md_become_the_home_articles_at_migrate(
    database_path,
):
    # Saved before there were several articles: the one article was home
    # without saying so, under the name article.md.
    legacy = SHIPPED_ARTICLE.read_text().replace("home: true\n", "")
    first = legacy.replace("Massage”?", "Massage, first try”?")
    second = legacy.replace("Massage”?", "Massage, plainly told”?")
    assert migrate(database_path).exit_code == 0
    db = connect(str(database_path))
    for text in (first, second):
        revisions._insert(db, "article.md", text, "an edit before the move")
    db.conn.close()
    assert "plainly told" not in page(make_app(database_path).test_client())

    migrated = migrate(database_path)
    assert migrated.exit_code == 0, migrated.output
    assert "warning" not in migrated.output
    assert [row[1] for row in revisions_in(database_path)] == [HOME_FILE, HOME_FILE]
    app = make_app(database_path)
    assert "plainly told" in page(app.test_client())
    with app.app_context():
        checked = app.test_cli_runner().invoke(args=["check"]).output
    assert f"the newest saved {HOME_FILE} shown" in checked
    assert "none saved yet" not in checked
    # Its history and restore work as for any version of it.
    runner = app.test_cli_runner()
    assert (
        "an edit before the move"
        in runner.invoke(args=["content", "history", HOME_FILE]).output
    )
    assert runner.invoke(args=["content", "revert", HOME_FILE, "1"]).exit_code == 0
    assert shows_within(app.test_client(), "first try")
    # Once only: a second migrate changes nothing.
    migrate(database_path)
    assert len(revisions_in(database_path)) == 3
