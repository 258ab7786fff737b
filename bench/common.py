"""Helpers shared by the benchmarks: helper processes, best-of-N timing, paired ratios and
printing."""
import os
import signal
import statistics
import subprocess
import timeit

# How long a helper gets to stop on SIGTERM (an emulator ships its last log lines) before its
# whole process group is killed.
STOP_GRACE_S = 10


def start_helper(args, **popen):
    """A helper process in a process group of its own: stop_helper then ends it and everything
    it started, so a benchmark leaves nothing running."""
    return subprocess.Popen([str(a) for a in args], start_new_session=True, **popen)


def stop_helper(process):
    """SIGTERM to the helper's group, then SIGKILL to whatever of the group is left."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        process.wait(STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


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


def run(main):
    """A benchmark's entry point: a usage error (no cdk.out, say: `make synth` first) is one
    line and its exit code, as in every tool."""
    import sys
    from edge_persist.errors import CliError
    try:
        main()
    except CliError as err:
        print(f"bench: {err}", file=sys.stderr)
        sys.exit(err.exit_code)
