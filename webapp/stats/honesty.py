"""When a difference may be called a change, and a peak a pattern.

The one home of the honesty rules: the dashboard, `flask stats` and the weekly
letter all ask here before they say "up", "down", "busiest" or "best day".
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass

# "busiest", "best day", "most on": at least this many events.
MIN_PATTERN_EVENTS = 10
# Comparing two rates needs at least this many people (e.g. those who pressed a
# booking button) in the two periods together.
MIN_RATE_PEOPLE = 20

# Two-sided, 95%: a difference is a change when chance alone would make one at
# least this large fewer than 1 time in 20.
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Change:
    """How a number moved between two periods, as far as chance lets us say."""

    # "up", "down", "same" (chance often makes a difference this size) or
    # "too-few" (rates resting on fewer than MIN_RATE_PEOPLE).
    direction: str

    @property
    def sure(self) -> bool:
        """True when the difference may be called a rise or a fall."""
        return self.direction in ("up", "down")


SAME = Change("same")
TOO_FEW = Change("too-few")


def count_change(now: int, before: int) -> Change:
    """Two counts over equal lengths of time, by the exact conditional binomial test."""
    if now == before:
        return SAME
    # Two Poisson counts over equal times: given their sum n, `now` is
    # Binomial(n, 1/2) when nothing changed. The distribution is symmetric, so
    # the two-sided p-value is twice the smaller tail.
    if 2 * _half_tail(now + before, min(now, before)) >= SIGNIFICANCE:
        return SAME
    return Change("up" if now > before else "down")


def _half_tail(total, smaller):
    """P(X <= smaller) for X ~ Binomial(total, 1/2), with smaller < total / 2.

    Summed from ``smaller`` down, each term from the one above, and stopped
    once the terms no longer count: a year of page views (a million) takes a
    few thousand steps, not a million big-number binomials.
    """
    log_term = (
        math.lgamma(total + 1)
        - math.lgamma(smaller + 1)
        - math.lgamma(total - smaller + 1)
        - total * math.log(2)
    )
    term = math.exp(log_term)
    if term == 0.0:
        return 0.0  # below 1e-300: far past any threshold
    tail = 0.0
    for k in range(smaller, -1, -1):
        tail += term
        if term < tail * 1e-16:
            break
        term *= k / (total - k + 1)
    return tail


def rate_change(hits: int, total: int, hits_before: int, total_before: int) -> Change:
    """Two rates (hits out of total), judged by the two-proportion z-test."""
    if hits + hits_before < MIN_RATE_PEOPLE or total <= 0 or total_before <= 0:
        return TOO_FEW
    rate, rate_before = hits / total, hits_before / total_before
    pooled = (hits + hits_before) / (total + total_before)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / total + 1 / total_before))
    if spread == 0:
        return SAME  # both rates 0% or both 100%
    z = (rate - rate_before) / spread
    if math.erfc(abs(z) / math.sqrt(2)) >= SIGNIFICANCE:
        return SAME
    return Change("up" if z > 0 else "down")


def peaks(counts: Mapping) -> list:
    """Every key with the top count (ties all), or none when too few events to tell."""
    if sum(counts.values()) < MIN_PATTERN_EVENTS:
        return []
    top = max(counts.values(), default=0)
    if top <= 0:
        return []
    return [key for key, value in counts.items() if value == top]


def change_words(change: Change, before_text: str, since: str) -> str:
    """The change in words: "up from 7.8% the week before", "about the same as ..."."""
    if change.direction == "up":
        return f"up from {before_text} {since}"
    if change.direction == "down":
        return f"down from {before_text} {since}"
    if change.direction == "same":
        return f"about the same as {since}"
    return "too few to tell yet"
