"""Metric names: the ones the code defines with prometheus_client, and the ones a PromQL expression reads."""

from __future__ import annotations

import re
from pathlib import Path

from sellerbot_deploy_checks.processes import REPO_ROOT

_DEFINITION = re.compile(r"\b(Counter|Gauge|Histogram|Summary)\(\s*[\"']([a-zA-Z_:][a-zA-Z0-9_:]*)[\"']")
_SOURCE_DIRS = ("libs", "gateway", "services")
PROMETHEUS_BUILTINS = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})

_KEYWORDS = frozenset(
    [
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
        "quantile", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
        "unless", "offset", "abs", "absent", "absent_over_time", "ceil", "changes", "clamp", "clamp_max",
        "clamp_min", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "delta", "deriv", "exp",
        "floor", "histogram_quantile", "histogram_count", "histogram_sum", "histogram_fraction", "holt_winters",
        "hour", "idelta", "increase", "irate", "label_join", "label_replace", "ln", "log2", "log10", "minute",
        "month", "predict_linear", "rate", "resets", "round", "scalar", "sgn", "sort", "sort_desc", "sqrt",
        "time", "timestamp", "vector", "year", "avg_over_time", "min_over_time", "max_over_time",
        "sum_over_time", "count_over_time", "quantile_over_time", "stddev_over_time", "stdvar_over_time",
        "last_over_time", "present_over_time", "inf", "nan"
    ]
)


def defined_metrics(root: Path = REPO_ROOT) -> dict[str, str]:
    """Every metric created with prometheus_client in the code (tests excluded) -> the file defining it."""
    found: dict[str, str] = {}
    for folder in _SOURCE_DIRS:
        for path in (root / folder).rglob("*.py"):
            relative = path.relative_to(root)
            if {"tests", ".venv", "node_modules"} & set(relative.parts) or relative.parts[:2] == ("libs", "protos"):
                continue
            for kind, name in _DEFINITION.findall(path.read_text(errors="replace")):
                if kind == "Counter" and not name.endswith("_total"):
                    name += "_total"  # prometheus_client exposes counters with the suffix
                found[name] = str(relative)
    return found


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (label names, functions and keywords removed)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)  # string literals
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range selectors
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set(re.findall(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)", text))
    return {n for n in names if n not in _KEYWORDS and not re.fullmatch(r"\d+[smhdwy]", n)}


def base_name(name: str, known: set[str]) -> str:
    """`x_bucket`, `x_sum` and `x_count` are series of histogram/summary `x`."""
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name.removesuffix(suffix) in known:
            return name.removesuffix(suffix)
    return name
