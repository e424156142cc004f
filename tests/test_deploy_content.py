"""The owner's words on a server: /var/lib/webapp/content, never touched by upgrades.

deploy/webapp seeds the folder from the checkout's content/ as the site's
user (a file already there is never replaced, a symbolic link never
followed), points FLASK_CONTENT_DIR at it, and carries a server set up
before it over: the words edited in the checkout become the folder's, and
the upgrade goes through without anything lost.
"""

import html

import pytest

from .test_deploy_helper import installed, last_line, ok, refused
from .test_deploy_machine import sh

OWN_WORDS = "A paragraph of the owner, written on the server."
MARKER_TWO = "Release two of the code, with a new shipped example."
CHECKOUT_EDIT = "  name: Ana Edited-In-The-Clone\n"
HOME_ARTICLE = "articles/medical-or-therapeutic-massage.md"


def read_as_site(path):
    """A file's text, read as the site's user (its folder is 0750)."""
    return sh("runuser", "-u", "webapp", "--", "cat", path).stdout


def edit_as_site(path, text):
    """The owner's edit of one of their files (sudo nano keeps its owner)."""
    with open(path, "a", encoding="utf-8") as file:
        file.write(text)


def test_setup_seeds_the_folder_and_upgrades_never_touch_it(machine):
    installed(machine, "/")
    folder = machine.state / "content"
    assert machine.setting("FLASK_CONTENT_DIR") == str(folder)
    site_uid = machine.state.stat().st_uid
    for name in (HOME_ARTICLE, "practice.yaml", "widgets.yaml", "privacy.md"):
        assert (folder / name).stat().st_uid == site_uid != 0, name
        shipped = machine.app / "content" / name
        assert (folder / name).read_bytes() == shipped.read_bytes()
    said = ok(machine.helper("check"))
    assert f"ok    content: read from {folder}" in said

    # The owner writes in their own copy; install shows it.
    edit_as_site(folder / HOME_ARTICLE, f"\n{OWN_WORDS}\n")
    ok(machine.helper("install"))
    assert machine.wait_for_page(OWN_WORDS)
    # setup again never replaces a file that is there.
    ok(machine.helper("setup"))
    assert OWN_WORDS in (folder / HOME_ARTICLE).read_text()

    # A release that changes the shipped article: the code moves, the
    # owner's words stay, and upgrade says which examples changed.
    mine = (folder / HOME_ARTICLE).read_bytes()
    machine.release("release two", MARKER_TWO)
    result = machine.helper("upgrade", cwd="/root")
    out = ok(result)
    print(out)
    assert (folder / HOME_ARTICLE).read_bytes() == mine
    assert machine.wait_for_page(f"<!-- {MARKER_TWO} -->")  # the new code runs
    page = machine.page()
    assert OWN_WORDS in page
    assert f"{MARKER_TWO}</p>" not in page  # not the shipped article's new words
    assert f"shipped examples changed: {HOME_ARTICLE}" in out
    assert f"your own words in {folder} were not touched" in out
    diff = f"sudo diff -u {folder}/{HOME_ARTICLE} {machine.app}/content/{HOME_ARTICLE}"
    assert diff in out
    assert last_line(result).startswith("webapp upgrade: upgraded from")


@pytest.mark.parametrize("newer", [True, False], ids=["release", "up-to-date"])
def test_a_server_set_up_before_the_folder_carries_its_words_over(machine, newer):
    installed(machine, "/")
    # As such a server was: no FLASK_CONTENT_DIR, no folder, and the
    # practice's details filled in inside the checkout, as the file said.
    lines = machine.env_file.read_text().splitlines()
    kept = [line for line in lines if not line.startswith("FLASK_CONTENT_DIR=")]
    machine.env_file.write_text("\n".join(kept) + "\n")
    sh("rm", "-rf", machine.state / "content")
    practice = machine.app / "content" / "practice.yaml"
    text = practice.read_text()
    assert "\n  name:\n" in text
    edited = text.replace("\n  name:\n", "\n" + CHECKOUT_EDIT, 1)
    practice.write_text(edited)
    if newer:
        machine.release("release two", MARKER_TWO)

    calls_before = len(machine.calls())
    result = machine.helper("upgrade")
    out = ok(result)
    print(out, result.stderr)
    folder = machine.state / "content"
    assert read_as_site(folder / "practice.yaml") == edited
    assert "moved your edits of practice.yaml" in out
    assert machine.setting("FLASK_CONTENT_DIR") == str(folder)
    clean = sh("git", "-C", machine.app, "status", "--porcelain").stdout
    assert "content/" not in clean
    assert "git checkout --" not in out + result.stderr
    # The site restarted, to read the folder, even with no newer version.
    assert "restart webapp" in machine.calls()[calls_before:]
    if newer:
        assert machine.wait_for_page(f"<!-- {MARKER_TWO} -->")
    else:
        assert "already the newest version" in last_line(result)
        assert "installed again, so that the site reads your words" in out
    assert "Ana Edited-In-The-Clone" in html.unescape(machine.page())


def test_a_clone_edit_never_replaces_the_owners_own_edit(machine):
    installed(machine, "/")
    folder = machine.state / "content"
    edit_as_site(folder / "privacy.md", f"\n{OWN_WORDS}\n")
    mine = (folder / "privacy.md").read_bytes()
    privacy = machine.app / "content" / "privacy.md"
    privacy.write_text(privacy.read_text() + "\nWritten in the clone by mistake.\n")
    machine.release("release two", MARKER_TWO)
    out = ok(machine.helper("upgrade"))
    print(out)
    assert (folder / "privacy.md").read_bytes() == mine
    [beside] = folder.glob("privacy.md.from-clone-*")
    assert "Written in the clone by mistake." in beside.read_text()
    assert f"kept beside them as {beside.name}" in out


def test_setup_refuses_a_content_folder_the_site_user_replaced(machine):
    ok(machine.helper("setup"))
    folder = machine.state / "content"
    sh("rm", "-rf", folder)
    target = machine.base / "target"
    target.mkdir(mode=0o755)
    sh("runuser", "-u", "webapp", "--", "ln", "-s", target, folder)
    refused(machine.helper("setup"), f"{folder} is a symbolic link")
    assert not list(target.iterdir())
    # A file planted as a symbolic link inside the folder is never replaced
    # nor written through.
    folder.unlink()
    ok(machine.helper("setup"))
    planted = folder / HOME_ARTICLE
    planted.unlink()
    sh("runuser", "-u", "webapp", "--", "ln", "-s", target / "x", planted)
    ok(machine.helper("setup"))
    assert planted.is_symlink()
    assert not (target / "x").exists()


def test_a_folder_with_its_own_article_md_keeps_it_as_its_home_article(machine):
    installed(machine, "/")
    folder = machine.state / "content"
    # As a server seeded before there were several articles: article.md only.
    legacy = (folder / HOME_ARTICLE).read_text().replace("home: true\n", "")
    sh("rm", "-rf", folder / "articles")
    (folder / "article.md").write_text(f"{legacy}\n{OWN_WORDS}\n")
    sh("chown", "webapp:", folder / "article.md")
    ok(machine.helper("install"))
    assert not (folder / "articles").exists()  # no second home seeded
    assert machine.wait_for_page(OWN_WORDS)
