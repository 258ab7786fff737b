"""Lambda's managed runtimes with their dates, and the ones Lambda@Edge runs.

Source: AWS Lambda Developer Guide, "Lambda runtimes" (supported and deprecated runtimes
tables: deprecation date, block function create, block function update), read on READ_ON.
Lambda moves these dates now and then (python3.9's blocks were pushed back twice), so the
table is dated and a test fails once it is more than a year old: refresh it from the page.

Lambda@Edge: "Lambda@Edge supports the latest versions of Node.js and Python" (CloudFront
Developer Guide, "Restrictions on Lambda@Edge", Supported runtimes), so the edge families are
Node.js and Python; which of their versions a new function may use is this table's business.
A runtime of those families that the table does not list yet (a newer one) is not judged:
only what is provably wrong fires.
"""
import re
from dataclasses import dataclass
from datetime import date

SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
READ_ON = date(2026, 12, 2)
EDGE_FAMILIES = ("nodejs", "python")
# A deprecation this close is worth a warning before it happens.
WARN_BEFORE_DAYS = 90


@dataclass(frozen=True)
class Runtime:
    identifier: str
    deprecated: date      # end of security patches
    create_blocked: date  # no new function with it (CloudFormation create fails)
    update_blocked: date  # no update of a function that has it

    @property
    def family(self):
        return family_of(self.identifier)


def _d(text):
    return date.fromisoformat(text)


# identifier: (deprecation, block function create, block function update), for the families
# Lambda@Edge runs: any other family is refused at the edge whatever its dates.
_TABLE = {
    "nodejs24.x": ("2028-04-30", "2028-06-01", "2028-07-01"),
    "nodejs22.x": ("2027-04-30", "2027-06-01", "2027-07-01"),
    "nodejs20.x": ("2026-04-30", "2026-06-01", "2026-07-01"),
    "nodejs18.x": ("2025-09-01", "2026-02-03", "2026-03-09"),
    "nodejs16.x": ("2024-06-12", "2026-02-03", "2026-03-09"),
    "nodejs14.x": ("2023-12-04", "2026-02-03", "2026-03-09"),
    "nodejs12.x": ("2023-03-31", "2023-03-31", "2023-04-30"),
    "nodejs10.x": ("2021-07-30", "2021-07-30", "2022-02-14"),
    "python3.14": ("2029-06-30", "2029-07-31", "2029-08-31"),
    "python3.13": ("2029-06-30", "2029-07-31", "2029-08-31"),
    "python3.12": ("2028-10-31", "2028-11-30", "2029-01-10"),
    "python3.11": ("2027-06-30", "2027-07-31", "2027-08-31"),
    "python3.10": ("2026-10-31", "2026-11-30", "2027-01-15"),
    "python3.9": ("2025-12-15", "2027-02-01", "2027-03-03"),
    "python3.8": ("2024-10-14", "2027-02-01", "2027-03-03"),
    "python3.7": ("2023-12-04", "2024-01-09", "2024-02-28"),
    "python2.7": ("2021-07-15", "2021-07-15", "2022-05-30"),
}
RUNTIMES = {name: Runtime(name, *(_d(d) for d in dates)) for name, dates in _TABLE.items()}


def family_of(identifier):
    """"nodejs22.x" -> "nodejs", "python3.13" -> "python", "java8.al2" -> "java"."""
    found = re.match(r"[a-z]+", identifier or "")
    return found.group(0) if found else ""


def runs_at_edge(identifier):
    return family_of(identifier) in EDGE_FAMILIES


def newest(family):
    """The supported runtime of `family` whose deprecation lies furthest ahead."""
    found = [r for r in RUNTIMES.values() if r.family == family]
    return max(found, key=lambda r: (r.deprecated, r.identifier)).identifier if found else None


@dataclass(frozen=True)
class Verdict:
    level: str    # "error" (creation blocked), "warning" (deprecated or soon), or "ok"
    message: str


def judge(identifier, today):
    """What Lambda does with a new function of this runtime on `today`."""
    runtime = RUNTIMES.get(identifier)
    if runtime is None:
        return Verdict("ok", f"{identifier} is not in the runtime table of {READ_ON}")
    move_to = newest(runtime.family)
    dates = (f"deprecated {runtime.deprecated}, function create blocked "
             f"{runtime.create_blocked}, update blocked {runtime.update_blocked}")
    if today >= runtime.create_blocked:
        return Verdict("error", f"Lambda no longer creates {identifier} functions ({dates}); "
                                f"move to {move_to}")
    if today >= runtime.deprecated:
        return Verdict("warning", f"{identifier} is deprecated ({dates}); move to {move_to}")
    if (runtime.deprecated - today).days <= WARN_BEFORE_DAYS:
        return Verdict("warning", f"{identifier} is deprecated on {runtime.deprecated}, in "
                                  f"{(runtime.deprecated - today).days} days ({dates}); move "
                                  f"to {move_to}")
    return Verdict("ok", f"{identifier} is supported until {runtime.deprecated}")
