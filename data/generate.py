"""Generate the demo datasets (deterministic: the same bytes on every machine).

    python data/generate.py          # write data/*.csv if they differ
    python data/generate.py --check  # exit 1 if the committed files are stale
    python data/generate.py --drifted PATH   # also write drifted churn rows to PATH (not committed)

churn.csv            binary classification: numeric, categorical and nullable columns
churn_current.csv    "production" rows for drift checks, drawn from the same process
housing.csv          regression
penguins.csv         multiclass classification
events/DAY.parquet   daily partitions of churn events with a timestamp (a windowed `source`)
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def churn(rows: int, seed: int, id_offset: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    contract = rng.choice(
        ["month-to-month", "one-year", "two-year"], size=rows, p=[0.55, 0.25, 0.20]
    )
    payment = rng.choice(
        ["card", "bank-transfer", "electronic-check", "mailed-check"],
        size=rows,
        p=[0.3, 0.25, 0.3, 0.15],
    )
    senior = rng.random(rows) < 0.16
    tenure = np.clip(
        rng.gamma(1.6, 18.0, size=rows) + (contract != "month-to-month") * 12, 0, 72
    ).astype(int)
    monthly = np.round(np.clip(rng.normal(65, 28, size=rows) + senior * 8, 18.25, 118.75), 2)
    total = np.round(monthly * np.maximum(tenure, 1) * rng.normal(1.0, 0.03, size=rows), 2)
    support_calls = rng.poisson(1.2 + (monthly > 90) * 0.8, size=rows)
    logit = (
        -0.9
        + 1.4 * (contract == "month-to-month")
        - 0.9 * (contract == "two-year")
        - 0.045 * tenure
        + 0.018 * (monthly - 65)
        + 0.45 * support_calls
        + 0.6 * (payment == "electronic-check")
        + 0.35 * senior
    )
    churned = rng.random(rows) < 1 / (1 + np.exp(-logit))
    total_col = pd.Series(total, dtype="float64")
    total_col[rng.random(rows) < 0.02] = np.nan  # new customers with no bill yet
    return pd.DataFrame(
        {
            "customer_id": [f"C{n:06d}" for n in range(id_offset + 1, id_offset + rows + 1)],
            "tenure_months": tenure,
            "monthly_charges": monthly,
            "total_charges": total_col,
            "contract": contract,
            "payment_method": payment,
            "senior_citizen": senior,
            "support_calls": support_calls,
            "churned": churned,
        }
    )


def housing(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    neighborhood = rng.choice(
        ["riverside", "old-town", "hills", "suburbs", "industrial"],
        size=rows,
        p=[0.2, 0.2, 0.15, 0.35, 0.1],
    )
    area = np.round(np.clip(rng.lognormal(4.6, 0.35, size=rows), 25, 400), 1)
    rooms = np.clip(np.round(area / 28 + rng.normal(0, 0.8, size=rows)), 1, 10).astype(int)
    age = np.clip(rng.gamma(2.0, 18.0, size=rows), 0, 150).astype(int)
    distance = np.round(np.clip(rng.gamma(2.2, 3.0, size=rows), 0.2, 40), 2)
    premium = {
        "riverside": 1.25,
        "old-town": 1.15,
        "hills": 1.35,
        "suburbs": 1.0,
        "industrial": 0.8,
    }
    factor = np.array([premium[n] for n in neighborhood])
    price = (
        area * 3100 * factor * (1 - 0.0025 * age) * (1 - 0.008 * distance)
        + rooms * 4500
        + rng.normal(0, 15000, size=rows)
    )
    garage = pd.Series(rng.random(rows) < 0.45, dtype="boolean")
    garage[rng.random(rows) < 0.03] = pd.NA  # unknown in some listings
    return pd.DataFrame(
        {
            "area_m2": area,
            "rooms": rooms,
            "age_years": age,
            "distance_km": distance,
            "neighborhood": neighborhood,
            "garage": garage,
            "price": np.round(np.maximum(price, 20000), -2),
        }
    )


def penguins(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    species = rng.choice(["adelie", "chinstrap", "gentoo"], size=rows, p=[0.44, 0.2, 0.36])
    means = {
        "adelie": (38.8, 18.3, 190, 3700),
        "chinstrap": (48.8, 18.4, 196, 3730),
        "gentoo": (47.5, 15.0, 217, 5080),
    }
    islands = {
        "adelie": (["biscoe", "dream", "torgersen"], [0.3, 0.37, 0.33]),
        "chinstrap": (["dream"], [1.0]),
        "gentoo": (["biscoe"], [1.0]),
    }
    cols: dict[str, list[float]] = {
        "bill_length_mm": [],
        "bill_depth_mm": [],
        "flipper_length_mm": [],
        "body_mass_g": [],
    }
    island = []
    for s in species:
        m = means[s]
        cols["bill_length_mm"].append(round(rng.normal(m[0], 2.8), 1))
        cols["bill_depth_mm"].append(round(rng.normal(m[1], 1.1), 1))
        cols["flipper_length_mm"].append(round(rng.normal(m[2], 6.5)))
        cols["body_mass_g"].append(round(rng.normal(m[3], 420), -1))
        names, p = islands[s]
        island.append(str(rng.choice(names, p=p)))
    frame = pd.DataFrame(cols)
    frame.insert(0, "island", island)
    frame["species"] = species
    return frame


DATASETS: dict[str, Callable[[], pd.DataFrame]] = {
    "churn.csv": lambda: churn(6000, seed=7),
    "churn_current.csv": lambda: churn(2000, seed=2026, id_offset=6000),
    "housing.csv": lambda: housing(4000, seed=11),
    "penguins.csv": lambda: penguins(1500, seed=3),
}


def drifted_churn() -> pd.DataFrame:
    """Production rows after the market moved: prices up a third, longer-lived customers."""
    frame = churn(2000, seed=2027, id_offset=8000)
    frame["monthly_charges"] = (frame["monthly_charges"] * 1.35).round(2).clip(upper=160)
    frame["total_charges"] = (frame["total_charges"] * 1.8).round(2)
    frame["tenure_months"] = (frame["tenure_months"] + 18).clip(upper=90)
    return frame


EVENTS_START = pd.Timestamp("2026-10-01", tz="UTC")
EVENTS_DAYS = 45
EVENTS_ROWS = 100


def events(day: int) -> pd.DataFrame:
    """One day of churn events, each at its own second of the day, oldest first."""
    frame = churn(EVENTS_ROWS, seed=5000 + day, id_offset=100_000 + day * EVENTS_ROWS)
    rng = np.random.default_rng(9000 + day)
    seconds = np.sort(rng.integers(0, 86_400, size=EVENTS_ROWS))
    times = EVENTS_START + pd.Timedelta(days=day) + pd.to_timedelta(seconds, unit="s")
    frame.insert(0, "event_time", times)
    return frame.drop(columns=["total_charges"])


def event_partitions() -> dict[str, pd.DataFrame]:
    return {
        f"events/{(EVENTS_START + pd.Timedelta(days=day)).date().isoformat()}.parquet": events(day)
        for day in range(EVENTS_DAYS)
    }


def write_partition(path: Path, frame: pd.DataFrame, check: bool) -> bool:
    """Write one Parquet partition unless the file holds the same rows; True when stale."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    if path.is_file() and pq.read_table(path).equals(table):
        return False
    if not check:
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
    return True


def render(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="fail if a committed file differs")
    parser.add_argument(
        "--drifted", type=Path, default=None, help="write drifted churn rows here as well"
    )
    args = parser.parse_args()
    if args.drifted is not None:
        args.drifted.parent.mkdir(parents=True, exist_ok=True)
        args.drifted.write_bytes(render(drifted_churn()))
    stale = []
    for name, make in DATASETS.items():
        path = HERE / name
        data = render(make())
        if path.is_file() and path.read_bytes() == data:
            continue
        stale.append(name)
        if not args.check:
            path.write_bytes(data)
    for name, frame in event_partitions().items():
        if write_partition(HERE / name, frame, args.check):
            stale.append(name)
    if args.check and stale:
        print(f"stale: {', '.join(stale)} (run python data/generate.py)", file=sys.stderr)
        return 1
    print("data: " + (f"wrote {', '.join(stale)}" if stale and not args.check else "up to date"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
