"""The worksteal order of tests/schedule.py: long modules first, every test kept."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import schedule


@dataclass
class FakeItem:
    nodeid: str
    markers: set[str] = field(default_factory=set)

    def get_closest_marker(self, name: str):
        return name if name in self.markers else None


def _items(spec: dict[str, tuple[int, int]]) -> list[FakeItem]:
    """module -> (light tests, slow tests), in that order within the module."""
    items = []
    for module, (light, slow) in spec.items():
        items += [FakeItem(f"{module}::light{i}") for i in range(light)]
        items += [FakeItem(f"{module}::slow{i}", {"slow"}) for i in range(slow)]
    return items


def test_slices_are_the_ones_worksteal_cuts() -> None:
    assert schedule.slices(10, 2) == [5, 5]
    assert schedule.slices(11, 2) == [5, 6]
    assert schedule.slices(10, 3) == [3, 3, 4]
    assert sum(schedule.slices(3704, 4)) == 3704


def test_without_workers_the_order_is_kept() -> None:
    items = _items({"tests/a.py": (3, 1), "tests/b.py": (2, 0)})
    assert schedule.order(items, 1) == items


@pytest.mark.parametrize("workers", [2, 3])
def test_heavy_modules_lead_the_slices_and_nothing_is_lost(workers: int) -> None:
    items = _items(
        {
            "tests/a.py": (20, 0),
            "tests/mutation/test_mutation_suite.py": (2, 2),
            "tests/b.py": (30, 0),
            "tests/mypyc_run/test_mypyc_run.py": (0, 1),
            "tests/c.py": (5, 1),
            "tests/d.py": (25, 0),
        }
    )
    ordered = schedule.order(items, workers)
    assert sorted(i.nodeid for i in ordered) == sorted(i.nodeid for i in items)
    starts = [0]
    for size in schedule.slices(len(items), workers)[:-1]:
        starts.append(starts[-1] + size)
    firsts = {ordered[s].nodeid.split("::")[0] for s in starts}
    # the two heaviest modules start two different slices
    assert "tests/mutation/test_mutation_suite.py" in firsts
    assert "tests/mypyc_run/test_mypyc_run.py" in firsts
    # a module's tests stay together and in their order
    for module in ("tests/mutation/test_mutation_suite.py", "tests/c.py"):
        where = [n for n, i in enumerate(ordered) if i.nodeid.startswith(module)]
        assert where == list(range(where[0], where[0] + len(where)))
        assert [ordered[n] for n in where] == [i for i in items if i.nodeid.startswith(module)]
    # the light tests keep their relative order
    light = [
        i for i in items if i.nodeid.split("::")[0] in ("tests/a.py", "tests/b.py", "tests/d.py")
    ]
    assert [i for i in ordered if i in light] == light


def test_auto_workers_doubles_only_for_the_fast_part() -> None:
    cores = len(os.sched_getaffinity(0))
    fast = min(schedule.FAST_WORKERS_PER_CORE * cores, cores + schedule.FAST_EXTRA_WORKERS_MAX)
    assert fast > cores
    assert schedule.auto_workers("not slow", {}) == fast
    assert schedule.auto_workers("  not   slow ", {}) == fast
    # the whole suite, the slow part, any other expression: xdist's one per core
    for markexpr in ("", "slow", "postgres", "not slow and postgres", "not slower"):
        assert schedule.auto_workers(markexpr, {}) is None, markexpr
    # xdist's own setting wins
    assert schedule.auto_workers("not slow", {"PYTEST_XDIST_AUTO_NUM_WORKERS": "3"}) is None


def test_the_hook_is_what_n_auto_uses() -> None:
    """`-n auto` with `-m "not slow"` starts two workers per core (a real pytest run)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_AUTO_NUM_WORKERS"}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "not slow",
         "tests/suite/test_schedule.py::test_slices_are_the_ones_worksteal_cuts"],
        capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    fast = schedule.auto_workers("not slow", {})
    assert f"created: {fast}/" in out.stdout, out.stdout
