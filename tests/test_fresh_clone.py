"""A fresh clone passes the fast checks on its own, wherever it lands.

The clone is of the committed HEAD, in a private (0700) temporary folder with
nothing beside it: no ../shared, no .venv, no node_modules. Our interpreter
runs it, but the code imported is the clone's, which the run prints.
WEBAPP_CLONE_SOURCE names another repository to clone (to try this test on
changes before they are committed).
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOURCE = os.environ.get("WEBAPP_CLONE_SOURCE", str(PROJECT_ROOT))
BIN = Path(sys.executable).parent
# The fast part of the suite: no browser, no gunicorn; the import-per-module
# check of test_structure.py alone takes a minute, so it stays out.
FAST_TESTS = (
    "tests/test_article.py",
    "tests/test_structure.py",
    "tests/test_deploy_backup.py::"
    "test_manage_script_runs_owner_commands_as_the_site_user",
    "tests/test_migrations.py",
    "tests/test_widgets_content.py",
    "tests/test_content_schema.py",
    "tests/test_periods_export.py",
    "tests/test_errors.py",
)
# Run in the clone: say which webapp package is imported, then run the tests
# in this same interpreter, so they test that package.
RUN_TESTS = (
    "import sys, pytest, webapp; "
    "print('webapp imported from', webapp.__file__, flush=True); "
    "sys.exit(pytest.main(sys.argv[1:]))"
)


def run(command, cwd, env=None):
    """Run a command; fail the test with its output when it fails."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def clone():
    """A clone of HEAD in a fresh private temporary folder."""
    if shutil.which("git") is None:
        pytest.fail("git is not installed: a fresh clone needs it", pytrace=False)
    folder = Path(tempfile.mkdtemp()).resolve()
    try:
        run(["git", "clone", "--quiet", SOURCE, folder / "checkout"], "/")
        yield folder / "checkout"
    finally:
        shutil.rmtree(folder)


def test_a_fresh_clone_in_a_private_folder_passes_the_fast_checks(clone):
    assert clone.parent.stat().st_mode & 0o777 == 0o700
    assert not (clone.parent / "shared").exists()
    assert not (clone / ".venv").exists()

    run([BIN / "ruff", "check", "."], clone)
    run([BIN / "ruff", "format", "--check", "."], clone)

    env = {**os.environ, "PYTHONPATH": str(clone)}
    env.pop("PYTEST_ADDOPTS", None)
    result = run(
        [
            sys.executable,
            "-c",
            RUN_TESTS,
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "not test_every_module_imports_on_its_own",
            *FAST_TESTS,
        ],
        clone,
        env,
    )
    assert f"webapp imported from {clone}/webapp/__init__.py" in result.stdout
    assert " passed" in result.stdout
    assert "skipped" not in result.stdout, "a fresh clone must not skip any of them"
