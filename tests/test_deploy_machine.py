"""A server in a folder, for the deploy helper's tests (no tests of its own).

``Machine`` builds what docs/deploy.md builds on a VPS, under a temporary
root folder (``WEBAPP_ROOT``): a bare git repository standing in for the
hosted one, a clone in <root>/srv/webapp with its virtualenv on Debian's
python3, an owner who has only ``sudo`` (a real user, with a sudoers
drop-in, both removed afterwards) and tests/test_deploy_standin.py as the
``systemctl`` on sudo's PATH.
"""

import contextlib
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

from .servers import wait_until

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STAND_IN = Path(__file__).with_name("test_deploy_standin.py")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/",
}
SYSTEM_PYTHON = "/usr/bin/python3"
SECURE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SKIPPED_DEPS = ("webapp", "__editable__", "_distutils_hack", "distutils-precedence")


def sh(*args, cwd=None, env=None, check=True):
    """Run a command (as root, the test's own user); CompletedProcess."""
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env={**GIT_ENV, **(env or {})},
        capture_output=True,
        text=True,
        check=check,
        timeout=600,
    )


def dependencies_folder(base):
    """The project venv's installed packages (not the project), as hard links.

    Hard links, not symbolic ones: the checkout may sit in a folder only
    root can enter (a 0700 temporary folder, as CI's clean clone does), and
    the site's user must still read these. Copied when hard links cannot be
    made (another file system).
    """
    site = next((PROJECT_ROOT / ".venv" / "lib").glob("python3*/site-packages"))
    folder = base / "deps"
    folder.mkdir()
    for entry in site.iterdir():
        if entry.name.startswith(SKIPPED_DEPS) or entry.suffix == ".pth":
            continue
        if sh("cp", "-al", entry, folder / entry.name, check=False).returncode:
            sh("cp", "-a", entry, folder / entry.name)
    return folder


class Machine:
    """A server under a temporary root, with an owner who uses sudo."""

    def __init__(self, base, owner):
        self.base = base
        self.root = base / "root"
        self.app = self.root / "srv" / "webapp"
        self.env_file = self.root / "etc" / "webapp" / "env"
        self.state = self.root / "var" / "lib" / "webapp"
        self.units = self.root / "etc" / "systemd" / "system"
        self.origin = base / "origin.git"
        self.work = base / "work"
        self.stub = base / "bin"
        self.owner = owner
        self.sudoers = Path(f"/etc/sudoers.d/webapp-test-{os.getpid()}")
        self.created_site_user = False

    def build(self, clone=True):
        """The hosted repository, the owner, the stand-in systemctl, the clone."""
        (self.root / "etc" / "caddy").mkdir(parents=True)
        self.commit_snapshot()
        self.make_owner()
        self.stub.mkdir()
        stand_in = self.stub / "systemctl"
        stand_in.write_text(
            f'#!/bin/sh\nexec {PROJECT_ROOT}/.venv/bin/python {STAND_IN} "$@"\n'
        )
        stand_in.chmod(0o755)
        self.created_site_user = sh("id", "-u", "webapp", check=False).returncode != 0
        if clone:
            sh("git", "clone", "--quiet", self.origin, self.app)
            self.make_venv()
        return self

    def commit_snapshot(self):
        """The project as it stands (git's files, edits included) as one commit."""
        self.work.mkdir()
        listed = sh(
            "git", "-C", PROJECT_ROOT, "ls-files", "-z", "--cached", "--others",
            "--exclude-standard",
        )  # fmt: skip
        assert listed.returncode == 0
        for name in filter(None, listed.stdout.split("\0")):
            source = PROJECT_ROOT / name
            if source.is_file():  # not a file deleted in the working tree
                (self.work / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, self.work / name)
        sh("rm", "-rf", self.work / "deploy" / "__pycache__")
        sh("git", "init", "--quiet", "-b", "main", cwd=self.work)
        sh("git", "add", "-A", cwd=self.work)
        sh("git", "commit", "--quiet", "-m", "release one", cwd=self.work)
        sh("git", "init", "--quiet", "--bare", "-b", "main", self.origin)
        sh("git", "push", "--quiet", self.origin, "main", cwd=self.work)

    def release(self, message, marker, unit_comment=None):
        """A new upstream commit: a marker in the page's code and in the shipped
        article (which a server's own copy keeps out), perhaps a unit change."""
        article = (
            self.work / "content" / "articles" / "medical-or-therapeutic-massage.md"
        )
        article.write_text(article.read_text() + f"\n{marker}\n")
        base = self.work / "templates" / "base.html"
        base.write_text(base.read_text() + f"<!-- {marker} -->\n")
        if unit_comment:
            unit = self.work / "deploy" / "webapp.service"
            unit.write_text(unit.read_text() + f"# {unit_comment}\n")
        sh("git", "commit", "--quiet", "-am", message, cwd=self.work)
        sh("git", "push", "--quiet", self.origin, "main", cwd=self.work)
        return sh("git", "rev-parse", "HEAD", cwd=self.work).stdout.strip()

    def make_venv(self):
        """Debian's python3 venv, with the project's dependencies linked in."""
        venv = self.app / ".venv"
        system = sh(SYSTEM_PYTHON, "-c", "import sys; print(sys.version_info[:2])")
        if system.stdout.strip() != str(sys.version_info[:2]):
            pytest.fail(
                f"{SYSTEM_PYTHON} is {system.stdout.strip()}, the project's venv "
                f"{sys.version_info[:2]}: the test clone borrows the venv's packages"
            )
        sh(SYSTEM_PYTHON, "-m", "venv", venv)
        [site] = (venv / "lib").glob("python3*/site-packages")
        (site / "deps.pth").write_text(f"{dependencies_folder(self.base)}\n")
        # The console scripts pip would write for the linked packages.
        for name, entry in (
            ("flask", "flask.cli:main"),
            ("gunicorn", "gunicorn.app.wsgiapp:run"),
        ):
            module, function = entry.split(":")
            script = venv / "bin" / name
            script.write_text(
                f"#!{venv}/bin/python\nimport sys\nfrom {module} import {function}\n"
                f"sys.exit({function}())\n"
            )
            script.chmod(0o755)

    def make_owner(self):
        """A login user whose only power is sudo, as on a rented VPS."""
        sh("useradd", "--no-create-home", "--shell", "/bin/sh", self.owner)
        self.sudoers.write_text(
            f'Defaults:{self.owner} secure_path="{self.stub}:{SECURE_PATH}"\n'
            f'Defaults:{self.owner} env_keep += "WEBAPP_ROOT"\n'
            f"{self.owner} ALL=(ALL:ALL) NOPASSWD: ALL\n"
        )
        self.sudoers.chmod(0o440)
        sh("visudo", "-cf", self.sudoers)

    def as_owner(self, command, cwd="/"):
        """Run a shell command line as the owner (who types sudo), from ``cwd``."""
        return subprocess.run(
            ["runuser", "-u", self.owner, "--", "sh", "-c", command],
            cwd=cwd,
            env={"PATH": SECURE_PATH, "WEBAPP_ROOT": str(self.root), "HOME": "/"},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def helper(self, *args, cwd="/"):
        """``sudo /srv/webapp/deploy/webapp ARGS`` typed by the owner in ``cwd``."""
        words = " ".join(shlex.quote(str(a)) for a in args)
        result = self.as_owner(f"sudo {self.app}/deploy/webapp {words}", cwd=cwd)
        result.journal = self.journal()
        return result

    def journal(self):
        """What the units' commands printed (the stand-in's journal), its end."""
        log = self.root / "run" / "fake-systemd" / "journal.log"
        return log.read_text(errors="replace")[-3000:] if log.exists() else ""

    def setting(self, name):
        """A value in the installed env file."""
        for line in self.env_file.read_text().splitlines():
            if line.startswith(f"{name}="):
                return line.split("=", 1)[1].strip('"')
        return None

    def bind(self):
        """Where the installed gunicorn listens."""
        return self.setting("WEBAPP_BIND") or "127.0.0.1:8000"

    def page(self, path="/"):
        """The served page's text (the status must be 200)."""
        with urllib.request.urlopen(f"http://{self.bind()}{path}", timeout=10) as r:
            assert r.status == 200
            return r.read().decode()

    def wait_for_page(self, text):
        """True once the served page shows ``text`` (a reload is not instant)."""
        return wait_until(lambda: text in self.page())

    def calls(self):
        """Every systemctl call so far."""
        log = self.root / "run" / "fake-systemd" / "calls.log"
        return log.read_text().splitlines() if log.exists() else []

    def head(self):
        """The clone's checked-out commit."""
        return sh("git", "-C", self.app, "rev-parse", "HEAD").stdout.strip()

    def snapshot(self):
        """The clone's commit and every file under <root>/etc: did anything move?"""
        files = {
            str(path): path.read_bytes()
            for path in sorted((self.root / "etc").rglob("*"))
            if path.is_file()
        }
        return self.head(), files

    def tear_down(self):
        """Stop the site, remove the owner, the sudoers drop-in and the files."""
        env = {**os.environ, "WEBAPP_ROOT": str(self.root)}
        for unit in ("webapp",):
            subprocess.run(
                [sys.executable, STAND_IN, "stop", unit], env=env, check=False
            )
        self.sudoers.unlink(missing_ok=True)
        sh("userdel", self.owner, check=False)
        if self.created_site_user:
            sh("userdel", "webapp", check=False)
        sh("rm", "-rf", self.base)


@contextlib.contextmanager
def built_machine(clone=True):
    """A freshly built server (cloned or not yet), torn down whatever happens."""
    if not shutil.which("sudo"):
        pytest.fail("sudo is missing: apt-get install sudo (make test does)")
    base = Path(tempfile.mkdtemp(prefix="webapp-machine-", dir="/var/tmp"))
    base.chmod(0o755)
    machine = Machine(base, owner=f"wa-owner-{secrets.token_hex(3)}")
    try:
        yield machine.build(clone=clone)
    finally:
        machine.tear_down()
