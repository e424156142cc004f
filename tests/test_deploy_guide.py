"""docs/deploy.md, followed to the letter by an owner who uses sudo.

Every shell block marked ``<!-- runs in tests/test_deploy_guide.py -->`` runs,
in the guide's order, as a user whose only power is sudo, from ``/`` (never
the checkout), on a server under a temporary root (tests/test_deploy_machine.py).
Only what cannot be the same here is swapped: the repository's address for a
local bare one, /srv/webapp and /var/lib/webapp for the temporary ones,
example.com for a test domain, the example backup's name for a real one, and
the owner's home folder for one made for the test.
"""

import re
import subprocess
from pathlib import Path

import pytest

from .servers import DEPLOY, PROJECT_ROOT, free_port
from .test_deploy_machine import built_machine, sh

DOC = PROJECT_ROOT / "docs" / "deploy.md"
MARK = "<!-- runs in tests/test_deploy_guide.py -->"
MARKER_TWO = "A newer release, served after the upgrade."
EXAMPLE_BACKUP = "data-2025-03-18-033012.db"


def sh_blocks(text):
    """Every ```sh block of the guide: (marked to run here, its text)."""
    return [
        (marked == MARK, body)
        for marked, body in re.findall(r"(?:(\S[^\n]*)\n)?```sh\n(.*?)```", text, re.S)
    ]


def runnable_blocks():
    """The marked blocks, in order."""
    return [body for marked, body in sh_blocks(DOC.read_text()) if marked]


def empty_files(folder):
    """Files left empty under ``folder`` (a failed write leaves those)."""
    return [
        str(p) for p in Path(folder).rglob("*") if p.is_file() and not p.stat().st_size
    ]


def test_the_guide_marks_the_blocks_that_run_here():
    blocks = runnable_blocks()
    commands = "\n".join(blocks)
    for step in ("git clone", "setup", " set ", "install", "backup", "restore"):
        assert step in commands, step
    for step in ("upgrade", "changes", "rollback", "newest"):
        assert f"deploy/webapp {step}" in commands, step


def test_no_step_needs_the_current_folder_or_a_redirection_under_sudo():
    for _marked, body in sh_blocks(DOC.read_text()):
        for line in body.splitlines():
            if not line.startswith("sudo "):
                continue
            assert ">" not in line, line
            assert "$(cat" not in line, line
            words = line.split()
            paths = [w for w in words[2:] if "/" in w and not w.startswith("https://")]
            assert all(p.startswith(("/", "$HOME", '"$HOME')) for p in paths), line
    code = "\n".join(body for _marked, body in sh_blocks(DOC.read_text()))
    assert "cd " not in code
    # The code arrives by git clone only: a copy has no history to upgrade.
    assert "scp -r" not in code and "rsync" not in code


@pytest.fixture
def machine():
    """A server with nothing of the site on it yet: the guide clones it."""
    with built_machine(clone=False) as built:
        yield built


def test_every_runnable_block_works_as_a_sudo_user_from_another_folder(machine):
    # The owner's home folder, for the files the guide hands them.
    home = machine.base / "home"
    home.mkdir()
    sh("chown", machine.owner, home)
    own_article = (
        machine.state / "content" / "articles" / "medical-or-therapeutic-massage.md"
    )
    for body in runnable_blocks():
        if "tar -xzf" in body:
            # As on a new server: the examples, not the owner's words, until unpacked.
            words = own_article.read_bytes()
            own_article.write_text("Not the owner's words.\n")
        if "deploy/webapp upgrade" in body:
            machine.release("release two", MARKER_TWO, unit_comment="release two")
        script = (
            body.replace("https://github.com/YOU/massage-site.git", str(machine.origin))
            .replace("/srv/webapp", str(machine.app))
            .replace("/var/lib/webapp", str(machine.state))
            .replace("example.com", "massage.test")
        )
        if EXAMPLE_BACKUP in script:
            [newest] = sorted(p.name for p in (machine.state / "backups").iterdir())[
                -1:
            ]
            script = script.replace(EXAMPLE_BACKUP, newest)
        prelude = f"set -e\nexport HOME={home} USER={machine.owner}\n"
        result = machine.as_owner(prelude + script, cwd="/")
        assert result.returncode == 0, f"{body}\n{result.stdout}{result.stderr}"
        if "tar -xzf" in body:
            assert own_article.read_bytes() == words, "the content folder travels"
        assert not empty_files(machine.root / "etc"), body
        if "git clone" in body:
            # Not the guide's: the clone's packages come from the project's
            # virtualenv, not PyPI; `setup` then installs the site itself.
            machine.make_venv()
        if "deploy/webapp setup" in body:
            # Not the guide's: a free port, as other tests share this machine.
            bind = f"127.0.0.1:{free_port()}"
            assert machine.helper("set", "WEBAPP_BIND", bind).returncode == 0
    assert MARKER_TWO in machine.page(), "`newest` must serve the newest release"
    caddyfile = machine.root / "etc" / "caddy" / "Caddyfile"
    adapted = subprocess.run(
        ["caddy", "adapt", "--adapter", "caddyfile", "--config", str(caddyfile)],
        capture_output=True,
        text=True,
        env={"HOME": str(machine.base), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert adapted.returncode == 0, adapted.stderr
    assert '"host":["massage.test"]' in adapted.stdout


@pytest.mark.parametrize("name", sorted(p.name for p in DEPLOY.glob("[!_]*")))
def test_the_guide_names_every_shipped_deploy_file(name):
    assert f"deploy/{name}" in DOC.read_text()
