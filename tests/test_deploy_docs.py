"""docs/deploy.md: linked, complete, and its owner commands exist.

tests/test_deploy_guide.py runs the guide's commands themselves.
"""

import re

from .servers import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "deploy.md"


def doc_commands():
    """Every command line in the doc's sh blocks (continuations joined)."""
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(), re.S)
    text = "\n".join(blocks).replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_readme_links_the_deploy_guide():
    assert "(docs/deploy.md)" in (PROJECT_ROOT / "README.md").read_text()


def test_the_guide_covers_the_whole_journey():
    text = DOC.read_text().lower()
    for topic in (
        "apt install",
        "useradd",
        "dns",
        "/etc/webapp/env",
        "deploy/webapp setup",
        "deploy/webapp install",
        "deploy/webapp password",
        "15 characters",
        "webapp-backup.timer",
        "restore.sh",
        "## upgrading",
        "## rolling back",
        "deploy/webapp rollback",
        "deploy/webapp newest",
        "nginx",
    ):
        assert topic in text, topic


def test_every_documented_owner_command_exists(runner):
    for command in doc_commands():
        match = re.search(r"manage\.sh (\S+)", command)
        if match:
            result = runner.invoke(args=[match.group(1), "--help"])
            assert result.exit_code == 0, f"{command}: no such command"
