"""Show a report: a rich table and the one-sentence summary, and a timeline plot."""
import textwrap
from datetime import datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from edge_persist.errors import optional
from edge_persist.verify.report import PERSISTED

MAX_ERRORS_SHOWN = 10


def print_report(report, console=None):
    console = console or Console()
    short = lambda t: t[11:23] if t else "-"  # noqa: E731 - the date is in the value already
    table = Table(title="Execution environments seen", title_justify="left")
    for column in ("env", "value (custom_header)", "region", "POPs", "first seen", "last seen",
                   "lifetime s", "requests", "sources"):
        table.add_column(column, no_wrap=True)
    for row in report["environments"]:
        table.add_row((row["env"] or "?")[:12], row["value"] or "?", row["region"] or "?",
                      ",".join(row["pops"]) or "-", short(row["first_seen"]),
                      short(row["last_seen"]), f"{row['lifetime_s']:.1f}", str(row["requests"]),
                      ",".join(row["sources"]))
    console.print(table)
    summary = report["summary"]
    # soft_wrap: ids and values must stay whole so they can be copied and grepped.
    console.print(f"requests ok {summary['requests_ok']}, failed {summary['requests_failed']}; "
                  f"origin logs found {summary['logs_found']}, missing {summary['logs_missing']}; "
                  f"edge logs in {', '.join(summary['edge_regions']) or 'no region'}; "
                  f"reuse ratio {summary['reuse_ratio']:.2f}", soft_wrap=True)
    earlier = report.get("other_environments") or []
    if earlier:
        console.print(f"not in this run: {len(earlier)} environment(s) logged in the minute "
                      "before the first probe served none of its probes: "
                      + ", ".join((r["env"] or r["value"] or "?")[:12] for r in earlier),
                      soft_wrap=True, highlight=False)
    if report["missing_probes"]:
        console.print("[yellow]probes without an origin log line:[/] "
                      + ", ".join(report["missing_probes"]), soft_wrap=True)
    for error in report["errors"][:MAX_ERRORS_SHOWN]:
        console.print(f"[red]error:[/] {escape(error)}", highlight=False, soft_wrap=True)
    if len(report["errors"]) > MAX_ERRORS_SHOWN:
        console.print(f"... and {len(report['errors']) - MAX_ERRORS_SHOWN} more in the JSON report")
    if report.get("sessions_sentence"):
        console.print(escape(report["sessions_sentence"]), highlight=False, soft_wrap=True)
    _print_kvs(report.get("kvs"), console)
    if report.get("kvs_sentence"):
        console.print(escape(report["kvs_sentence"]), highlight=False, soft_wrap=True)
    colour = "green" if report["verdict"] == PERSISTED else "yellow"
    console.print(f"[bold {colour}]{report['verdict']}[/]: {escape(report['sentence'])}", highlight=False,
                  soft_wrap=True)


def _print_kvs(block, console):
    if not block or "propagation_s" not in block:
        return
    table = Table(title=f"KeyValueStore write at {block['written_at'][11:23]}",
                  title_justify="left")
    for column in ("region", "propagation s", "stale probes"):
        table.add_column(column, no_wrap=True)
    for region, seconds in block["propagation_s"].items():
        table.add_row(region, "not yet" if seconds is None else f"{seconds:.1f}",
                      str(block["stale_per_region"].get(region, 0)))
    console.print(table)


def _ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def plot_timeline(report, path):
    """Time on x, environments on y, one mark per request, coloured by region."""
    optional("matplotlib").use("Agg")  # no display here, and none needed
    plt = optional("matplotlib.pyplot")

    probes = [p for p in report["probes"] if p["status"] == 200 and p["custom_header"]]
    rows = [r for r in report["environments"] if r["requests"]]
    fig, ax = plt.subplots(figsize=(11, 2.2 + 0.45 * max(1, len(rows))))
    if probes:
        t0 = min(_ts(p["sent_at"]) for p in probes)
        regions = sorted({r["region"] or "unknown" for r in rows})
        colours = dict(zip(regions, plt.cm.tab10.colors * 3))
        index = {(r["env"] or r["value"]): i for i, r in enumerate(rows)}
        region_of = {(r["env"] or r["value"]): r["region"] or "unknown" for r in rows}
        for region in regions:
            points = [(_ts(p["sent_at"]) - t0, index[key]) for p in probes
                      if (key := p["persist_env"] or p["custom_header"]) in index
                      and region_of[key] == region]
            if points:
                xs, ys = zip(*points)
                ax.scatter(xs, ys, s=30, color=colours[region], label=region, zorder=3)
                hits = [(_ts(p["sent_at"]) - t0, index[key]) for p in probes
                        if p.get("session_state") == "hit"
                        and (key := p["persist_env"] or p["custom_header"]) in index
                        and region_of[key] == region]
                if hits:  # session hits ringed, so misses stand out as plain dots
                    hx, hy = zip(*hits)
                    ax.scatter(hx, hy, s=110, facecolors="none", edgecolors="black",
                               linewidths=1, zorder=4,
                               label="session hit" if region == regions[0] else None)
                for y in set(ys):  # the lifetime this environment was seen alive
                    span = [x for x, yy in points if yy == y]
                    ax.hlines(y, min(span), max(span), color=colours[region], alpha=0.35, lw=4)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([f"{(r['env'] or '?')[:10]}  {r['value']}" for r in rows], fontsize=8)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, title="region")
        kvs = report.get("kvs") or {}
        if kvs.get("written_at"):  # the write, and when each region first showed it
            written = _ts(kvs["written_at"]) - t0
            ax.axvline(written, color="black", ls="--", lw=1, label="KVS write")
            for i, (region, seconds) in enumerate(sorted(kvs["propagation_s"].items())):
                if seconds is not None:
                    ax.axvline(written + seconds, color=colours.get(region, "grey"), ls=":",
                               lw=1.5, label=f"KVS reached {region}")
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    ax.set_xlabel("seconds since the first probe")
    ax.grid(axis="x", alpha=0.3)
    title = f"{report['verdict']}: {report['sentence']}"
    for extra in ("sessions_sentence", "kvs_sentence"):
        if report.get(extra):
            title += "\n" + report[extra]
    ax.set_title("\n".join(textwrap.fill(line, 110, break_on_hyphens=False)
                           for line in title.split("\n")), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
