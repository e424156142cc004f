"""The one reader (and writer) of /etc/webapp/env, with systemd's rules.

systemd reads the file for the units (EnvironmentFile=); deploy/webapp and
deploy/manage.sh read it through this file, as root, so that all three see
the same values and the file is never run as a shell script:

  python3 -I deploy/envfile.py shell WHO FILE
      the FLASK_, WEBAPP_ and LITESTREAM_ settings, one KEY=VALUE a line,
      for deploy/webapp to `export` one by one (never `eval`)
  python3 -I deploy/envfile.py exec WHO FILE -- COMMAND [ARG...]
      COMMAND with the file's settings added to its environment (manage.sh)
  python3 -I deploy/envfile.py set WHO FILE EXAMPLE NAME VALUE
      the file with NAME=VALUE in it, on standard output (`webapp set`):
      NAME must be a setting of EXAMPLE (deploy/env.example), exactly

The rules are those of systemd's own parser (src/basic/env-file.c): empty
lines and lines starting with # or ; are comments; KEY=VALUE, with spaces
around the key and after = dropped; a value in '...' or "..." keeps its
spaces, without quotes spaces inside are kept and trailing ones dropped; in
"..." a backslash keeps ", \\, ` and $ literal; a backslash at the end of a
line joins the next one; a carriage return ends a line too (Windows line
endings work, with a warning). What systemd would silently drop or misread
(a line without =, a name that is not one, a quote left open or followed
by more text, a control character) stops here with its line number and the
fix. WHO starts every message ("webapp install", "manage.sh").
"""

import os
import re
import sys

WHITESPACE = " \t\n\r"
NEWLINE = "\n\r"
COMMENTS = "#;"
NEEDS_ESCAPE = '"\\`$'
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SHELL_PREFIXES = ("FLASK_", "WEBAPP_", "LITESTREAM_")
PLAIN = re.compile(r"[A-Za-z0-9_@%+=:,./~-]+")
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
QUOTE_FIX = (
    "close it on the same line (a value with an apostrophe goes in double "
    'quotes: "It\'s Massage Time")'
)


class EnvFileError(Exception):
    """A line systemd would drop or misread: its number and the fix."""


def no_value(line, text):
    """The error for a line that is not NAME=value."""
    return (
        f"line {line} (“{text.strip()}”) is not NAME=value: write it so, or put "
        "# in front to keep it as a comment"
    )


def parse(text):
    """[(key, value, first line, last line)] in order, as systemd reads ``text``.

    Raises EnvFileError for what systemd would drop or misread.
    """
    found = []
    state, key, value, first = "pre_key", "", None, 0
    trail = None  # where the value's trailing whitespace starts
    quote_line = 0
    line = 1

    def push():
        name = key.rstrip(WHITESPACE)
        text_value = value or ""
        if trail is not None and state == "value":
            text_value = text_value[:trail]
        found.append((name, text_value, first, line))

    for c in text:
        if state == "pre_key":
            if c in COMMENTS:
                state = "comment"
            elif c not in WHITESPACE:
                state, key, value, first = "key", c, None, line
        elif state == "key":
            if c in NEWLINE:
                raise EnvFileError(no_value(first, key))
            if c == "=":
                state, value, trail = "pre_value", "", None
            else:
                key += c
        elif state == "pre_value":
            if c in NEWLINE:
                push()
                state = "pre_key"
            elif c == "'":
                state, quote_line = "single", line
            elif c == '"':
                state, quote_line = "double", line
            elif c == "\\":
                state = "value_escape"
            elif c not in WHITESPACE:
                state, value, trail = "value", value + c, None
        elif state == "value":
            if c in NEWLINE:
                push()
                state = "pre_key"
            elif c == "\\":
                state, trail = "value_escape", None
            else:
                if c not in WHITESPACE:
                    trail = None
                elif trail is None:
                    trail = len(value)
                value += c
        elif state == "post_quote":
            # systemd glues on what follows ('It's' reads Its'): refused.
            if c in NEWLINE:
                push()
                state = "pre_key"
            elif c not in WHITESPACE:
                raise EnvFileError(
                    f"line {line}: text after the closing quote: put the whole "
                    'value in one pair of quotes ("It\'s Massage Time")'
                )
        elif state == "value_escape":
            state = "value"
            if c not in NEWLINE:
                value += c
        elif state in ("single", "double"):
            if c == "\n":
                raise EnvFileError(
                    f"line {quote_line}: a quote opened here is not closed: {QUOTE_FIX}"
                )
            if state == "single" and c == "'" or state == "double" and c == '"':
                state = "post_quote"
            elif state == "double" and c == "\\":
                state = "double_escape"
            else:
                value += c
        elif state == "double_escape":
            state = "double"
            if c in NEEDS_ESCAPE:
                value += c
            elif c != "\n":
                value += "\\" + c
        elif state == "comment":
            if c == "\\":
                state = "comment_escape"
            elif c in NEWLINE:
                state = "pre_key"
        elif state == "comment_escape":
            state = "pre_key" if c in NEWLINE else "comment"
        if c == "\n":
            line += 1
    if state in ("single", "double", "double_escape"):
        raise EnvFileError(
            f"line {quote_line}: a quote opened here is not closed: {QUOTE_FIX}"
        )
    if state == "key":
        raise EnvFileError(no_value(first, key))
    if state in ("pre_value", "post_quote", "value", "value_escape"):
        line -= text.endswith("\n")
        push()
    for name, text_value, start, _end in found:
        if name.startswith("export ") and NAME.fullmatch(name[7:]):
            raise EnvFileError(f"line {start}: remove “export ” (NAME=value only)")
        if not NAME.fullmatch(name):
            raise EnvFileError(
                f"line {start}: “{name}” is not a setting's name (letters, digits "
                "and _ only, as in deploy/env.example): write NAME=value"
            )
        if CONTROL.search(text_value):
            raise EnvFileError(
                f"line {start}: {name}'s value holds a control character: "
                "retype the line"
            )
    return found


def read(path):
    """(the file's text, a warning or None); EnvFileError if unreadable."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise EnvFileError(f"{path}: cannot read it ({error.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise EnvFileError(
            f"{path} line {line} is not UTF-8 text: retype it (sudo nano {path})"
        ) from None
    warning = None
    if "\r" in text:
        warning = (
            "has Windows line endings (CR LF), read as systemd reads them; "
            "`webapp set` writes it back without them"
        )
    return text, warning


def settings(path, who):
    """The file's settings (the last of each name wins, as in systemd)."""
    text, warning = read(path)
    if warning:
        print(f"{who}: warning: {path} {warning}", file=sys.stderr)
    try:
        found = parse(text)
    except EnvFileError as error:
        raise EnvFileError(f"{path} {error}") from None
    return {name: value for name, value, _first, _last in found}


def quoted(value):
    """``value`` as both systemd and ``parse`` read it back, in one line."""
    if not value or PLAIN.fullmatch(value):
        return value
    return '"' + "".join("\\" + c if c in NEEDS_ESCAPE else c for c in value) + '"'


def known_names(example):
    """The settings deploy/env.example lists, in use or commented out."""
    with open(example, encoding="utf-8") as f:
        return set(re.findall(r"^#?([A-Za-z_][A-Za-z0-9_]*)=", f.read(), re.M))


def with_setting(path, example, name, value):
    """The file's new text with ``name`` set to ``value``."""
    if name not in known_names(example):
        raise EnvFileError(f"{name} is not a setting of deploy/env.example")
    if CONTROL.search(value) or value != value.encode("utf-8", "replace").decode():
        raise EnvFileError(
            "a value must be one line of text, without a new line or other "
            "control character"
        )
    text, _warning = read(path)
    try:
        found = parse(text)
    except EnvFileError as error:
        raise EnvFileError(f"{path} {error}; then run set again") from None
    new = f"{name}={quoted(value)}"
    assert parse(new) == [(name, value, 1, 1)], new
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    mine = [(first, last) for key, _v, first, last in found if key == name]
    if mine:
        first, last = mine[-1]
        lines[first - 1 : last] = [new]
    else:
        example_line = [
            i for i, line in enumerate(lines) if line.startswith(f"#{name}=")
        ]
        if example_line:
            lines[example_line[0]] = new
        else:
            lines.append(new)
    return "\n".join(lines) + "\n"


def main(argv):
    """The three uses above; 1 (after one line on stderr) when refused."""
    if len(argv) < 3 or argv[0] not in ("shell", "exec", "set"):
        print(__doc__, file=sys.stderr)
        return 2
    use, who, path = argv[:3]
    try:
        if use == "set":
            example, name, value = argv[3:6]
            sys.stdout.write(with_setting(path, example, name, value))
            return 0
        found = settings(path, who)
    except EnvFileError as error:
        print(f"{who}: {error}", file=sys.stderr)
        return 1
    if use == "shell":
        for name, value in found.items():
            if name.startswith(SHELL_PREFIXES):
                print(f"{name}={value}")
        return 0
    command = argv[4:] if argv[3:4] == ["--"] else argv[3:]
    os.environ.update(found)
    os.execvp(command[0], command)  # noqa: S606 (manage.sh's own command)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
