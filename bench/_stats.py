"""Timing summaries the benches share: p50/p95/max in milliseconds over repeated runs."""

from __future__ import annotations

import statistics
from typing import Any


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def summary(times: list[float]) -> dict[str, Any]:
    return {
        "p50_ms": ms(statistics.median(times)),
        "p95_ms": ms(percentile(times, 95)),
        "max_ms": ms(max(times)),
        "runs": len(times),
    }
