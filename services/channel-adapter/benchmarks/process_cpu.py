"""This process's CPU during a block (`time.process_time()`), and optionally a cProfile of it: the benchmarks'
one way of measuring on a shared machine."""

from __future__ import annotations

import cProfile
import os
import pstats
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Measured:
    seconds: float = 0.0


@contextmanager
def process_cpu(profile_name: str | None = None) -> Iterator[Measured]:
    """With a `profile_name`: a cProfile (CPU clock) dumped in `<tmp>/<profile_name>.prof` and its top functions
    printed (cProfile roughly doubles the CPU: compare shares, not totals)."""
    measured = Measured()
    profiler = cProfile.Profile(time.process_time) if profile_name else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    try:
        yield measured
    finally:
        if profiler:
            profiler.disable()
        measured.seconds = time.process_time() - started
    if profiler:
        profiler.dump_stats(os.path.join(tempfile.gettempdir(), f"{profile_name}.prof"))
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(50)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
