"""Helpers shared by the benchmarks: best-of-N timing, paired ratios and printing."""
import statistics
import timeit


def best_per_call(fn, number=20000, repeat=7):
    """Seconds per call, best of `repeat` runs: the least noisy figure on a shared machine."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def row(label, value, unit, target=None):
    goal = f"  (target {target})" if target else ""
    print(f"{label:<58} {value:>10.3f} {unit}{goal}")


def paired_ratio(fn, baseline, pairs=7, number=20000):
    """fn's time per call over baseline's, each pair measured back to back, median of pairs:
    a sub-microsecond baseline moves with the machine, and a pair moves together."""
    return statistics.median(
        min(timeit.repeat(fn, number=number, repeat=3)) /
        min(timeit.repeat(baseline, number=number, repeat=3)) for _ in range(pairs))
