"""Whether Litestream copies the database offsite: one line for ``flask check``.

Reads the Litestream configuration (``/etc/webapp/litestream.yml``, made from
``deploy/litestream.yml``, docs/replication.md) and says one of three things:
not configured, configured (replica type and where to, without credentials),
or invalid (and why). It never prints a secret: keys and passwords are not
read at all, and a destination is shown without its user, password or query.
"""

import os
import re
import subprocess
from dataclasses import dataclass
from urllib.parse import urlsplit

import yaml

DEFAULT_CONFIG = "/etc/webapp/litestream.yml"
# deploy/litestream.service, installed under this name (docs/replication.md).
SERVICE = "litestream"
# What `systemctl is-active` says of a service that runs (or is starting).
RUNNING = ("active", "activating", "reloading")
# The shipped file's placeholders all contain this word (like env.example's).
CHANGE_MARKER = "CHANGE"
# What each replica type of Litestream 0.5 needs before it can replicate.
REQUIRED = {
    "s3": ("bucket",),
    "sftp": ("host", "path"),
    "file": ("path",),
    "gs": ("bucket",),
    "abs": ("bucket",),
    "nats": ("bucket",),
}
# Values that are secrets when written into the file itself: never printed,
# only named, so the owner moves them to /etc/webapp/env.
SECRET_KEYS = ("access-key-id", "secret-access-key", "password", "account-key")
GUIDE = "see docs/replication.md"
# A setting Litestream fills in from its environment: $NAME or ${NAME}.
REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


@dataclass(frozen=True)
class ReplicationStatus:
    """The answer: ``state`` is "off", "on" or "invalid"; ``message`` one line."""

    state: str
    message: str

    @property
    def ok(self):
        """True unless the configuration is there but cannot work."""
        return self.state != "invalid"

    def __str__(self):
        return self.message


def replication_status(config_path=DEFAULT_CONFIG, database=None, environ=None):
    """Read the Litestream config at ``config_path``; return a ReplicationStatus.

    With ``database`` (the site's FLASK_DATABASE), a config that replicates
    some other file is invalid: the site's data would not be copied. It is
    "configured" only when it has what Litestream needs: a ``dbs:`` entry with
    a replica and that replica's keys, and every ``${LITESTREAM_...}`` it uses
    set in ``environ`` (the environment, from /etc/webapp/env).
    """
    environ = os.environ if environ is None else environ
    try:
        with open(config_path, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        return _off(f"not configured: no {config_path} ({GUIDE})")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not readable text"
        return _invalid(f"cannot read {config_path}: {reason}")
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as error:
        # Only the position: the YAML error quotes the line, which may hold a key.
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return _invalid(f"{config_path} is not valid YAML{where}")
    placeholders = sorted(_placeholders(config))
    if placeholders:
        names = ", ".join(placeholders)
        return _off(
            f"not configured: {config_path} still has CHANGE values ({names}); {GUIDE}"
        )
    if not isinstance(config, dict) or "dbs" not in config:
        return _off(
            f"not configured: {config_path} lists no database under dbs: ({GUIDE})"
        )
    try:
        entry = _database_entry(config, config_path, database)
        replica = _replica(entry, config_path)
        kind, fields = _replica_fields(replica)
    except _Invalid as problem:
        return _invalid(str(problem))
    missing = [name for name in REQUIRED[kind] if not fields.get(name)]
    if missing:
        return _invalid(
            f"the {kind} replica in {config_path} has no {', '.join(missing)}"
        )
    unset = sorted(
        name for name in _references(entry) if not (environ.get(name) or "").strip()
    )
    if unset:
        names = ", ".join(unset)
        return _off(
            f"not configured: {config_path} uses {names}, not set in /etc/webapp/env; "
            f"{GUIDE}"
        )
    written = [key for key in SECRET_KEYS if _literal(replica.get(key))]
    warning = ""
    if written:
        warning = (
            f"; {', '.join(written)} written in the file: "
            "move to /etc/webapp/env as ${...}"
        )
    return ReplicationStatus(
        "on",
        f"configured: {entry['path']} to {_destination(kind, fields)}{warning}",
    )


def service_state(unit=SERVICE):
    """What systemd says of ``unit`` (``active``, ``inactive``, ``failed``...).

    None when it cannot tell: no systemctl, or no systemd running (a
    container, a laptop), where systemctl prints no state at all.
    """
    # systemctl from PATH, as the owner would type it; no shell, fixed words.
    try:
        result = subprocess.run(  # noqa: S603
            ["systemctl", "is-active", unit],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = result.stdout.split()
    return words[0] if words else None


class _Invalid(Exception):
    """A configuration Litestream would refuse or that copies the wrong file."""


def _off(message):
    return ReplicationStatus("off", message)


def _invalid(message):
    return ReplicationStatus("invalid", message)


def _placeholders(node, where=""):
    """The dotted names of every value that still says CHANGE."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _placeholders(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for value in node:
            yield from _placeholders(value, where)
    elif isinstance(node, str) and CHANGE_MARKER in node:
        yield where.rsplit(".", 1)[-1]


def _references(node):
    """The names of the environment variables the values under ``node`` use."""
    if isinstance(node, dict):
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)
    elif isinstance(node, str):
        yield from REFERENCE.findall(node)


def _database_entry(config, config_path, database):
    """The ``dbs:`` entry for the site's database (or the first one)."""
    dbs = config.get("dbs") if isinstance(config, dict) else None
    if not isinstance(dbs, list) or not dbs:
        raise _Invalid(f"{config_path} lists no database under dbs:")
    entries = [entry for entry in dbs if isinstance(entry, dict) and entry.get("path")]
    if len(entries) != len(dbs):
        raise _Invalid(f"a database in {config_path} has no path:")
    if database is None:
        return entries[0]
    wanted = os.path.realpath(database)
    for entry in entries:
        if os.path.realpath(str(entry["path"])) == wanted:
            return entry
    listed = ", ".join(str(entry["path"]) for entry in entries)
    raise _Invalid(
        f"{config_path} replicates {listed}, not the site's database {database}"
    )


def _replica(entry, config_path):
    """The entry's one replica (``replica:``, or the older ``replicas:`` list)."""
    replica = entry.get("replica")
    if replica is None and isinstance(entry.get("replicas"), list):
        replica = entry["replicas"][0] if entry["replicas"] else None
    if not isinstance(replica, dict):
        raise _Invalid(f"{entry['path']} has no replica: in {config_path}")
    return replica


def _replica_fields(replica):
    """(type, {bucket, path, endpoint, region, host}) from fields or ``url:``."""
    fields = {
        name: str(replica[name])
        for name in ("bucket", "path", "endpoint", "region", "host")
        if replica.get(name) not in (None, "")
    }
    kind = str(replica.get("type") or "")
    url = replica.get("url")
    if url:
        parts = urlsplit(str(url))
        kind = kind or parts.scheme
        if parts.scheme == "file":
            fields.setdefault("path", parts.path)
        elif parts.scheme == "sftp":
            port = f":{parts.port}" if parts.port else ""
            fields.setdefault("host", f"{parts.hostname or ''}{port}")
            fields.setdefault("path", parts.path)
        else:
            fields.setdefault("bucket", parts.hostname or "")
            fields.setdefault("path", parts.path.lstrip("/"))
    kind = kind or "file"  # Litestream's default when only a path is given
    if kind not in REQUIRED:
        known = ", ".join(REQUIRED)
        raise _Invalid(f"unknown replica type {kind!r} (Litestream knows {known})")
    return kind, fields


def _destination(kind, fields):
    """Where the copies go, with no credentials in it."""
    if kind == "file":
        return f"file {fields['path']}"
    if kind == "sftp":
        # A host written as user:password@host keeps only the host.
        host = fields["host"].rsplit("@", 1)[-1]
        return f"sftp {host}:{fields['path']}"
    where = f"{kind} bucket {fields['bucket']}"
    if fields.get("path"):
        where += f" path {fields['path']}"
    if fields.get("endpoint"):
        endpoint = urlsplit(fields["endpoint"]).hostname or fields["endpoint"]
        where += f" at {endpoint.rsplit('@', 1)[-1]}"
    if fields.get("region"):
        where += f" ({fields['region']})"
    return where


def _literal(value):
    """True for a value written out, False for none or a ``${VAR}`` reference."""
    return isinstance(value, str | int) and value != "" and "$" not in str(value)
