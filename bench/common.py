"""Helpers shared by the benchmarks: best-of-N timing and ratio printing."""
import timeit


def best_per_call(fn, number=20000, repeat=7):
    """Seconds per call, best of `repeat` runs: the least noisy figure on a shared machine."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def row(label, value, unit, target=None):
    goal = f"  (target {target})" if target else ""
    print(f"{label:<58} {value:>10.3f} {unit}{goal}")
