"""Lambda's runtime lifecycle, and which runtimes Lambda@Edge runs.

The dates (deprecation, block function create, block function update) and each runtime's
successor are cfn-lint's: its package data `data/AdditionalSpecs/LmbdRuntimeLifecycle.json`,
which drives cfn-lint's own E2531, E2533 and W2531 and which cfn-lint keeps current with the
Lambda guide's "Lambda runtimes" page. This module reads that file where cfn-lint installs it
and keeps no copy, so the two linters cannot disagree on a date.

What cfn-lint does not know is Lambda@Edge's own rule: it runs Node.js and Python ("Restrictions
on Lambda@Edge", Supported runtimes: "the latest versions of Node.js and Python"). Every
runtime string of those families is judged, listed or not:
- listed: by its dates;
- not listed and older than the oldest listed version of its family: long blocked;
- not listed and newer than the newest: unknown to the data, so Lambda@Edge support cannot be
  confirmed: a warning, never silence;
- not listed and between listed versions: a runtime Lambda never had, which it refuses.
A version is read as its numbers (`nodejs6.10` is 6.10, `nodejs24.x` 24), and an `-edge`
suffix (`nodejs4.3-edge`, the first edge runtime) as the version before it.
"""
import functools
import re
from dataclasses import dataclass
from datetime import date

LIFECYCLE_FILE = "LmbdRuntimeLifecycle.json"
SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
DATA_SOURCE = f"cfn-lint's data/AdditionalSpecs/{LIFECYCLE_FILE}"
EDGE_FAMILIES = ("nodejs", "python")
# A deprecation this close is worth a warning before it happens.
WARN_BEFORE_DAYS = 90
_IDENTIFIER = re.compile(r"^([a-z]+)((?:\d+)(?:\.\d+)*)?(?:\.x)?(-edge)?$")


@dataclass(frozen=True)
class Runtime:
    identifier: str
    deprecated: date       # end of security patches; None when the data gives none
    create_blocked: date   # no new function with it (CloudFormation create fails)
    update_blocked: date   # no update of a function that has it
    successor: str = None

    @property
    def family(self):
        return family_of(self.identifier)

    @property
    def version(self):
        return version_of(self.identifier)


def family_of(identifier):
    """"nodejs22.x" -> "nodejs", "python3.13" -> "python", "java8.al2" -> "java"."""
    found = re.match(r"[a-z]+", identifier or "")
    return found.group(0) if found else ""


def version_of(identifier):
    """The numbers of a runtime's version, as a tuple to compare: "nodejs6.10" -> (6, 10),
    "nodejs24.x" -> (24,), "nodejs4.3-edge" -> (4, 3), "nodejs" -> (); None when the string
    is not shaped as a runtime of a versioned family."""
    found = _IDENTIFIER.match(identifier or "")
    if not found:
        return None
    return tuple(int(part) for part in found.group(2).split(".")) if found.group(2) else ()


def runs_at_edge(identifier):
    return family_of(identifier) in EDGE_FAMILIES


def _day(text):
    return date.fromisoformat(text) if text else None


@functools.lru_cache(maxsize=1)
def lifecycle():
    """Every runtime in cfn-lint's lifecycle data, by identifier. Imported here, not at the
    top: the emulator reads family_of without the [lint] extra installed."""
    from cfnlint.data import AdditionalSpecs
    from cfnlint.helpers import load_resource
    return {name: Runtime(name, _day(dates.get("deprecated")), _day(dates.get("create-block")),
                          _day(dates.get("update-block")), dates.get("successor"))
            for name, dates in load_resource(AdditionalSpecs, LIFECYCLE_FILE).items()}


def listed(family):
    """The versioned runtimes of `family` the data lists, oldest version first (the bare
    `nodejs` of 2016 has no number to compare)."""
    return sorted((r for r in lifecycle().values() if r.family == family and r.version),
                  key=lambda r: (r.version, r.identifier))


def newest(family):
    """The runtime of `family` with the highest version the data lists."""
    found = listed(family)
    return found[-1].identifier if found else None


@dataclass(frozen=True)
class Verdict:
    level: str    # "error" (Lambda refuses to create it), "warning" or "ok"
    message: str


def judge(identifier, today):
    """What Lambda does with a new function of this runtime on `today`."""
    runtime = lifecycle().get(identifier)
    if runtime is None:
        return _unlisted(identifier)
    move_to = runtime.successor or newest(runtime.family)
    dates = (f"deprecated {runtime.deprecated}, function create blocked "
             f"{runtime.create_blocked}, update blocked {runtime.update_blocked}; "
             f"{DATA_SOURCE}")
    if runtime.create_blocked and today >= runtime.create_blocked:
        return Verdict("error", f"Lambda no longer creates {identifier} functions ({dates}); "
                                f"move to {move_to}")
    if runtime.deprecated and today >= runtime.deprecated:
        return Verdict("warning", f"{identifier} is deprecated ({dates}); move to {move_to}")
    if runtime.deprecated and (runtime.deprecated - today).days <= WARN_BEFORE_DAYS:
        return Verdict("warning", f"{identifier} is deprecated on {runtime.deprecated}, in "
                                  f"{(runtime.deprecated - today).days} days ({dates}); move "
                                  f"to {move_to}")
    return Verdict("ok", f"{identifier} is supported until {runtime.deprecated}")


def _unlisted(identifier):
    """A runtime the data does not list, judged by its version against the listed ones."""
    family, version = family_of(identifier), version_of(identifier)
    known = listed(family)
    if not known:
        return Verdict("ok", f"{DATA_SOURCE} lists no {family or identifier} runtime")
    oldest, latest = known[0], known[-1]
    if version is None:
        return Verdict("error", f"{identifier!r} is not a Lambda runtime identifier (the "
                                f"{family} runtimes run from {oldest.identifier} to "
                                f"{latest.identifier}); use {latest.identifier}")
    if version < oldest.version:
        return Verdict("error", f"{identifier} is older than {oldest.identifier}, the oldest "
                                f"{family} runtime in {DATA_SOURCE}: Lambda has long stopped "
                                f"creating it; move to {latest.identifier}")
    if version > latest.version:
        return Verdict("warning", f"{identifier} is newer than {latest.identifier}, the newest "
                                  f"{family} runtime in {DATA_SOURCE}: whether Lambda@Edge "
                                  f"runs it cannot be confirmed; update cfn-lint, or use "
                                  f"{latest.identifier}")
    return Verdict("error", f"Lambda has no runtime {identifier} ({DATA_SOURCE} lists every "
                            f"{family} runtime from {oldest.identifier} to "
                            f"{latest.identifier}); use {latest.identifier}")
