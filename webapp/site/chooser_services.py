"""The chooser's suggestion in the practice's own terms: its sessions and phone.

A suggestion of one kind of massage lists the practice's services it names
(content/practice.yaml), with their length and price, above its booking
button. The suggestions that ask the reader to wait offer the practice's
phone for questions; "get care today" never does: that reader is sent to a
healthcare provider, not to the practice.
"""

from .chooser_safety import ANOTHER_DAY, PROVIDER_FIRST

# The suggestions that say "Questions? Call <the practice>" when it has a phone.
CALL_PROMPT_OUTCOMES = (PROVIDER_FIRST, ANOTHER_DAY)


def matching_services(services, outcome):
    """The services whose name, case-folded, is or contains the outcome's ``name``."""
    name = getattr(outcome, "name", None)
    if not name:
        return ()  # the safety tiers name no service of their own
    wanted = name.casefold()
    return tuple(service for service in services if wanted in service.name.casefold())


def service_line(practice, service):
    """One service as "Medical massage · 90 minutes · $132.50", each part when known."""
    return " · ".join([service.name, *practice.service_terms(service)])


def service_lines(practice, outcome):
    """The lines of the practice's services that ``outcome`` suggests."""
    return [
        service_line(practice, service)
        for service in matching_services(practice.services, outcome)
    ]


def offers_call(practice, outcome):
    """Whether the suggestion offers the practice's phone for questions."""
    return bool(practice.phone) and outcome.id in CALL_PROMPT_OUTCOMES
