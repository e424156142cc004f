"""The shipped gunicorn config, really serving on loopback: pages, reload, refusals."""

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from .servers import (
    BOOKING_URL,
    DEPLOY,
    GUNICORN,
    Gunicorn,
    asset_path,
    migrated_database,
    production_env,
    request,
    serving,
    wait_until,
    without_root_powers,
)

# Bounds for the reload test: it stops at whichever comes first.
TRAFFIC_THREADS = 4
MAX_REQUESTS = 4000
MAX_SECONDS = 40
STARTUP = 30


def test_shipped_config_runs_several_gthread_workers(served):
    log = served.log()
    assert "Using worker: gthread" in log
    assert len(set(served.worker_pids())) >= 3
    assert f"Listening at: http://127.0.0.1:{served.port}" in log
    assert ":8000" not in log, "--bind on the command line must win over the file"


def test_page_health_static_and_booking_over_real_http(served):
    page = request(served.port, "/")
    assert page.status == 200
    assert "text/html" in page.headers["content-type"]
    assert "Massage" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]

    health = request(served.port, "/healthz")
    assert (health.status, health.text) == (200, "ok\n")

    booking = request(served.port, "/book?from=footer")
    assert booking.status == 302
    assert booking.headers["location"] == BOOKING_URL
    assert booking.headers["cache-control"] == "no-store"

    css = request(served.port, asset_path(page.text, "css/site.css"))
    assert css.status == 200
    assert "immutable" in css.headers["cache-control"]
    assert "max-age=31536000" in css.headers["cache-control"]


def widget_fragment_path(page_html):
    """The first widget fragment URL the page asks htmx to load."""
    match = re.search(r'data-hx-get="(/widgets/[^"]+)"', page_html)
    assert match, "the page links no widget fragment"
    return match.group(1).replace("&amp;", "&")


def test_widget_fragment_over_real_http(served):
    path = widget_fragment_path(request(served.port, "/").text)
    fragment = request(served.port, path, headers={"HX-Request": "true"})
    assert fragment.status == 200
    assert "<html" not in fragment.text
    assert fragment.text.strip()
    assert "HX-Request" in fragment.headers["vary"]
    # Without htmx the same URL leads to the full page, never a bare fragment.
    assert request(served.port, path).status == 302


def test_head_and_unknown_urls_never_fail(served):
    assert request(served.port, "/", method="HEAD").status == 200
    assert request(served.port, "/no/such/page").status == 404
    assert request(served.port, "/book?from=%00%ff" + "x" * 3000).status == 302


def test_access_log_keeps_no_address_or_user_agent(served):
    before = served.log()
    request(
        served.port,
        "/robots.txt?utm_source=logtest",
        headers={
            "User-Agent": "DistinctiveAgent/9.9 (log test)",
            "X-Forwarded-For": "203.0.113.77",
            "Referer": "https://referrer.example/secret-path",
        },
    )
    logged = '"GET /robots.txt HTTP/1.1" 200'
    assert wait_until(lambda: logged in served.log()[len(before) :]), served.log()
    lines = [
        line for line in served.log()[len(before) :].splitlines() if logged in line
    ]
    assert len(lines) == 1, served.log()
    line = lines[0]
    for private in ("127.0.0.1", "DistinctiveAgent", "203.0.113.77", "referrer"):
        assert private not in line
    assert "logtest" not in served.log(), "no query string in the log"


def test_chooser_answers_never_reach_the_access_log(served):
    answers = (
        "reason=problem&referral=yes&today=none&health=surgery&health=pregnant"
        "&mention=none&goal=relief"
    )
    before = served.log()
    page = request(served.port, "/?aspect=training", method="POST", body=answers)
    assert page.status == 200
    assert "talk to your healthcare provider" in page.text.lower()
    assert "no-store" in page.headers["cache-control"]
    fragment = request(
        served.port,
        "/widgets/chooser",
        method="POST",
        body=answers,
        headers={"HX-Request": "true", "HX-Current-URL": "http://x/?aspect=training"},
    )
    assert fragment.status == 200
    assert "hx-push-url" not in fragment.headers
    posted = ('"POST / HTTP/1.1" 200', '"POST /widgets/chooser HTTP/1.1" 200')
    assert wait_until(
        lambda: all(line in served.log()[len(before) :] for line in posted)
    ), served.log()
    log = served.log()
    for word in ("surgery", "pregnant", "health=", "problem", "referral", "relief"):
        assert word not in log


def test_forwarded_headers_are_ignored_without_a_proxy_count(served):
    # gunicorn itself must not believe X-Forwarded-Proto (PROXY_COUNT=0).
    spoofed = request(
        served.port,
        "/",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
    )
    assert spoofed.status == 200
    assert "strict-transport-security" not in spoofed.headers
    assert "evil.example" not in spoofed.text


def _traffic(port, paths, stop, results, lock):
    """Fire requests until told to stop; record every outcome."""
    i = 0
    while not stop.is_set():
        path, expected, headers = paths[i % len(paths)]
        i += 1
        try:
            status = request(port, path, headers=headers, timeout=15).status
            outcome = "ok" if status == expected else f"{path}: HTTP {status}"
        except OSError as error:  # refused, reset, timed out
            outcome = f"{path}: {type(error).__name__}: {error}"
        with lock:
            results.append(outcome)
            if len(results) >= MAX_REQUESTS:
                stop.set()


def _count(results, lock):
    with lock:
        return len(results)


def test_graceful_reload_mid_traffic_fails_no_request(served):
    page = request(served.port, "/").text
    paths = [
        ("/", 200, {}),
        ("/healthz", 200, {}),
        ("/book?from=footer", 302, {}),
        (asset_path(page, "css/site.css"), 200, {}),
        (widget_fragment_path(page), 200, {"HX-Request": "true"}),
    ]
    old_workers = set(served.worker_pids())
    stop, lock, results = threading.Event(), threading.Lock(), []
    threads = [
        threading.Thread(
            target=_traffic, args=(served.port, paths, stop, results, lock)
        )
        for _ in range(TRAFFIC_THREADS)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + MAX_SECONDS
    reloaded_at = None

    def reloaded_and_answered_more():
        """Every old worker gone, the new ones up and 300 more requests answered."""
        nonlocal reloaded_at
        if reloaded_at is None:
            log = served.log()
            old_gone = all(f"Worker exiting (pid: {pid})" in log for pid in old_workers)
            new_up = len(set(served.worker_pids()) - old_workers) >= len(old_workers)
            if old_gone and new_up:
                reloaded_at = _count(results, lock)
        answered = _count(results, lock)
        return stop.is_set() or (
            reloaded_at is not None and answered > reloaded_at + 300
        )

    try:
        wait_until(lambda: _count(results, lock) >= 200, MAX_SECONDS, every=0.05)
        served.signal(signal.SIGHUP)
        # Keep the traffic going until every old worker has left and the new
        # ones have answered a few hundred more requests.
        wait_until(reloaded_and_answered_more, deadline - time.monotonic(), every=0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    log = served.log()
    assert reloaded_at is not None, f"the reload did not finish in time:\n{log}"
    failures = [outcome for outcome in results if outcome != "ok"]
    assert not failures, f"{len(failures)} of {len(results)} failed: {failures[:5]}"
    assert "Handling signal: hup" in log
    assert served.process.poll() is None, "gunicorn must still be running"
    assert request(served.port, "/healthz").status == 200


def _start_and_fail(env, cwd, unprivileged=False):
    """Run gunicorn with the shipped config; it must exit on its own."""
    command = Gunicorn(env, cwd, os.devnull).command()
    if unprivileged:
        command = without_root_powers(command)
    return subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def _error_lines(output):
    """gunicorn's "Error: ..." lines."""
    return [line for line in output.splitlines() if line.startswith("Error:")]


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ({"FLASK_SECRET_KEY": None}, "FLASK_SECRET_KEY is not set: generate one with"),
        ({"FLASK_SECRET_KEY": "change-me"}, "FLASK_SECRET_KEY is an example value"),
        ({"FLASK_SECRET_KEY": "too-short"}, "FLASK_SECRET_KEY is too short (9 char"),
        ({"FLASK_PROXY_COUNT": "-1"}, "FLASK_PROXY_COUNT must be a whole number"),
    ],
)
def test_gunicorn_refuses_a_bad_configuration_with_one_line(tmp_path, change, line):
    database = migrated_database(tmp_path)
    result = _start_and_fail(production_env(database, **change), tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    [error] = _error_lines(output)
    assert error.startswith(f"Error: webapp cannot start: {line}"), output
    assert "Traceback" not in output
    assert "Booting worker" not in output, "no worker may start"


def test_gunicorn_refuses_pending_migrations(tmp_path):
    database = tmp_path / "data.db"
    sqlite3.connect(database).close()  # exists, but never migrated
    result = _start_and_fail(production_env(database), tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1
    [error] = _error_lines(output)
    assert error.startswith(f"Error: webapp cannot start: database {database} has ")
    assert error.endswith("): run `flask --app webapp migrate`")
    assert "Booting worker" not in output


def test_gunicorn_refuses_a_database_folder_it_cannot_write():
    folder = Path(tempfile.mkdtemp(prefix="webapp-readonly-"))
    try:
        migrated_database(folder)
        for name in os.listdir(folder):
            (folder / name).chmod(0o644)
        folder.chmod(0o555)
        env = production_env(folder / "data.db", HOME="/")
        result = _start_and_fail(env, "/", unprivileged=True)
        output = result.stdout + result.stderr
        assert result.returncode == 1, output
        assert _error_lines(output) == [
            f"Error: webapp cannot start: database folder {folder} is not writable "
            "by this user (Permission denied): fix its owner or FLASK_DATABASE"
        ]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_every_gunicorn_value_the_owner_may_change_comes_from_the_env_file():
    # Editing a tracked file would make the next `git pull` conflict.
    text = (DEPLOY / "gunicorn.conf.py").read_text()
    env = (DEPLOY / "env.example").read_text()
    for setting, name in (
        ("bind", "WEBAPP_BIND"),
        ("workers", "WEBAPP_WORKERS"),
        ("threads", "WEBAPP_THREADS"),
        ("accesslog", "WEBAPP_ACCESS_LOG"),
        ("loglevel", "WEBAPP_LOG_LEVEL"),
    ):
        [line] = [x for x in text.splitlines() if x.startswith(f"{setting} = ")]
        assert name in line, f"{setting} does not come from {name}"
        assert f"\n#{name}=" in env or f"\n{name}=" in env, f"{name} not in env.example"
    assert "You may change" not in text


def test_gunicorn_tells_systemd_when_it_is_ready(tmp_path):
    # webapp.service is Type=notify: systemd waits for READY=1 on this socket.
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(address)
        listener.settimeout(STARTUP)
        with serving(tmp_path, NOTIFY_SOCKET=address):
            message = listener.recv(4096).decode()
    assert "READY=1" in message


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        ("WEBAPP_WORKERS", "many", "error: WEBAPP_WORKERS must be a whole number"),
        ("WEBAPP_THREADS", "0", "error: WEBAPP_THREADS must be a whole number"),
        ("WEBAPP_LOG_LEVEL", "loud", "error: WEBAPP_LOG_LEVEL must be one of"),
        ("WEBAPP_ACCESS_LOG", "sometimes", "error: WEBAPP_ACCESS_LOG must be one of"),
    ],
)
def test_a_bad_owner_setting_stops_gunicorn_in_one_line(tmp_path, name, value, line):
    env = production_env(tmp_path / "data.db", **{name: value})
    result = subprocess.run(
        [GUNICORN, "--config", DEPLOY / "gunicorn.conf.py", "--check-config"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(line)


def test_owner_settings_from_the_environment_reach_gunicorn(tmp_path):
    with serving(
        tmp_path, WEBAPP_WORKERS="2", WEBAPP_ACCESS_LOG="off", WEBAPP_LOG_LEVEL="info"
    ) as served:
        request(served.port, "/healthz")
        log = served.log()
    assert len(set(served.worker_pids())) == 2, log
    assert "GET /healthz" not in log, "WEBAPP_ACCESS_LOG=off must keep no access log"
