"""Daily orders ahead, from the store's own history: a few simple models, each backtested on
the months just before, and the one with the smallest error used (its error stated).

- **naive**: the same weekday last week (the seasonal naive forecast every other is held to);
- **profile**: the last 8 weeks' mean by weekday, times the last 4 weeks' level against them;
- **growth**: the same profile carried forward by the growth from the 4 weeks before to the
  last 4, compounding week by week;
- **ets**: Holt-Winters (statsmodels): damped additive trend, multiplicative weekday season,
  on the days the store sells (a weekday with no order in 8 weeks is closed: 0).

The error is the mean absolute percentage error over the days with orders."""

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

Series = Mapping[date, float]
Model = Callable[[Series, date, list[date]], list[float]]


def _open_weekdays(series: Series, cut: date) -> set[int]:
    return {d.weekday() for d, n in series.items() if n > 0 and 0 <= (cut - d).days < 56}


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(n) for n in range((end - start).days + 1)]


def _profile(series: Series, cut: date) -> dict[int, float]:
    recent = _days(cut - timedelta(55), cut)
    return {wd: float(np.mean([series.get(d, 0) for d in recent if d.weekday() == wd])) for wd in range(7)}


def naive(series: Series, cut: date, ahead: list[date]) -> list[float]:
    return [_last_same(series, cut, d) for d in ahead]


def _last_same(series: Series, cut: date, day: date) -> float:
    """The orders of the last day up to ``cut`` on ``day``'s weekday that had any (a holiday
    is skipped), within 8 weeks."""
    last = cut - timedelta((cut.weekday() - day.weekday()) % 7)
    for week in range(8):
        if found := series.get(last - timedelta(7 * week), 0):
            return float(found)
    return 0.0


def profile(series: Series, cut: date, ahead: list[date]) -> list[float]:
    shape = _profile(series, cut)
    last4 = np.mean([series.get(d, 0) for d in _days(cut - timedelta(27), cut)])
    last8 = np.mean([series.get(d, 0) for d in _days(cut - timedelta(55), cut)])
    level = float(last4 / last8) if last8 else 1.0
    return [shape[d.weekday()] * level for d in ahead]


def growth(series: Series, cut: date, ahead: list[date]) -> list[float]:
    shape = _profile(series, cut)
    last4 = np.mean([series.get(d, 0) for d in _days(cut - timedelta(27), cut)])
    before = np.mean([series.get(d, 0) for d in _days(cut - timedelta(55), cut - timedelta(28))])
    last8 = np.mean([last4, before])
    if not last8 or not before:
        return profile(series, cut, ahead)
    rate = last4 / before  # over four weeks
    # The last 4 weeks' level sits at their middle, two weeks before the cut.
    return [shape[d.weekday()] * last4 / last8 * rate ** (((d - cut).days + 14) / 28) for d in ahead]


def ets(series: Series, cut: date, ahead: list[date]) -> list[float]:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    open_days = _open_weekdays(series, cut)
    history = [d for d in _days(cut - timedelta(167), cut) if d.weekday() in open_days]
    values = np.maximum(np.array([series.get(d, 0) for d in history], dtype=float), 1.0)
    if len(open_days) < 2 or len(values) < 4 * len(open_days):
        return profile(series, cut, ahead)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes: the backtest judges the fit
        fit = ExponentialSmoothing(
            values,
            trend="add",
            damped_trend=True,
            seasonal="mul",
            seasonal_periods=len(open_days),
            initialization_method="estimated",
        ).fit()
    wanted = [d for d in ahead if d.weekday() in open_days]
    found = dict(zip(wanted, fit.forecast(len(wanted)), strict=True))
    return [max(0.0, float(found.get(d, 0.0))) for d in ahead]


MODELS: dict[str, Model] = {"naive": naive, "profile": profile, "growth": growth, "ets": ets}


def mape(series: Series, days: list[date], predicted: list[float]) -> float:
    pairs = [(series[d], p) for d, p in zip(days, predicted, strict=True) if series.get(d, 0) > 0]
    return float(np.mean([abs(p - y) / y for y, p in pairs])) if pairs else float("nan")


def backtest(series: Series, cut: date, days: int, model: Model) -> float:
    """The error of ``model`` trained up to ``cut`` over the ``days`` after it."""
    ahead = _days(cut + timedelta(1), cut + timedelta(days))
    return mape(series, ahead, model(series, cut, ahead))


@dataclass(frozen=True)
class Forecast:
    days: list[date]
    values: list[float]
    model: str
    error: float  # the chosen model's error on the last period before the cut
    naive_error: float  # the seasonal naive forecast's error on the same period
    errors: dict[str, float]  # each model's mean error over the backtest periods


def forecast(series: Series, cut: date, days: int = 28, *, folds: int = 3) -> Forecast:
    """Daily orders for the ``days`` after ``cut``: each model backtested over the ``folds``
    periods of ``days`` before it (each trained only on what came before), the smallest mean
    error chosen."""
    origins = [cut - timedelta(days * k) for k in range(folds, 0, -1)]
    errors = {
        name: float(np.nanmean([backtest(series, origin, days, model) for origin in origins]))
        for name, model in MODELS.items()
    }
    best = min(errors, key=lambda name: (np.isnan(errors[name]), errors[name]))
    ahead = _days(cut + timedelta(1), cut + timedelta(days))
    return Forecast(
        days=ahead,
        values=MODELS[best](series, cut, ahead),
        model=best,
        error=backtest(series, origins[-1], days, MODELS[best]),
        naive_error=backtest(series, origins[-1], days, naive),
        errors=errors,
    )
