"""The orders forecast against the issue 23 protocol on Online Retail II (run by hand; not part
of `make test`).

    python bench/forecast.py [--file ../shared/data/online_retail_II_2009_2010.csv.gz]

The series: distinct invoices a day, cancellations ("C…") left out. Trained on the days up to
2010-10-31, each model forecasts every day of November. The score is the mean absolute
percentage error (MAPE) over the days with orders, set against the seasonal naive forecast
(the last week repeated) in the same run. Target (issue 23): at most 0.5x the seasonal naive.

The served choice (``insights.forecast.forecast``) picks its model by backtests over the three
28-day periods before the cut, each trained only on what came before. November does not decide it.

The ceiling of what history can give is printed as two oracles that know some of November:
its real weekly totals, spread by the last 8 weeks' weekday shares, and its own weekday means.
"""

import argparse
import csv
import gzip
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stay.insights import forecast as fc  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "online_retail_II_2009_2010.csv.gz"
CUT, END = date(2010, 10, 31), date(2010, 11, 30)


def invoices_a_day(path: Path) -> dict[date, float]:
    days: dict[date, set[str]] = defaultdict(set)
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
        for row in csv.DictReader(handle):
            if not row["Invoice"].startswith("C"):
                days[datetime.strptime(row["InvoiceDate"][:10], "%Y-%m-%d").date()].add(row["Invoice"])
    return {day: float(len(found)) for day, found in days.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", default=str(DATA))
    args = parser.parse_args()
    series = invoices_a_day(Path(args.file))
    ahead = [CUT + timedelta(n) for n in range(1, (END - CUT).days + 1)]
    open_days = sum(series.get(d, 0) > 0 for d in ahead)
    print(f"{len(series)} days with orders; forecast {ahead[0]}..{ahead[-1]} ({open_days} days with orders)")
    naive = fc.mape(series, ahead, fc.naive(series, CUT, ahead))
    for name, model in fc.MODELS.items():
        started = time.perf_counter()
        error = fc.mape(series, ahead, model(series, CUT, ahead))
        took = (time.perf_counter() - started) * 1000
        print(f"{name:<8} MAPE {error:.3f}  {error / naive:.2f}x seasonal naive  ({took:.0f} ms)")
    started = time.perf_counter()
    chosen = fc.forecast(series, CUT, len(ahead))
    took = time.perf_counter() - started
    error = fc.mape(series, ahead, chosen.values)
    backtests = ", ".join(f"{name} {value:.3f}" for name, value in chosen.errors.items())
    print(f"served choice by backtest ({backtests}): {chosen.model}, November MAPE {error:.3f} ({took:.1f} s)")
    # What knowing part of November gives: the ceiling for a forecast from history.
    shape = fc._profile(series, CUT)
    shares = {wd: value / sum(shape.values()) for wd, value in shape.items()}
    weekly: dict[date, float] = defaultdict(float)  # each week's whole total, Monday to Sunday
    for day, orders in series.items():
        weekly[day - timedelta(day.weekday())] += orders
    known_weeks = [weekly[d - timedelta(d.weekday())] * shares[d.weekday()] for d in ahead]
    own = {
        wd: np.mean([series[d] for d in ahead if d.weekday() == wd and series.get(d, 0) > 0] or [0]) for wd in range(7)
    }
    print(
        f"ceiling (oracles that know November): its weekly totals x the weekday shares "
        f"{fc.mape(series, ahead, known_weeks):.3f}; its own weekday means "
        f"{fc.mape(series, ahead, [own[d.weekday()] for d in ahead]):.3f}"
    )
    print(f"target (issue 23): <= 0.5x seasonal naive = {0.5 * naive:.3f} -> served {error:.3f} ({error / naive:.2f}x)")


if __name__ == "__main__":
    main()
