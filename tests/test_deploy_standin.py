"""The ``systemctl`` the deploy helper calls in tests (no tests of its own).

systemd is not running here, so tests/test_deploy_machine.py puts this file,
run as a script, first on the owner's sudo PATH as ``systemctl``. It records
each call and does what systemd would with the installed units: start runs
ExecStartPre then ExecStart (a real gunicorn on loopback) as the unit's User
with its EnvironmentFile, reload runs ExecReload, stop sends SIGTERM, and a
oneshot unit runs its ExecStart lines.
"""

import importlib.util
import os
import pwd
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = os.environ.get("WEBAPP_ROOT", "")


# --- The stand-in systemctl ----------------------------------------------------


def unit_file(name):
    """The installed unit's path; names without a suffix are services."""
    if "." not in name:
        name += ".service"
    return Path(f"{ROOT}/etc/systemd/system/{name}")


def parse_unit(path):
    """The unit's [Service] settings: each key's values, in order."""
    settings, section = {}, None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def env_file_parser():
    """deploy/envfile.py's ``parse``: systemd's own rules, ported from its source."""
    path = Path(__file__).resolve().parent.parent / "deploy" / "envfile.py"
    spec = importlib.util.spec_from_file_location("envfile", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.parse


def environment(settings):
    """The unit's environment: its EnvironmentFile, as systemd reads it."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    for assignment in settings.get("Environment", []):
        key, value = assignment.split("=", 1)
        env[key] = value
    for name in settings.get("EnvironmentFile", []):
        for key, value, _first, _last in env_file_parser()(Path(name).read_text()):
            env[key] = value
    return env


def as_unit_user(settings, line, mainpid=None):
    """The argv of an Exec line, run as the unit's User."""
    if mainpid is not None:
        line = line.replace("$MAINPID", str(mainpid))
    user = settings["User"][0]
    account = pwd.getpwnam(user)
    return [
        "setpriv",
        f"--reuid={account.pw_uid}",
        f"--regid={account.pw_gid}",
        "--init-groups",
        *shlex.split(line),
    ]


def run_dir():
    """Where the stand-in keeps its pids, logs and the calls it was given."""
    path = Path(f"{ROOT}/run/fake-systemd")
    path.mkdir(parents=True, exist_ok=True)
    return path


def main_pid(name):
    """The running main process of a unit, or None."""
    pid_file = run_dir() / f"{name}.pid"
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text())
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None
    return None if state in ("Z", "X") else pid


def run_lines(settings, key, mainpid=None):
    """Run each of the unit's ``key`` lines in turn; False at the first failure."""
    for line in settings.get(key, []):
        result = subprocess.run(
            as_unit_user(settings, line, mainpid),
            env=environment(settings),
            cwd=settings.get("WorkingDirectory", ["/"])[0],
            umask=0o077,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
        with open(run_dir() / "journal.log", "ab") as journal:
            journal.write(result.stdout)
        if result.returncode != 0:
            return False
    return True


def start(name, settings):
    """Start a unit as systemd would; False if it failed."""
    if settings.get("Type") == ["oneshot"]:
        return run_lines(settings, "ExecStart")
    if main_pid(name):
        return True
    if not run_lines(settings, "ExecStartPre"):
        return False
    journal = open(run_dir() / "journal.log", "ab")  # noqa: SIM115 (the child's)
    process = subprocess.Popen(
        as_unit_user(settings, settings["ExecStart"][0]),
        env=environment(settings),
        cwd=settings.get("WorkingDirectory", ["/"])[0],
        umask=0o077,
        stdin=subprocess.DEVNULL,
        stdout=journal,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    (run_dir() / f"{name}.pid").write_text(str(process.pid))
    return True


def stop(name):
    """SIGTERM to the main process, then wait until it is gone."""
    pid = main_pid(name)
    if pid is None:
        return True
    os.kill(pid, signal.SIGTERM)
    for _ in range(600):
        if main_pid(name) is None:
            return True
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    return True


def act(verb, name, quiet=False):
    """One verb on one unit; the exit status systemctl would give."""
    path = unit_file(name)
    if verb == "is-active":
        # Like systemctl: the state on standard output unless --quiet.
        running = path.exists() and main_pid(path.name) is not None
        if not quiet:
            print("active" if running else "inactive")
        return 0 if running else 3
    if not path.exists():
        # caddy, nginx: recorded only (their own tests run them for real).
        return 0
    if path.suffix == ".timer":
        return 0
    settings = parse_unit(path)
    if verb == "stop":
        return 0 if stop(path.name) else 1
    if verb == "restart" or (verb == "reload-or-restart" and not main_pid(path.name)):
        stop(path.name)
        return 0 if start(path.name, settings) else 1
    if verb == "start":
        return 0 if start(path.name, settings) else 1
    if verb in ("reload", "reload-or-restart"):
        pid = main_pid(path.name)
        if pid is None:
            print(f"{path.name} is not active, cannot reload.", file=sys.stderr)
            return 1
        return 0 if run_lines(settings, "ExecReload", pid) else 1
    print(f"stand-in systemctl: unknown verb {verb}", file=sys.stderr)
    return 1


def systemctl(argv):
    """The stand-in's entry point: record the call, then act on each unit."""
    with open(run_dir() / "calls.log", "a") as calls:
        calls.write(" ".join(argv) + "\n")
    words = [word for word in argv if not word.startswith("-")]
    verb, names = words[0], words[1:]
    if verb in ("daemon-reload", "enable", "disable"):
        return 0
    status = 0
    for name in names:
        status = act(verb, name, quiet="--quiet" in argv) or status
    if status and verb != "is-active":
        print(f"Job for {names[0]} failed.", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(systemctl(sys.argv[1:]))
