"""Sending the weekly letter to a real SMTP server on loopback (aiosmtpd).

Plain SMTP, STARTTLS with a self-signed certificate (trusted through
SSL_CERT_FILE, as a private CA would be), implicit TLS, AUTH; and what goes
wrong: nothing listening, a server that hangs up, 4xx then success, 5xx, a
refused login, a run stopped mid-send. Every attempt is a row in
``digest_sends`` with counts only, never an address.
"""

import email
import email.policy
import re
import select
import smtplib
import socket
import subprocess
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from webapp.core.db import connect
from webapp.digest import delivery, mail, views

from .conftest import csrf_token_from, make_app
from .servers import FLASK, PROJECT_ROOT, free_port, migrated_database, production_env
from .test_digest import add_traffic, last_monday

SITE = "https://massage.example"
OWNER = "owner@massage.example"
SECOND = "partner@massage.example"
SENDER = "Reach for Serenity <letters@massage.example>"
USER, PASSWORD = "letters@massage.example", "app-password-1234"
LOGIN = {"MAIL_USERNAME": USER, "MAIL_PASSWORD": "pässwörd"}


class Inbox:
    """An aiosmtpd handler that keeps what arrives; ``replies`` refuse DATA first."""

    def __init__(self, replies=()):
        self.replies = list(replies)
        self.envelopes = []
        self.data_calls = 0
        self.authenticated = []

    async def handle_DATA(self, server, session, envelope):
        self.data_calls += 1
        if self.replies:
            return self.replies.pop(0)
        self.envelopes.append(envelope)
        self.authenticated.append(bool(session.authenticated))
        return "250 2.0.0 Message accepted"

    def only_message(self):
        """The one message that arrived, parsed with the ``email`` package."""
        assert len(self.envelopes) == 1
        return email.message_from_bytes(
            self.envelopes[0].content, policy=email.policy.default
        )


def authenticator(server, session, envelope, mechanism, auth_data):
    """Accept only USER and PASSWORD."""
    ok = auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
    return AuthResult(success=ok, handled=False)  # a refusal answers 535


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for localhost and 127.0.0.1 (cert, key)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def start_server(handler, **kwargs):
    """An aiosmtpd Controller on a free loopback port, started."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


@pytest.fixture
def smtp_server():
    """Start servers with ``smtp_server(inbox, **options)``; all stopped after."""
    started = []

    def _start(inbox, **kwargs):
        controller = start_server(inbox, **kwargs)
        started.append(controller)
        return controller.port

    yield _start
    for controller in started:
        controller.stop()


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    """Retries without the real back-off (the count of tries is what matters)."""
    monkeypatch.setattr(mail, "RETRY_DELAYS", (0, 0, 0))
    monkeypatch.setattr(mail, "TIMEOUT", 10)


def mail_app(database_path, port, **settings):
    """The app with the letter's mail settings pointing at ``port``."""
    config = {
        "SITE_URL": SITE,
        "DIGEST_TO": f"{OWNER}, {SECOND}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USE_TLS": "false",
        "MAIL_USE_SSL": "0",
        "MAIL_DEFAULT_SENDER": SENDER,
    }
    return make_app(database_path, **{**config, **settings})


def digest(app, *args):
    """Run ``flask --app webapp digest ARGS``; the click result."""
    return app.test_cli_runner().invoke(args=["digest", *args])


def sends(app):
    """The rows of digest_sends, oldest first."""
    db = connect(app.config["DATABASE"])
    try:
        return [dict(row) for row in db["digest_sends"].rows_where(order_by="id")]
    finally:
        db.conn.close()


def one_error_line(result):
    """The single ``error:`` line of a failed run (no traceback), said last.

    Before it come only the lines of tries that were tried again
    (``retry_lines``).
    """
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("error: "), result.output
    assert len(lines) == 1 + len(retry_lines(result)), result.output
    assert "Traceback" not in result.output
    return lines[-1]


def retry_lines(result):
    """The stderr lines saying a try failed and when the next one comes."""
    return [
        line
        for line in result.stderr.splitlines()
        if re.search(r"; trying again in \d+ (s|min)$", line)
    ]


# --- It arrives, once, well formed ----------------------------------------------


def test_the_letter_arrives_once_with_both_parts_and_the_right_headers(
    database_path, smtp_server
):
    inbox = Inbox()
    app = mail_app(database_path, smtp_server(inbox))
    add_traffic(app, last_monday(app), views=4, clickers=2)
    result = digest(app, "--send")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("sent the letter for ")
    message = inbox.only_message()
    assert sorted(inbox.envelopes[0].rcpt_tos) == sorted([OWNER, SECOND])
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert message["From"] == SENDER
    assert {a.addr_spec for a in message["To"].addresses} == {OWNER, SECOND}
    assert message["Date"].datetime is not None
    assert re.fullmatch(r"<[^<>@\s]+@massage\.example>", message["Message-ID"])
    assert re.fullmatch(
        r"Reach for Serenity: the article's week, \w{3} \d+\s–\s(\w{3} )?\d+",
        message["Subject"],
    )
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "4 page views" in text and "4 page views" in html
    assert "2 booking clicks" in text and "2 booking clicks" in html
    # No remote image, no tracking pixel, no script, no link but the site's own.
    for forbidden in ("<img", "<script", "url(", "@import", "<link", "src="):
        assert forbidden not in html.lower()
    links = re.findall(r"""href=["']([^"']+)""", html)
    assert links and all(link.startswith(SITE + "/stats?") for link in links)
    assert all(u.startswith(SITE) for u in re.findall(r"https?://\S+", text))
    [row] = sends(app)
    assert row["status"] == "sent" and row["recipients"] == 2 and row["forced"] == 0
    assert row["week"] == last_monday(app).isoformat()
    assert "@" not in repr(row)


def test_running_twice_sends_once_and_force_sends_again(database_path, smtp_server):
    inbox = Inbox()
    app = mail_app(database_path, smtp_server(inbox))
    assert digest(app, "--send").exit_code == 0
    again = digest(app, "--send")
    assert again.exit_code == 0
    assert "already sent" in again.output and "--force" in again.output
    assert len(inbox.envelopes) == 1
    forced = digest(app, "--send", "--force")
    assert forced.exit_code == 0, forced.output
    assert len(inbox.envelopes) == 2
    assert [(r["status"], r["forced"]) for r in sends(app)] == [
        ("sent", 0),
        ("sent", 1),
    ]


def test_starttls_with_a_checked_certificate_and_auth(
    database_path, smtp_server, certificate, monkeypatch
):
    cert, key = certificate
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = smtp_server(
        inbox,
        server_hostname="localhost",
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator,
    )
    settings = {"MAIL_SERVER": "localhost", "MAIL_USE_TLS": "true"}
    auth = {"MAIL_USERNAME": USER, "MAIL_PASSWORD": PASSWORD}
    # An untrusted certificate is refused: the password never leaves.
    app = mail_app(database_path, port, **settings, **auth)
    line = one_error_line(digest(app, "--send"))
    assert "TLS with localhost" in line and PASSWORD not in line
    assert inbox.envelopes == []
    # Trusted (as a private CA would be), it goes through STARTTLS and AUTH.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    result = digest(app, "--send")
    assert result.exit_code == 0, result.output
    assert inbox.only_message().get_content_type() == "multipart/alternative"
    assert inbox.authenticated == [True]
    assert [r["status"] for r in sends(app)] == ["failed", "sent"]
    # A wrong password: one line, never the password.
    app = mail_app(database_path, port, **settings, MAIL_USERNAME=USER,
                   MAIL_PASSWORD="wrong-password-5678")  # fmt: skip
    line = one_error_line(digest(app, "--send", "--force"))
    assert "refused the login" in line
    assert "wrong-password-5678" not in line and "5678" not in sends(app)[-1]["detail"]


def test_implicit_tls_on_its_own_port(database_path, smtp_server, certificate,
                                      monkeypatch):  # fmt: skip
    import ssl

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    # aiosmtpd offers AUTH only after its own STARTTLS unless told the
    # connection is already encrypted (it is: implicit TLS).
    port = smtp_server(inbox, ssl_context=context, authenticator=authenticator,
                       auth_require_tls=False)  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    app = mail_app(database_path, port, MAIL_SERVER="localhost", MAIL_USE_SSL="true",
                   MAIL_USERNAME=USER, MAIL_PASSWORD=PASSWORD)  # fmt: skip
    result = digest(app, "--send")
    assert result.exit_code == 0, result.output
    assert len(inbox.envelopes) == 1
    assert inbox.envelopes[0].mail_from == "letters@massage.example"
    assert inbox.authenticated == [True]


def test_send_test_sends_a_short_message_and_records_nothing(
    database_path, smtp_server
):
    inbox = Inbox()
    app = mail_app(database_path, smtp_server(inbox))
    result = digest(app, "--send", "--test")
    assert result.exit_code == 0, result.output
    message = inbox.only_message()
    assert message.get_content_type() == "text/plain"
    assert "the mail settings work" in message.get_content()
    assert sends(app) == []
    assert digest(app, "--test").exit_code == 2  # --test only with --send


# --- What goes wrong --------------------------------------------------------------


def test_connection_refused_fails_with_one_line_and_is_recorded(database_path):
    port = free_port()
    app = mail_app(database_path, port)
    result = digest(app, "--send")
    line = one_error_line(result)
    assert "could not reach 127.0.0.1:" in line
    assert "tried 4 times" in line and "the next run tries again" in line
    # Each failed try is said as it happens, with the wait before the next.
    said = f"could not reach 127.0.0.1:{port} (connection refused)"
    assert retry_lines(result) == [f"{said}; trying again in 0 s"] * 3
    [row] = sends(app)
    assert row["status"] == "failed" and "could not reach" in row["detail"]
    # Not "already sent": the next run tries again (and fails again here).
    one_error_line(digest(app, "--send"))
    assert [r["status"] for r in sends(app)] == ["failed", "failed"]
    # The test message answers at once (the owner is waiting), unrecorded.
    result = digest(app, "--send", "--test")
    line = one_error_line(result)
    assert "test message was not sent: could not reach" in line
    assert "tried" not in line and len(sends(app)) == 2
    assert retry_lines(result) == []  # one try: the owner is waiting


@pytest.fixture
def hang_up_server():
    """A TCP server on loopback that closes every connection at once."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()
    thread.join(timeout=5)


def test_a_server_that_hangs_up_is_tried_again_then_reported(
    database_path, hang_up_server
):
    app = mail_app(database_path, hang_up_server)
    line = one_error_line(digest(app, "--send"))
    assert "closed the connection" in line and "tried 4 times" in line
    assert sends(app)[0]["status"] == "failed"


def test_a_4xx_reply_is_tried_again_and_then_succeeds(database_path, smtp_server):
    inbox = Inbox(replies=["451 4.3.0 Try again later", "421 4.7.0 Slow down"])
    app = mail_app(database_path, smtp_server(inbox))
    result = digest(app, "--send")
    assert result.exit_code == 0, result.output
    assert inbox.data_calls == 3
    assert len(inbox.envelopes) == 1
    [row] = sends(app)
    assert row["status"] == "sent" and row["detail"] == "3 tries"


def test_a_5xx_reply_fails_at_once_and_is_recorded(database_path, smtp_server):
    refusal = f"554 5.7.1 Message refused for <{OWNER}>: policy"
    inbox = Inbox(replies=[refusal])
    app = mail_app(database_path, smtp_server(inbox))
    line = one_error_line(digest(app, "--send"))
    assert inbox.data_calls == 1  # permanent: no retry
    assert "answered 554" in line and "tried" not in line
    [row] = sends(app)
    assert row["status"] == "failed" and row["detail"].startswith("127.0.0.1:")
    assert "554 5.7.1 Message refused for <<address>>" in row["detail"]
    assert OWNER not in row["detail"]


def test_a_send_stopped_midway_is_not_repeated_blindly(database_path, smtp_server):
    inbox = Inbox()
    app = mail_app(database_path, smtp_server(inbox))
    db = connect(str(database_path))
    try:
        db["digest_sends"].insert(
            {
                "week": last_monday(app).isoformat(),
                "attempted_at": "2026-11-30T12:00:00Z",
                "recipients": 2,
                "status": "sending",
            }
        )
    finally:
        db.conn.close()
    line = one_error_line(digest(app, "--send"))
    assert "never recorded its result" in line and "--force" in line
    assert inbox.envelopes == []
    assert digest(app, "--send", "--force").exit_code == 0
    assert len(inbox.envelopes) == 1


def test_an_invalid_mail_server_name_is_one_line_never_a_traceback(database_path):
    app = mail_app(database_path, 587, MAIL_SERVER="smtp..massage.example")
    line = one_error_line(digest(app, "--send"))
    assert "FLASK_MAIL_SERVER 'smtp..massage.example' is not a host name" in line
    assert sends(app) == []  # refused before claiming the week
    line = one_error_line(digest(app, "--send", "--test"))
    assert "is not a host name" in line


def test_settings_flask_check_refuses_are_refused_by_sending_in_the_same_words(
    database_path, smtp_server
):
    inbox = Inbox()
    app = mail_app(
        database_path, smtp_server(inbox), MAIL_USE_TLS="1", MAIL_USE_SSL="1"
    )
    with app.app_context():  # as the `flask` command gives it
        check = app.test_cli_runner().invoke(args=["check"]).output
    assert "error: FLASK_MAIL_USE_TLS and FLASK_MAIL_USE_SSL are both on" in check
    for args in (["--send"], ["--send", "--test"]):
        line = one_error_line(digest(app, *args))
        assert "FLASK_MAIL_USE_TLS and FLASK_MAIL_USE_SSL are both on: use TLS" in line
    assert inbox.data_calls == 0 and sends(app) == []  # refused before claiming


def test_a_name_the_socket_refuses_is_a_recorded_permanent_failure(
    database_path, monkeypatch
):
    # Past the settings check (as a name it misses would be), the IDNA codec's
    # UnicodeError from the socket is a failure like any other.
    monkeypatch.setattr(delivery, "problem_before_sending", lambda settings: None)
    app = mail_app(database_path, 587, MAIL_SERVER="smtp..massage.example")
    line = one_error_line(digest(app, "--send"))
    assert "FLASK_MAIL_SERVER 'smtp..massage.example'" in line
    assert "tried" not in line  # permanent: no retry
    [row] = sends(app)
    assert row["status"] == "failed"
    # Recorded as failed, not left "sending": the next run tries again.
    line = one_error_line(digest(app, "--send"))
    assert "never recorded its result" not in line
    assert [r["status"] for r in sends(app)] == ["failed", "failed"]


def test_any_unexpected_error_in_a_send_is_recorded_as_failed(
    database_path, smtp_server, monkeypatch
):
    inbox = Inbox()
    app = mail_app(database_path, smtp_server(inbox))

    def broken_login(self, *args, **kwargs):
        raise RuntimeError(f"surprise for {OWNER}")

    monkeypatch.setattr(smtplib.SMTP, "ehlo_or_helo_if_needed", broken_login)
    line = one_error_line(digest(app, "--send"))
    assert "failed unexpectedly (RuntimeError: surprise for <address>)" in line
    assert OWNER not in line and "tried" not in line
    [row] = sends(app)
    assert row["status"] == "failed" and OWNER not in row["detail"]
    monkeypatch.undo()
    assert digest(app, "--send").exit_code == 0  # no --force needed
    assert len(inbox.envelopes) == 1


def test_a_login_the_codec_refuses_never_shows_the_password():
    settings = mail.mail_settings(
        {"MAIL_SERVER": "smtp.massage.example", "MAIL_PORT": 587, **LOGIN}
    )
    error = UnicodeEncodeError("ascii", "pässwörd", 1, 2, "ordinal not in range")
    refusal = mail.classify(error, settings)
    assert not refusal.transient
    assert "FLASK_MAIL_PASSWORD has characters" in str(refusal)
    assert "ä" not in str(refusal) and "position" not in str(refusal)


@pytest.fixture
def silent_server():
    """A TCP server on loopback that accepts connections and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    listener.close()
    for conn in accepted:
        conn.close()
    thread.join(timeout=5)


def test_the_pages_copy_gives_up_on_a_silent_server_well_within_the_proxy(
    database_path, silent_server, monkeypatch
):
    from .conftest import log_in, store_owner_password

    # One try, each SMTP step bounded: far below nginx's 35 s proxy_read_timeout.
    assert views.PAGE_RETRY_DELAYS == ()
    assert views.PAGE_TIMEOUT <= 10
    used = []
    real_send = mail.send

    def spy(*args, **kwargs):
        used.append(kwargs)
        return real_send(*args, **kwargs)

    monkeypatch.setattr(mail, "send", spy)
    monkeypatch.setattr(views, "PAGE_TIMEOUT", 0.2)  # the test need not wait 10 s
    port, accepted = silent_server
    app = mail_app(database_path, port)
    store_owner_password(database_path)
    client = app.test_client()
    assert log_in(client).status_code == 302
    page = client.get("/stats/digest").get_data(as_text=True)
    response = client.post(
        "/stats/digest/send",
        data={
            "week": last_monday(app).isoformat(),
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.status_code == 303
    assert used == [{"delays": (), "timeout": 0.2, "on_retry": None}]
    assert len(accepted) == 1  # a single try
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The copy of the letter for" in page and "was not sent" in page
    assert "did not answer within 0.2 s" in page
    assert "the Monday letter does not depend on it and tries again on its own" in page
    [row] = sends(app)
    assert row["status"] == "failed"


# --- The real command says each failed try as it happens -------------------------

# The real SMTP timeout, before the autouse fixture shortens it in this process.
SMTP_TIMEOUT = mail.TIMEOUT


def first_line_of_a_real_send(tmp_path, port):
    """Run the real ``digest --send`` against ``port``: its first stderr line, when.

    The seconds count from the start of the process (its imports included);
    the process is stopped after that first line.
    """
    env = production_env(
        migrated_database(tmp_path),
        FLASK_SITE_URL=SITE,
        FLASK_DIGEST_TO=OWNER,
        FLASK_MAIL_SERVER="127.0.0.1",
        FLASK_MAIL_PORT=str(port),
        FLASK_MAIL_USE_TLS="false",
        FLASK_MAIL_DEFAULT_SENDER=SENDER,
    )
    started = time.monotonic()
    process = subprocess.Popen(
        [str(FLASK), "--app", "webapp", "digest", "--send"],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # Generous: the bound is checked below, this only ends the wait.
        ready, _, _ = select.select([process.stderr], [], [], SMTP_TIMEOUT + 60)
        line = process.stderr.readline().decode() if ready else ""
        return line.rstrip("\n"), time.monotonic() - started
    finally:
        process.kill()
        process.wait(timeout=10)
        process.stderr.close()


def test_a_refused_connection_is_said_within_15_seconds(tmp_path):
    port = free_port()
    line, seconds = first_line_of_a_real_send(tmp_path, port)
    assert line == (
        f"could not reach 127.0.0.1:{port} (connection refused); trying again in 10 s"
    )
    assert seconds < 15


def test_a_server_that_never_answers_is_said_within_the_timeout_and_5_s(
    tmp_path, silent_server
):
    port, accepted = silent_server
    line, seconds = first_line_of_a_real_send(tmp_path, port)
    assert f"127.0.0.1:{port}" in line and f"within {SMTP_TIMEOUT} s" in line, line
    assert line.endswith("; trying again in 10 s")
    assert seconds < SMTP_TIMEOUT + 5
    assert len(accepted) == 1


# --- From the preview page --------------------------------------------------------


def test_send_me_a_copy_from_the_preview_page(database_path, smtp_server):
    from .conftest import log_in, store_owner_password

    inbox = Inbox()
    app = mail_app(database_path, smtp_server(inbox))
    store_owner_password(database_path)
    client = app.test_client()
    assert log_in(client).status_code == 302
    page = client.get("/stats/digest").get_data(as_text=True)
    response = client.post(
        "/stats/digest/send",
        data={
            "week": last_monday(app).isoformat(),
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sent the letter for" in page
    assert len(inbox.envelopes) == 1
    [row] = sends(app)
    assert row["status"] == "sent" and row["forced"] == 1
    assert row["detail"] == "a copy from the preview page"
    # The copy counts as the week's letter: the Monday run does not repeat it.
    assert "already sent" in digest(app, "--send").output
    assert len(inbox.envelopes) == 1
