"""The house: every module imports on its own, imports run one way, rooms stay small."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "webapp"
# Lower layers first: a package may import only itself and the ones before it.
LAYERS = (
    "core",
    "auth",
    "tracking",
    "site",
    "editor",
    "bookings",
    "notes",
    "stats",
    "digest",
)
MAX_LINES = 400


def module_names():
    """Every module of the webapp package, as dotted names."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def imported_packages(path):
    """The webapp packages (core, site, ...) that the module at ``path`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = path.relative_to(PACKAGE.parent).with_suffix("").parts
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                # "from ..core.db import x" seen from webapp/site/views.py
                base = list(here[: len(here) - node.level])
                target = base + (node.module.split(".") if node.module else [])
                if not node.module:
                    target += [alias.name for alias in node.names][:1]
            else:
                target = (node.module or "").split(".")
        elif isinstance(node, ast.Import):
            target = node.names[0].name.split(".")
        else:
            continue
        if len(target) >= 2 and target[0] == "webapp":
            found.add(target[1])
    return found


@pytest.mark.parametrize("module", module_names())
def test_every_module_imports_on_its_own(module):
    # A fresh interpreter per module: an import circle or a module that needs
    # another to be imported first fails here, whatever the import order.
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


# Imports every module named on the command line with atexit.register and
# os.register_at_fork recording each call made from our own code, then calls
# what init_app calls; prints both lists as JSON.
RECORD_HOOKS = """
import atexit, importlib, json, os, sys

calls = []

def recording(real):
    def record(*args, **kwargs):
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.partition(".")[0] == "webapp":
            calls.append(caller)
        return real(*args, **kwargs)
    return record

atexit.register = recording(atexit.register)
os.register_at_fork = recording(os.register_at_fork)
for name in sys.argv[1:]:
    importlib.import_module(name)
on_import = list(calls)
importlib.import_module("webapp.tracking.capture").install_process_hooks()
print(json.dumps({"import": on_import, "init": calls[len(on_import):]}))
"""


def test_importing_a_module_registers_no_fork_or_exit_hook():
    result = subprocess.run(
        [sys.executable, "-c", RECORD_HOOKS, *module_names()],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    hooks = json.loads(result.stdout)
    assert hooks["import"] == []
    # The recorder sees them: init_app registers the journal's and the writer's.
    assert hooks["init"] == ["webapp.tracking.writer"] * 3


def test_imports_run_one_way_between_packages():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2:
            continue  # webapp/__init__.py wires every package together
        layer = LAYERS.index(parts[0])
        for package in imported_packages(path):
            if package in LAYERS and LAYERS.index(package) > layer:
                wrong.append(f"{path.relative_to(PACKAGE.parent)} imports {package}")
    assert wrong == []


def test_the_layering_check_sees_an_upward_import(tmp_path):
    # The check above would pass on a parser that finds nothing: show it finds.
    path = PACKAGE / "core" / "db.py"
    assert imported_packages(path) == {"core"}
    views = PACKAGE / "stats" / "views.py"
    assert {"auth", "core", "site", "stats"} <= imported_packages(views)


def test_vocabulary_imports_nothing_else_of_ours():
    path = PACKAGE / "tracking" / "vocabulary.py"
    assert imported_packages(path) == set()


def test_no_module_is_over_400_lines():
    long = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_every_package_is_registered_from_create_app():
    source = (PACKAGE / "__init__.py").read_text(encoding="utf-8")
    for package in LAYERS:
        assert f"{package}.init_app(app)" in source
