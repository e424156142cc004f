"""The settings that gave the practice's facts before content/practice.yaml did.

FLASK_PRACTICE_NAME, FLASK_PRACTICE_PHONE, FLASK_PRACTICE_ADDRESS,
FLASK_PRACTICE_CITY and FLASK_CURRENCY: a deployment made before still sets
them, and its copy of practice.yaml (never touched by upgrades) lacks those
keys. Each one still given is read once, at start-up, for the fact the file
leaves out; `flask check` says which key to put in the file instead.
"""

import json

from pydantic import ValidationError

from ..core.check_result import fail, warn
from ..core.text import clean_text
from .content import odd_characters

# Each old setting and the practice.yaml key that holds its fact now.
OLD_SETTINGS = {
    "PRACTICE_NAME": "name",
    "PRACTICE_PHONE": "phone",
    "PRACTICE_ADDRESS": "address",
    "PRACTICE_CITY": "city",
    "CURRENCY": "currency",
}
# The most of a setting read: one line, as the letter's subject shows the name.
SETTING_LENGTH = 200
# `flask check`'s name for these lines.
PRACTICE = "practice"


def old_settings(config):
    """The old practice settings still given (not empty), each as one clean line."""
    given = {}
    for setting in OLD_SETTINGS:
        value = clean_text(config.get(setting), SETTING_LENGTH)
        if value:
            given[setting] = value
    return given


def fill_in(practice, data, config, context):
    """``practice`` with each fact the file (``data``) leaves out from its setting.

    Returns it and what became of each setting given: "used", "ignored" (the
    file gives the fact) or "unusable" (a value the file would be refused for).
    """
    outcome = {}
    for setting, value in old_settings(config or {}).items():
        key = OLD_SETTINGS[setting]
        if data.get(key) not in (None, ""):
            outcome[setting] = "ignored"
            continue
        try:
            practice = type(practice).model_validate(
                {**data, key: value}, context=context
            )
        except ValidationError:
            outcome[setting] = "unusable"
            continue
        data = {**data, key: value}
        outcome[setting] = "used"
    return practice, outcome


def _odd_words(odd):
    """What the odd characters of a setting are, in words."""
    if any(len(f"a{ch}b".splitlines()) > 1 for ch in odd):
        return "a line break"
    if "\t" in odd:
        return "a tab"
    return f"an invisible control character (U+{ord(odd[0]):04X})"


def check_old_setting(setting, given, practice, file, config):
    """`flask check`'s line for an old practice setting still given.

    A warning while it is read for a fact practice.yaml leaves out, or is
    ignored because the file gives it; an error for a value the site cannot
    use as given (a line break in the name, a currency code that is none).
    ``given`` is the setting as start-up read it; ``config`` is unused (every
    check of `flask check` is called with it).
    """
    key = OLD_SETTINGS[setting]
    odd = odd_characters(given)
    if odd:
        return fail(
            PRACTICE,
            f"FLASK_{setting} has {_odd_words(odd)} in it: write it on one line of "
            f"ordinary characters, as '{key}:' in {file}, and delete the setting",
        )
    outcome = practice.old_settings.get(setting)
    if outcome == "unusable":
        return fail(
            PRACTICE,
            f"FLASK_{setting} cannot be the practice's {key} ({given!r}): give "
            f"'{key}:' in {file} and delete the setting",
        )
    as_yaml = json.dumps(given.strip(), ensure_ascii=False)
    if outcome == "ignored":
        shown = getattr(practice, key)
        fix = "delete the setting"
        if shown != given.strip():
            fix = f"if {given} is right, put {key}: {as_yaml} there; then {fix}"
        return warn(
            PRACTICE,
            f"FLASK_{setting} ({given}) is no longer read: {file} gives the "
            f"{key} ({shown}), which the site shows; {fix}",
        )
    return warn(
        PRACTICE,
        f"FLASK_{setting} is deprecated: put {key}: {as_yaml} in {file}, "
        "then delete the setting",
    )
