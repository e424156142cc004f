"""The honesty rules on their boundaries: when a change, when a pattern."""

import math

import pytest

from webapp.stats.honesty import (
    MIN_PATTERN_EVENTS,
    MIN_RATE_PEOPLE,
    Change,
    change_words,
    count_change,
    peaks,
    rate_change,
)


def test_the_issue_click_through_is_about_the_same():
    # 12/226 = 5.31%, 15/193 = 7.77%; pooled 27/419 = 6.44%;
    # spread = sqrt(.0644 * .9356 * (1/226 + 1/193)) = .0241;
    # z = -.0246 / .0241 = -1.02, well inside +-1.96: chance makes this most weeks.
    assert rate_change(12, 226, 15, 193).direction == "same"


def test_a_big_rise_in_click_through_is_up_and_its_mirror_down():
    # 40/200 = 20%, 15/200 = 7.5%; pooled 55/400 = 13.75%;
    # spread = sqrt(.1375 * .8625 * .01) = .0344; z = .125 / .0344 = 3.63.
    assert rate_change(40, 200, 15, 200) == Change("up")
    assert rate_change(15, 200, 40, 200) == Change("down")


def test_rates_either_side_of_the_95_percent_line():
    # 30/100 against 18/100: pooled .24, spread sqrt(.24 * .76 * .02) = .0604,
    # z = .12 / .0604 = 1.99 > 1.96: a rise.
    assert rate_change(30, 100, 18, 100).direction == "up"
    # 29/100 against 18/100: pooled .235, spread .0600, z = .11 / .0600 = 1.83.
    assert rate_change(29, 100, 18, 100).direction == "same"


def test_rates_resting_on_fewer_than_20_people_are_too_few():
    assert MIN_RATE_PEOPLE == 20
    # 9 + 10 = 19 people: too few, however the rates differ.
    assert rate_change(9, 100, 10, 100).direction == "too-few"
    assert rate_change(15, 50, 1, 200).direction == "too-few"
    # 10 + 10 = 20 people: enough to compare (and the rates are equal).
    assert rate_change(10, 100, 10, 100).direction == "same"
    # Nobody at all in a period: nothing to compare with.
    assert rate_change(25, 100, 0, 0).direction == "too-few"


def test_counts_that_chance_makes_are_the_same():
    # 3 against 9: given 12 events, 3 or fewer on one side has chance
    # (1 + 12 + 66 + 220) / 2**12 = 299/4096 = .073; both sides .146 > .05.
    assert count_change(3, 9).direction == "same"
    assert count_change(9, 3).direction == "same"
    assert count_change(7, 7).direction == "same"
    assert count_change(0, 0).direction == "same"


def test_counts_that_chance_rarely_makes_are_a_change():
    # 25 against 5: 5 or fewer of 30 has chance
    # (1 + 30 + 435 + 4060 + 27405 + 142506) / 2**30 = .00016; both sides .0003.
    assert count_change(25, 5) == Change("up")
    assert count_change(5, 25) == Change("down")


def test_counts_either_side_of_the_95_percent_line():
    # 15 against 5: 5 or fewer of 20 has chance
    # (1 + 20 + 190 + 1140 + 4845 + 15504) / 2**20 = .0207; both sides .041 < .05.
    assert count_change(15, 5).direction == "up"
    # 16 against 6: 6 or fewer of 22 has chance
    # (1 + 22 + 231 + 1540 + 7315 + 26334 + 74613) / 2**22 = .0262; .052 > .05.
    assert count_change(16, 6).direction == "same"
    # 0 against 6: 2 / 2**6 = .031, a fall; 0 against 5: 2 / 2**5 = .0625, not.
    assert count_change(0, 6).direction == "down"
    assert count_change(0, 5).direction == "same"


def exact_direction(now, before):
    """The exact test with whole-number binomials, for small counts."""
    smaller, total = min(now, before), now + before
    tail = sum(math.comb(total, k) for k in range(smaller + 1)) / 2**total
    if now == before or 2 * tail >= 0.05:
        return "same"
    return "up" if now > before else "down"


def test_counts_agree_with_the_exact_test_and_stay_quick_when_large():
    for now in range(60):
        for before in range(60):
            assert count_change(now, before).direction == exact_direction(now, before)
    # A million page views: 2,000 apart is two standard deviations (sqrt of
    # 998,000 is 999): a rise; 1,800 apart is 1.8: about the same.
    assert count_change(500_000, 498_000).direction == "up"
    assert count_change(499_900, 498_100).direction == "same"
    assert count_change(0, 10**9).direction == "down"
    assert count_change(10**8, 10**9).direction == "down"
    assert count_change(10**9 + 10**5, 10**9).direction == "up"


def test_only_up_and_down_are_sure():
    assert Change("up").sure and Change("down").sure
    assert not Change("same").sure and not Change("too-few").sure


@pytest.mark.parametrize(
    "counts",
    [
        {"Monday 8 am": 1},  # one click is no "busiest"
        {"Dec 3": 5, "Dec 4": 4},  # nine events
        {},
        {"Dec 3": 0, "Dec 4": 0},
    ],
)
def test_fewer_than_10_events_make_no_peak(counts):
    assert MIN_PATTERN_EVENTS == 10
    assert peaks(counts) == []


def test_a_peak_of_10_events_names_every_tie_in_order():
    assert peaks({"Dec 3": 5, "Dec 4": 5}) == ["Dec 3", "Dec 4"]
    counts = {"Dec 2": 1, "Dec 3": 3, "Dec 4": 3, "Dec 5": 3}
    assert peaks(counts) == ["Dec 3", "Dec 4", "Dec 5"]
    assert peaks({"Dec 3": 7, "Dec 4": 3}) == ["Dec 3"]


def test_change_words():
    since = "the week before"
    assert change_words(Change("up"), "7.8%", since) == "up from 7.8% the week before"
    assert change_words(Change("down"), "12", since) == "down from 12 the week before"
    assert change_words(Change("same"), "7.8%", since) == (
        "about the same as the week before"
    )
    assert change_words(Change("too-few"), "7.8%", since) == "too few to tell yet"
