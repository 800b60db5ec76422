"""Metric names: the ones the code defines with prometheus_client, and the ones a PromQL expression reads."""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from sellerbot_deploy_checks.processes import REPO_ROOT

_KINDS = {"Counter", "Gauge", "Histogram", "Summary"}
_SOURCE_DIRS = ("libs", "gateway", "services")
PROMETHEUS_BUILTINS = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})
# Labels Prometheus adds to every scraped series, and the ones histogram/summary series carry.
TARGET_LABELS = frozenset({"job", "instance", "le", "quantile"})

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


@dataclass(frozen=True)
class MetricDefinition:
    name: str  # as exposed: counters carry the _total suffix
    kind: str  # Counter | Gauge | Histogram | Summary
    labels: frozenset[str]
    path: str


def _definitions_in(path: Path, relative: str) -> list[MetricDefinition]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(errors="replace"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _KINDS):
            continue
        if not (node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            continue
        label_node = node.args[2] if len(node.args) > 2 else next(
            (k.value for k in node.keywords if k.arg == "labelnames"), None)
        labels = frozenset(str(e.value) for e in getattr(label_node, "elts", []) if isinstance(e, ast.Constant))
        name = node.args[0].value
        if node.func.id == "Counter" and not name.endswith("_total"):
            name += "_total"  # prometheus_client exposes counters with the suffix
        found.append(MetricDefinition(name, node.func.id, labels, relative))
    return found


@functools.cache
def metric_definitions(root: Path = REPO_ROOT) -> dict[str, MetricDefinition]:
    """Every metric created with prometheus_client in the code (tests and generated code excluded); read once."""
    found: dict[str, MetricDefinition] = {}
    for folder in _SOURCE_DIRS:
        for path in (root / folder).rglob("*.py"):
            relative = path.relative_to(root)
            if {"tests", ".venv", "node_modules"} & set(relative.parts) or relative.parts[:2] == ("libs", "protos"):
                continue
            found.update((d.name, d) for d in _definitions_in(path, str(relative)))
    return found


def defined_metrics(root: Path = REPO_ROOT) -> dict[str, str]:
    """Metric name -> the file defining it."""
    return {name: d.path for name, d in metric_definitions(root).items()}


def grouping_labels(expr: str) -> set[str]:
    """Labels an expression groups by or matches on (`by (...)`, `{label=...}`), minus target labels."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    labels = {label.strip() for group in re.findall(r"\bby\s*\(([^)]*)\)", text) for label in group.split(",")}
    labels |= set(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", " ".join(re.findall(r"\{([^}]*)\}", text))))
    return {label for label in labels if label} - TARGET_LABELS


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
