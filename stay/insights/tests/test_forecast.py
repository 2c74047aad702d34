"""The orders forecast (issue 23): the error by hand, each model on series whose future is
known, no peeking past the cut, closed days, and the choice by backtest."""

from datetime import date, timedelta

import pytest

from stay.insights import forecast as fc

START = date(2026, 1, 5)  # a Monday
WEEK = [100, 120, 110, 130, 90, 0, 60]  # Monday to Sunday; closed on Saturdays


def weeks(n: int, growth: float = 1.0) -> dict[date, float]:
    """``n`` weeks of the same weekday shape, each week ``growth`` times the one before."""
    return {START + timedelta(7 * w + d): WEEK[d] * growth**w for w in range(n) for d in range(7) if WEEK[d]}


def test_the_error_by_hand_skips_days_without_orders():
    """Days with orders 100 and 50, forecast 110 and 40: (10/100 + 10/50) / 2 = 0.15."""
    series = {date(2026, 3, 2): 100.0, date(2026, 3, 3): 50.0}
    days = [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 7)]
    assert fc.mape(series, days, [110, 40, 5]) == pytest.approx(0.15)


def test_a_steady_week_is_forecast_exactly_and_closed_days_are_zero():
    series = weeks(20)
    cut = max(series)
    ahead = [cut + timedelta(n) for n in range(1, 15)]
    for name in ("naive", "profile", "growth"):
        assert fc.MODELS[name](series, cut, ahead) == pytest.approx([WEEK[d.weekday()] for d in ahead]), name
    assert fc.ets(series, cut, ahead)[ahead.index(next(d for d in ahead if d.weekday() == 5))] == 0


def test_growth_carries_a_trend_that_the_others_miss():
    series = weeks(20, growth=1.05)
    cut = max(series)
    ahead = [cut + timedelta(n) for n in range(1, 29)]
    truth = {START + timedelta(7 * w + d): WEEK[d] * 1.05**w for w in range(20, 25) for d in range(7) if WEEK[d]}
    errors = {name: fc.mape(truth, ahead, model(series, cut, ahead)) for name, model in fc.MODELS.items()}
    assert errors["growth"] < 0.02 < errors["naive"] and errors["growth"] == min(errors.values())


def test_the_choice_is_made_on_the_past_only():
    """The backtests end at the cut: what came after cannot change the choice or the forecast."""
    series = weeks(30, growth=1.02)
    cut = START + timedelta(7 * 24 - 1)
    before = fc.forecast(series, cut, 28)
    later = {d: (v * 3 if d > cut else v) for d, v in series.items()}
    after = fc.forecast(later, cut, 28)
    assert (after.model, after.values, after.errors) == (before.model, before.values, before.errors)
    assert before.errors[before.model] == min(before.errors.values())
    assert before.naive_error > before.error


@pytest.mark.django_db
def test_the_stores_orders_a_day_and_the_forecast_from_them(store):
    """Orders count on the store's day: 02:00 UTC on a Tuesday is Monday evening in New York.
    With 21 weeks of two orders each weekday but Saturday (and four on Mondays), the next
    days are forecast the same way; with less than 20 weeks there is no forecast."""
    from stay.insights.selectors import daily_orders, orders_ahead
    from stay.insights.tests.conftest import order, weeks_of_orders

    today = date(2026, 6, 15)  # a Monday
    first = today - timedelta(weeks=21)
    weeks_of_orders(store, today)
    order(store, "late", (2026, 6, 9), "10", number=9001, cancelled=True)  # not counted
    order(store, "night", (2026, 5, 12), "10", number=9002, hour=2)  # Monday 22:00 in New York
    series = daily_orders(store=store, today=today)
    assert series[date(2026, 5, 11)] == 5 and series[date(2026, 5, 12)] == 2 and series[date(2026, 6, 9)] == 2
    assert date(2026, 6, 13) not in series  # a Saturday
    assert orders_ahead(store=store, today=first + timedelta(weeks=19)) is None
    ahead = orders_ahead(store=store, today=today, days=7)
    assert ahead.days[0] == today  # from today: yesterday is the last whole day
    assert ahead.values == pytest.approx([4, 2, 2, 2, 2, 0, 2], abs=0.3)  # (one Monday had 5)
