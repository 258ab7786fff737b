"""Every function's log lines as they happen: kept in memory for the control API (and the
pytest fixture's `logs()`), and printed on the emulator's stderr.

The log shipper's thread hands each line here (its `tap`) before it ships it to CloudWatch
Logs, so the terminal shows a line within a moment of the function writing it, and a test
reads the lines of its own requests without waiting for CloudWatch.

On the terminal each line is prefixed with the function's name and the region that ran it:

    [Rewrite eu-west-3] 2026-12-07T10:00:00.000Z  3f2a...  INFO  rewriting /a
    [Rewrite eu-west-3] [ERROR] KeyError: 'uri'

START, END and REPORT lines only with -v (`verbose`).
"""
import collections
import sys
import threading

# Lines kept per log group and region: a long run's memory stays bounded.
MAX_LINES = 10_000
LAMBDA_PREFIX = "/aws/lambda/"
EDGE_PREFIX = "/aws/lambda/us-east-1."
FUNCTION_PREFIX = "/aws/cloudfront/function/"
CLOUDFRONT_PREFIX = "/aws/cloudfront/LambdaEdge/"
# Lines Lambda writes itself around each invoke: shown with -v only.
BOOKENDS = ("START RequestId:", "END RequestId:", "REPORT RequestId:")
FUNCTION_BOOKENDS = ("START DistributionID:", "END ComputeUtilization:")


def function_of(group):
    """The function a log group belongs to, as the terminal names it."""
    for prefix in (EDGE_PREFIX, FUNCTION_PREFIX, LAMBDA_PREFIX):
        if group.startswith(prefix):
            return group[len(prefix):]
    if group.startswith(CLOUDFRONT_PREFIX):
        return f"CloudFront {group[len(CLOUDFRONT_PREFIX):]}"
    return group


class FunctionLogs:
    """The newest MAX_LINES lines of each (log group, region); thread-safe."""

    def __init__(self, terminal=None):
        self.terminal = terminal
        self._lines = {}
        self._lock = threading.Lock()

    def tap(self, region, group, line):
        with self._lock:
            kept = self._lines.get((group, region))
            if kept is None:
                kept = self._lines[(group, region)] = collections.deque(maxlen=MAX_LINES)
            kept.append(line)
        if self.terminal is not None:
            self.terminal(region, group, line)

    def lines(self, groups, region=None):
        """[(region, line)] of these log groups, in the order each was written (group by
        group), in every region or in `region`."""
        with self._lock:
            return [(where, line) for (group, where), kept in self._lines.items()
                    if group in groups and region in (None, where) for line in kept]

    def groups(self):
        """(group, region) of every log group with a line kept."""
        with self._lock:
            return list(self._lines)

    def clear(self):
        with self._lock:
            self._lines.clear()


class Terminal:
    """Prints function log lines on stderr, each prefixed with its function and region."""

    def __init__(self, verbose=False, stream=None):
        self.verbose = verbose
        self.stream = stream or sys.stderr

    def __call__(self, region, group, line):
        # A CloudFront function's lines begin with the request id: look past it.
        if not self.verbose and (line.startswith(BOOKENDS) or line.partition(" ")[2]
                                 .startswith(FUNCTION_BOOKENDS)):
            return
        print(f"[{function_of(group)} {region}] {line}", file=self.stream, flush=True)
