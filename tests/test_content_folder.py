"""The owner's words are read from the content folder (FLASK_CONTENT_DIR).

``content/`` in a clone; on a server /var/lib/webapp/content, which upgrades
never touch (tests/test_deploy_content.py). A file's own setting
(FLASK_PRACTICE_FILE...) still wins over the folder.
"""

import shutil

from webapp import create_app
from webapp.site.content import CONTENT_DIR

from .servers import production_env
from .test_checks import flask

OWN_TITLE = "Ana writes these words in her own folder"


def own_folder(tmp_path):
    """A copy of the shipped content with the article's title changed."""
    folder = tmp_path / "own-content"
    shutil.copytree(CONTENT_DIR, folder)
    article = folder / "articles" / "medical-or-therapeutic-massage.md"
    text = article.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title: "))
    article.write_text(text.replace(title, f'title: "{OWN_TITLE}"', 1))
    return folder


def test_the_site_reads_the_configured_folder(database_path, tmp_path):
    folder = own_folder(tmp_path)
    config = {"TESTING": True, "DATABASE": str(database_path)}
    shipped = create_app(config).test_client().get("/")
    assert OWN_TITLE not in shipped.get_data(as_text=True)
    page = create_app({**config, "CONTENT_DIR": str(folder)}).test_client().get("/")
    assert page.status_code == 200
    assert OWN_TITLE in page.get_data(as_text=True)


def test_a_files_own_setting_wins_over_the_folder(database_path, tmp_path):
    folder = own_folder(tmp_path)
    (folder / "practice.yaml").write_text("therapist: [not, a, block]\n")
    fixed = tmp_path / "practice.yaml"
    shutil.copy(CONTENT_DIR / "practice.yaml", fixed)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(database_path),
            "CONTENT_DIR": str(folder),
            "PRACTICE_FILE": str(fixed),
        }
    )
    assert OWN_TITLE in app.test_client().get("/").get_data(as_text=True)


def test_a_mistake_in_the_folder_names_the_folders_file(database_path, tmp_path):
    folder = own_folder(tmp_path)
    (folder / "practice.yaml").write_text("therapist:\n  name: Ana\n  licence: a: b\n")
    env = production_env(database_path, FLASK_CONTENT_DIR=str(folder))
    result = flask(["check"], env, cwd=tmp_path)
    assert result.returncode == 1
    assert f"error: {folder / 'practice.yaml'}: line 3" in result.stderr


def test_check_says_which_folder_it_reads(database_path, tmp_path):
    result = flask(["check"], production_env(database_path), cwd=tmp_path)
    assert f"ok    content: read from {CONTENT_DIR}\n" in result.stdout
    folder = own_folder(tmp_path)
    env = production_env(database_path, FLASK_CONTENT_DIR=str(folder))
    said = flask(["check"], env, cwd=tmp_path).stdout
    assert f"ok    content: read from {folder}\n" in said
    env["FLASK_PRACTICE_FILE"] = str(folder / "practice.yaml")
    said = flask(["check"], env, cwd=tmp_path).stdout
    assert f"ok    content: read from {folder} (practice.yaml from {folder}" in said
