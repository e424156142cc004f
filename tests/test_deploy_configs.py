"""The shipped systemd units, Caddyfile and nginx site: verified, and really run.

Caddy and nginx run in front of a real gunicorn on loopback, with only the
domain, ports and paths swapped for test ones, to show what a visitor gets:
the app behind them, compression, static files cached for a year only when
their URL carries a content hash, and the forwarded headers the app trusts.
"""

import contextlib
import http.client
import secrets
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask, Response

from webapp.core.security import set_security_headers

from .servers import (
    BOOKING_URL,
    BROWSER_HEADERS,
    DEPLOY,
    PROJECT_ROOT,
    STARTUP_SECONDS,
    Proxy,
    asset_path,
    free_port,
    migrated_database,
    need_tool,
    post_huge_body,
    production_env,
    request,
    serving,
    wait_until,
)

UNITS = ("webapp.service", "webapp-backup.service", "webapp-backup.timer")
YEAR = "public, max-age=31536000, immutable"
MAKE_TEST_HINT = "`make test` installs it with apt-get when run as root"
MB = 1024 * 1024


def tool(path, package):
    """The path of a required tool, or a failure that names its package."""
    if not Path(path).exists():
        pytest.fail(f"{path} is missing: apt-get install {package} ({MAKE_TEST_HINT})")
    return path


def swap(text, old, new, count=1):
    """Replace ``old`` exactly ``count`` times; the shipped file must have them."""
    assert text.count(old) == count, f"expected {count} x {old!r} in the shipped file"
    return text.replace(old, new)


def wait_for_port(port, process, log_path, https=False):
    """Wait until something answers on the port, or fail with the log."""

    def answers():
        if process.poll() is not None:
            pytest.fail(f"exited early:\n{Path(log_path).read_text()}")
        try:
            request(port, "/healthz", timeout=2, https=https)
        except OSError:
            return False
        return True

    if not wait_until(answers, STARTUP_SECONDS):
        pytest.fail(f"nothing answered on port {port}:\n{Path(log_path).read_text()}")


def stop(process):
    """Stop a server we started."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def app_server(tmp_path):
    """gunicorn with the shipped config, as behind one proxy (PROXY_COUNT=1)."""
    with serving(tmp_path, FLASK_PROXY_COUNT="1") as server:
        yield server


def access_line(method, path):
    """How gunicorn's access log shows a request (paths without their query)."""
    return f'"{method} {path.split("?")[0]} '


def app_saw(server, path, method="GET"):
    """True once gunicorn's access log shows the request (waits for its line)."""
    return wait_until(lambda: access_line(method, path) in server.log())


def app_never_saw(server, path, method="GET"):
    """True when the app was not asked for ``path``.

    A request sent straight to gunicorn now is logged after any the proxy
    passed on before it (the proxy waited for that one's answer): once its
    line is in the log, the log has caught up.
    """
    marker = f"/log-caught-up-{secrets.token_hex(4)}"
    request(server.port, marker)
    assert wait_until(lambda: access_line("GET", marker) in server.log())
    return access_line(method, path) not in server.log()


# systemd ---------------------------------------------------------------------


@pytest.fixture
def installed_units(tmp_path):
    """The units as installed from a checkout at PROJECT_ROOT."""
    need_tool("systemd-analyze", "Debian package systemd")
    env_file = tmp_path / "env"
    env_file.write_text((DEPLOY / "env.example").read_text())
    folder = tmp_path / "units"
    folder.mkdir()
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        text = text.replace("/srv/webapp", str(PROJECT_ROOT))
        text = text.replace("/etc/webapp/env", str(env_file))
        (folder / name).write_text(text)
    return folder


def test_systemd_units_pass_systemd_analyze_verify(installed_units):
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(installed_units / n) for n in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # verify exits 0 on unknown keys too, only warning: any output is a problem.
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


@pytest.mark.parametrize(
    ("unit", "most"), [("webapp.service", 2.0), ("webapp-backup.service", 1.5)]
)
def test_systemd_units_are_hardened(installed_units, unit, most):
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(installed_units / unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = next(
        line for line in result.stdout.splitlines() if "Overall exposure" in line
    )
    exposure = float(line.split(":")[1].split()[0])
    assert exposure <= most, line


# The units whose process sends mail: the weekly letter, and the dashboard's
# "Send me a copy" (webapp.service) to the owner's SMTP server elsewhere.
MAIL_SENDERS = ("webapp.service", "webapp-digest.service")


def service_settings(text):
    """The [Service] section's settings as (name, value) pairs, in order."""
    settings, section = [], None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line:
            name, value = line.split("=", 1)
            settings.append((name.strip(), value.strip()))
    return settings


def why_mail_is_blocked(text):
    """Why a unit's process could not reach a mail server elsewhere, or None.

    systemd's rules: an empty assignment resets a list, later lines add to
    it; IPAddressAllow= wins over IPAddressDeny= but holds addresses only (no
    host names, no ports), so any deny list short of one lifted by "any" (or
    0.0.0.0/0 and ::/0) can block the mail server. RestrictAddressFamilies=
    must leave AF_INET and AF_INET6: the first line says whether it is an
    allow list or (with "~") a deny list, later lines add to or take from it.
    """
    deny, allow = [], []
    allowing, families = None, set()  # no address family restriction yet
    for name, value in service_settings(text):
        if name == "IPAddressDeny":
            deny = deny + value.split() if value else []
        elif name == "IPAddressAllow":
            allow = allow + value.split() if value else []
        elif name == "RestrictAddressFamilies":
            listed = set(value.removeprefix("~").split()) - {"none"}
            if not value:
                allowing, families = None, set()
                continue
            if allowing is None:
                allowing = not value.startswith("~")
            if allowing == value.startswith("~"):
                families -= listed  # a deny line on an allow list, or the reverse
            else:
                families |= listed
        elif name == "PrivateNetwork" and value.lower() in ("yes", "true", "1"):
            return "PrivateNetwork=yes: no network but loopback"
    everywhere = "any" in allow or {"0.0.0.0/0", "::/0"} <= set(allow)
    if deny and not everywhere:
        return f"IPAddressDeny={' '.join(deny)} with IPAddressAllow={' '.join(allow)}"
    for family in ("AF_INET", "AF_INET6"):
        if allowing is not None and (family in families) != allowing:
            return f"RestrictAddressFamilies= leaves out {family}"
    return None


@pytest.mark.parametrize("unit", MAIL_SENDERS)
def test_units_that_send_mail_may_reach_a_mail_server_elsewhere(unit):
    text = (DEPLOY / unit).read_text()
    assert why_mail_is_blocked(text) is None, why_mail_is_blocked(text)
    # Still locked down otherwise: only Unix and IP sockets.
    assert "\nRestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n" in text


@pytest.mark.parametrize(
    ("lines", "blocked"),
    [
        # What webapp.service had: only loopback, so every send failed.
        ("IPAddressDeny=any\nIPAddressAllow=localhost\n", True),
        ("IPAddressDeny=0.0.0.0/0\n", True),
        # A fixed address: the mail server's may change.
        ("IPAddressDeny=any\nIPAddressAllow=127.0.0.0/8 ::1 192.0.2.25\n", True),
        ("RestrictAddressFamilies=\nRestrictAddressFamilies=AF_UNIX\n", True),
        ("RestrictAddressFamilies=~AF_INET6\n", True),
        ("RestrictAddressFamilies=\nRestrictAddressFamilies=none\n", True),
        ("RestrictAddressFamilies=\nRestrictAddressFamilies=~AF_INET\n", True),
        ("PrivateNetwork=yes\n", True),
        # A deny list lifted again for every address, or emptied, blocks nothing.
        ("IPAddressDeny=any\nIPAddressAllow=any\n", False),
        ("IPAddressDeny=any\nIPAddressDeny=\n", False),
        ("RestrictAddressFamilies=\nRestrictAddressFamilies=~AF_PACKET\n", False),
        ("RestrictAddressFamilies=\n", False),
    ],
)
def test_the_mail_check_catches_a_unit_that_blocks_mail(lines, blocked):
    text = (DEPLOY / "webapp.service").read_text()
    changed = swap(text, "\nUMask=0077\n", f"\nUMask=0077\n{lines}")
    assert (why_mail_is_blocked(changed) is not None) == blocked


def test_service_runs_migrations_and_reloads_gracefully():
    unit = (DEPLOY / "webapp.service").read_text()
    assert "ExecStartPre=/srv/webapp/.venv/bin/flask --app webapp migrate" in unit
    assert "--config /srv/webapp/deploy/gunicorn.conf.py" in unit
    assert "ExecReload=/bin/kill -s HUP $MAINPID" in unit
    for setting in (
        "StateDirectory=webapp",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "EnvironmentFile=/etc/webapp/env",
        "Restart=on-failure",
        "User=webapp",
    ):
        assert f"\n{setting}\n" in unit, setting
    env = (DEPLOY / "env.example").read_text()
    assert "FLASK_DATABASE=/var/lib/webapp/data.db" in env
    backup = (DEPLOY / "webapp-backup.service").read_text()
    # The folder and count come from the env file (WEBAPP_BACKUP_DIR/_KEEP),
    # with a default folder the unit may write.
    assert "\nEnvironment=WEBAPP_BACKUP_DIR=/var/lib/webapp/backups\n" in backup
    # Pruning comes after the backup, with the configured retention.
    starts = [line for line in backup.splitlines() if line.startswith("ExecStart=")]
    assert starts == [
        "ExecStart=/srv/webapp/deploy/backup.sh",
        "ExecStart=/srv/webapp/.venv/bin/flask --app webapp prune",
    ]
    timer = (DEPLOY / "webapp-backup.timer").read_text()
    assert "OnCalendar=*-*-* 03:30:00" in timer
    assert "Persistent=true" in timer


def test_env_example_names_every_setting_and_its_key_is_refused():
    env = (DEPLOY / "env.example").read_text()
    for name in (
        "FLASK_SECRET_KEY",
        "FLASK_DATABASE",
        "FLASK_BOOKING_URL",
        "FLASK_TIME_ZONE",
        "FLASK_PROXY_COUNT",
        "FLASK_SITE_URL",
        "FLASK_RETENTION_DAYS",
    ):
        assert f"\n{name}=" in env, name
    assert "\nFLASK_SECRET_KEY=change-me\n" in env
    assert "\nFLASK_PROXY_COUNT=1\n" in env
    from webapp.core.checks import check_secret_key

    assert not check_secret_key({"SECRET_KEY": "change-me"}).ok


# Caddy -----------------------------------------------------------------------


def caddy_env(tmp_path):
    """Caddy keeps its state in the test's folder, not in ~/.local."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "caddy-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "caddy-config"),
    }


def test_caddyfile_is_valid_and_formatted(tmp_path):
    caddy = tool("/usr/bin/caddy", "caddy")
    shipped = str(DEPLOY / "Caddyfile")
    result = subprocess.run(
        [caddy, "validate", "--adapter", "caddyfile", "--config", shipped],
        capture_output=True,
        text=True,
        env=caddy_env(tmp_path),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr
    assert "not formatted" not in result.stderr
    formatted = subprocess.run(
        [caddy, "fmt", shipped], capture_output=True, text=True, timeout=60
    )
    assert formatted.stdout == (DEPLOY / "Caddyfile").read_text()


def self_signed(folder):
    """A self-signed certificate for example.com: (fullchain, key) paths."""
    openssl = tool("/usr/bin/openssl", "openssl")
    folder.mkdir(exist_ok=True)
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=example.com", "-addext", "subjectAltName=DNS:example.com",
         "-keyout", str(folder / "privkey.pem"), "-out", str(folder / "fullchain.pem")],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return folder / "fullchain.pem", folder / "privkey.pem"


@contextlib.contextmanager
def run_caddy(tmp_path, app_port, https=False):
    """The shipped Caddyfile in front of gunicorn, on a loopback port.

    Plain HTTP unless ``https``: then the site has a self-signed certificate
    (Caddy picks it for clients that name no host, as the tests' do).
    """
    caddy_bin = tool("/usr/bin/caddy", "caddy")
    port = free_port()
    text = (DEPLOY / "Caddyfile").read_text()
    # No certificates to fetch and no admin API in a test; the rest is as shipped.
    text = swap(
        text,
        "\temail owner@example.com\n",
        "\tadmin off\n\tauto_https off\n\tdefault_sni example.com\n",
    )
    # Over HTTPS the www. redirect needs a port of its own: one port is
    # either HTTP or HTTPS.
    www_port = free_port() if https else port
    text = swap(
        text,
        "www.example.com {\n",
        f"http://www.example.com:{www_port} {{\n\tbind 127.0.0.1\n",
    )
    scheme = "https" if https else "http"
    site = f"\n{scheme}://example.com:{port} {{\n\tbind 127.0.0.1\n"
    if https:
        cert, key = self_signed(tmp_path / "tls")
        site += f"\ttls {cert} {key}\n"
    text = swap(text, "\nexample.com {\n", site)
    text = swap(text, "root * /srv/webapp/static", f"root * {PROJECT_ROOT}/static")
    text = swap(
        text,
        "reverse_proxy 127.0.0.1:8000",
        f"reverse_proxy 127.0.0.1:{app_port}",
    )
    config = tmp_path / "Caddyfile"
    config.write_text(text)
    log_path = tmp_path / "caddy.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [caddy_bin, "run", "--adapter", "caddyfile", "--config", str(config)],
            env=caddy_env(tmp_path),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(port, process, log_path, https=https)
            yield port
        finally:
            stop(process)


@pytest.fixture
def caddy(tmp_path, app_server):
    """The shipped Caddyfile in front of gunicorn, on a loopback port, plain HTTP."""
    with run_caddy(tmp_path, app_server.port) as port:
        yield port


@pytest.fixture
def caddy_https(tmp_path, app_server):
    """The same over HTTPS, as visitors reach it: the port."""
    with run_caddy(tmp_path, app_server.port, https=True) as port:
        yield port


def via_caddy(port, path, **headers):
    """A request to the test Caddy, for the site's (test) domain."""
    return request(port, path, headers={"Host": f"example.com:{port}", **headers})


def test_caddy_serves_the_app_compressed(caddy, app_server):
    page = via_caddy(caddy, "/", **{"Accept-Encoding": "gzip"})
    assert page.status == 200
    assert page.headers["content-encoding"] == "gzip"
    assert "Massage" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert app_saw(app_server, "/")

    booking = via_caddy(caddy, "/book?from=footer")
    assert (booking.status, booking.headers["location"]) == (302, BOOKING_URL)
    assert via_caddy(caddy, "/healthz").text == "ok\n"


def test_caddy_passes_the_real_host_and_scheme_and_drops_forged_ones(caddy, app_server):
    page = via_caddy(
        caddy,
        "/",
        **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
    )
    # The app builds its canonical link from the host Caddy saw; a visitor's
    # forged headers are replaced by Caddy, so no HSTS over plain HTTP.
    assert f'href="http://example.com:{caddy}/"' in page.text
    assert "evil.example" not in page.text
    assert "strict-transport-security" not in page.headers


def test_caddy_caches_versioned_static_files_for_a_year(caddy, app_server):
    page = via_caddy(caddy, "/").text
    versioned = asset_path(page, "css/site.css")
    css = via_caddy(caddy, versioned, **{"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.headers["cache-control"] == YEAR
    assert css.headers["content-encoding"] == "gzip"
    assert css.headers["x-content-type-options"] == "nosniff"
    assert app_never_saw(app_server, versioned), "Caddy, not the app, serves static"

    plain = via_caddy(caddy, "/static/css/site.css")
    assert plain.status == 200
    assert plain.headers["cache-control"] == "no-cache"
    assert "immutable" not in plain.headers["cache-control"]


def test_caddy_serves_only_the_static_folder(caddy):
    for path in ("/static/../pyproject.toml", "/static/%2e%2e/pyproject.toml"):
        response = via_caddy(caddy, path)
        assert "[build-system]" not in response.text
        assert response.status == 404
    assert via_caddy(caddy, "/static/no-such-file.css").status == 404


def test_caddy_sends_www_to_the_bare_domain(caddy):
    response = request(
        caddy, "/some/path?x=1", headers={"Host": f"www.example.com:{caddy}"}
    )
    assert response.status == 301
    assert response.headers["location"] == "https://example.com/some/path?x=1"


# nginx -----------------------------------------------------------------------


@pytest.fixture
def nginx_config(tmp_path):
    """The shipped site inside a minimal nginx.conf, with test ports and paths."""
    nginx = tool("/usr/sbin/nginx", "nginx")
    tls = tmp_path / "tls"
    self_signed(tls)
    http_port, https_port = free_port(), free_port()
    site = (DEPLOY / "nginx-webapp.conf").read_text()
    site = swap(site, "    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n")
    site = swap(site, "    listen [::]:80;\n", "")
    site = swap(
        site, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;", 2
    )
    site = swap(site, "    listen [::]:443 ssl http2;\n", "", 2)
    site = swap(site, "/etc/letsencrypt/live/example.com/", f"{tls}/", 4)
    # Three access logs and three error logs.
    site = swap(site, "/var/log/nginx/", f"{tmp_path}/", 6)
    site = swap(site, "alias /srv/webapp/static/;", f"alias {PROJECT_ROOT}/static/;")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"""
user root;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {tmp_path}/client_body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/site.conf;
}}
"""
    )
    return {
        "nginx": nginx,
        "folder": tmp_path,
        "http_port": http_port,
        "https_port": https_port,
    }


def nginx_command(config, *args):
    """nginx with the test's nginx.conf and prefix."""
    folder = config["folder"]
    return [config["nginx"], "-p", str(folder), "-c", str(folder / "nginx.conf"), *args]


def test_nginx_site_passes_nginx_t(nginx_config):
    result = subprocess.run(
        nginx_command(nginx_config, "-t"), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.fixture
def nginx(nginx_config, app_server):
    """The shipped nginx site in front of gunicorn, on loopback ports."""
    folder = nginx_config["folder"]
    site = folder / "site.conf"
    site.write_text(
        swap(
            site.read_text(),
            "server 127.0.0.1:8000;",
            f"server 127.0.0.1:{app_server.port};",
        )
    )
    log_path = folder / "nginx.out"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            nginx_command(nginx_config, "-g", "daemon off;"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(nginx_config["https_port"], process, log_path, https=True)
            yield nginx_config
        finally:
            stop(process)


def via_nginx(config, path, **headers):
    """An HTTPS request to the test nginx, for the site's domain."""
    return request(
        config["https_port"],
        path,
        https=True,
        headers={"Host": "example.com", **headers},
    )


def test_nginx_serves_the_app_over_https_compressed(nginx, app_server):
    page = via_nginx(nginx, "/", **{"Accept-Encoding": "gzip"})
    assert page.status == 200
    assert page.headers["content-encoding"] == "gzip"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    # The app knows the visitor came over HTTPS (X-Forwarded-Proto, trusted
    # because FLASK_PROXY_COUNT=1), so it sends HSTS and https:// links.
    assert "max-age=31536000" in page.headers["strict-transport-security"]
    assert 'href="https://example.com/"' in page.text

    booking = via_nginx(nginx, "/book?from=footer")
    assert (booking.status, booking.headers["location"]) == (302, BOOKING_URL)


def test_nginx_replaces_forged_forwarded_headers(nginx):
    page = via_nginx(
        nginx, "/", **{"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    )
    assert "evil.example" not in page.text
    assert "strict-transport-security" in page.headers


def test_nginx_caches_versioned_static_files_for_a_year(nginx, app_server):
    page = via_nginx(nginx, "/").text
    versioned = asset_path(page, "css/site.css")
    css = via_nginx(nginx, versioned, **{"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.headers["cache-control"] == YEAR
    assert css.headers["content-encoding"] == "gzip"
    assert css.headers["x-content-type-options"] == "nosniff"
    assert app_never_saw(app_server, versioned), "nginx, not the app, serves static"

    plain = via_nginx(nginx, "/static/css/site.css")
    assert plain.status == 200
    assert plain.headers["cache-control"] == "no-cache"


def test_nginx_serves_only_the_static_folder(nginx):
    for path in ("/static/../pyproject.toml", "/static/%2e%2e/pyproject.toml"):
        assert "[build-system]" not in via_nginx(nginx, path).text


def test_nginx_redirects_http_and_www_to_the_https_bare_domain(nginx):
    plain = request(nginx["http_port"], "/a?b=1", headers={"Host": "example.com"})
    assert (plain.status, plain.headers["location"]) == (
        301,
        "https://example.com/a?b=1",
    )
    www = request(
        nginx["https_port"], "/a", https=True, headers={"Host": "www.example.com"}
    )
    assert (www.status, www.headers["location"]) == (301, "https://example.com/a")


def test_proxy_logs_keep_no_visitor_address_and_no_query(nginx):
    via_nginx(
        nginx,
        "/robots.txt?utm_source=nginxlog&recent=surgery",
        **{"User-Agent": "DistinctiveAgent/1"},
    )
    access_log = nginx["folder"] / "webapp.access.log"
    assert wait_until(lambda: '"GET /robots.txt ' in access_log.read_text())
    log = access_log.read_text()
    [line] = [line for line in log.splitlines() if '"GET /robots.txt ' in line]
    assert "127.0.0.1" not in line
    assert "DistinctiveAgent" not in line
    assert "nginxlog" not in log and "surgery" not in log


def test_env_example_as_filled_in_passes_the_start_up_checks(tmp_path):
    # The example with only what setup and step 4 change: the key, the site's
    # address, and here the database path and the content folder (a test
    # cannot use /var/lib/webapp: the shipped examples stand in for the words).
    database = migrated_database(tmp_path)
    env = production_env(database)
    for line in (DEPLOY / "env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = value.strip('"')
    env["FLASK_SECRET_KEY"] = production_env(database)["FLASK_SECRET_KEY"]
    env["FLASK_DATABASE"] = str(database)
    env["FLASK_CONTENT_DIR"] = str(PROJECT_ROOT / "content")
    env["FLASK_SITE_URL"] = "https://massage.example"
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "webapp", "check"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "ok    proxy count: 1 (X-Forwarded-For/-Proto/-Host trusted)" in result.stdout
    )


# Body limits: 64 KiB everywhere but the owner's uploads ---------------------


def check_body_limits(port, host, https, app_server):
    """A 1 MiB bookings upload or editor save reaches the app; else 413 (9 MiB too)."""
    status, _ = post_huge_body(port, "/stats/bookings", MB, host=host, https=https)
    # The app answers it (no login, no CSRF token), not the proxy with 413.
    assert status not in (None, 413, 502), status
    assert app_saw(app_server, "/stats/bookings", "POST")
    status, _ = post_huge_body(port, "/login", MB, host=host, https=https)
    assert status == 413
    assert app_never_saw(app_server, "/login", "POST")
    # Over the app's BOOKINGS_UPLOAD_LIMIT (8 MiB) the upload is refused too.
    status, _ = post_huge_body(port, "/stats/bookings", 9 * MB, host=host, https=https)
    assert status == 413
    # The editor's saves (an article's text, a photo) reach the app too.
    home = "/edit/articles/medical-or-therapeutic-massage"
    status, _ = post_huge_body(port, home, MB, host=host, https=https)
    assert status not in (None, 413, 502), status
    assert app_saw(app_server, home, "POST")
    status, _ = post_huge_body(port, "/edit/practice", 9 * MB, host=host, https=https)
    assert status == 413


def test_caddy_lets_only_the_bookings_upload_past_64_kib(caddy, app_server):
    check_body_limits(caddy, f"example.com:{caddy}", False, app_server)


def test_nginx_lets_only_the_bookings_upload_past_64_kib(nginx, app_server):
    check_body_limits(nginx["https_port"], "example.com", True, app_server)


# Security headers and the Server header, on every answer --------------------


def app_security_headers(https):
    """The headers webapp/core/security.py adds to an answer: {name: value}."""
    app = Flask(__name__)
    base_url = f"{'https' if https else 'http'}://example.com"
    with app.test_request_context(base_url=base_url):
        plain = set(Response().headers.keys())
        response = set_security_headers(Response())
    return {
        name.lower(): value
        for name, value in response.headers.items()
        if name not in plain
    }


def answer(port, path, method="GET", https=False, **headers):
    """(status, every header line with its name lower-cased, repeats kept).

    A POST is sent with its headers only: a body the proxy must refuse
    unread (Content-Length over the limit) is never needed.
    """
    if https:
        context = ssl._create_unverified_context()  # the test's own certificate
        conn = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=10, context=context
        )
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in {**BROWSER_HEADERS, **headers}.items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        lines = [(name.lower(), value) for name, value in response.getheaders()]
        return response.status, lines
    finally:
        conn.close()


def assert_security_headers(lines, https, where):
    """Each of the app's security headers exactly once, with the app's value."""
    expected = app_security_headers(https)
    assert ("strict-transport-security" in expected) == https
    for name, value in expected.items():
        assert [v for n, v in lines if n == name] == [value], (where, name, lines)
    if not https:
        assert "strict-transport-security" not in dict(lines), where


def assert_no_gunicorn(lines, where):
    """No header names gunicorn (it sends "Server: gunicorn" by itself)."""
    assert not [line for line in lines if "gunicorn" in " ".join(line).lower()], (
        where,
        lines,
    )


# What each proxy's answers are checked on: its own (static files, a missing
# one, refused bodies) and the app's (a page, a redirect, the app's 404).
PROXY_OWN = [
    ("GET", "/static/css/site.css", {}, 200),
    ("GET", "/static/css/site.css?v=0123abcd", {}, 200),
    ("GET", "/static/no-such-file.css", {}, 404),
    ("POST", "/login", {"Content-Length": str(MB)}, 413),
    ("POST", "/stats/bookings", {"Content-Length": str(9 * MB)}, 413),
]
APP_OWN = [
    ("GET", "/", {}, 200),
    ("GET", "/book?from=footer", {}, 302),
    ("GET", "/no-such-page", {}, 404),
]


def check_every_answer(port, host, https, server_name):
    """The proxy's own answers and the app's carry the app's headers, once."""
    for method, path, headers, status in PROXY_OWN + APP_OWN:
        where = f"{method} {path}"
        got, lines = answer(port, path, method, https, Host=host, **headers)
        assert got == status, (where, lines)
        assert_security_headers(lines, https, where)
        assert_no_gunicorn(lines, where)
        assert [v for n, v in lines if n == "server"] == [server_name], where


def test_caddy_answers_carry_the_security_headers_and_never_name_gunicorn(
    caddy, app_server
):
    check_every_answer(caddy, f"example.com:{caddy}", False, "Caddy")
    # The app's answers came from the app: Caddy's "?" left them as they were.
    assert app_saw(app_server, "/no-such-page")


def test_caddy_over_https_adds_hsts_to_its_own_answers(caddy_https):
    check_every_answer(caddy_https, f"example.com:{caddy_https}", True, "Caddy")


def test_nginx_answers_carry_the_security_headers_and_never_name_gunicorn(
    nginx, app_server
):
    check_every_answer(nginx["https_port"], "example.com", True, "nginx")
    assert app_saw(app_server, "/no-such-page")


@pytest.mark.parametrize("kind", ["caddy", "nginx"])
def test_proxy_errors_while_gunicorn_is_down_carry_the_security_headers(tmp_path, kind):
    # Nothing listens on the app's port: a restart, say.
    with Proxy(kind, tmp_path, free_port()) as proxy:
        for path, status in (("/", 502), ("/static/no-such-file.css", 404)):
            got, lines = answer(proxy.port, path, https=proxy.https, Host=proxy.host)
            assert got == status, (path, lines)
            assert_security_headers(lines, proxy.https, path)
