"""Forecast plots: one run's regions, or a sweep's hit ratio and environments."""
from edge_persist.errors import optional

optional("matplotlib").use("Agg")  # no display here, and none needed
plt = optional("matplotlib.pyplot")


def sweep_plot(name, values, results, path):
    fig, ratio = plt.subplots(figsize=(8, 4.2))
    ratio.plot(values, [r["hit_ratio"] for r in results], "o-", color="tab:blue")
    ratio.set_ylabel("hit ratio (session found in edge memory)", color="tab:blue")
    ratio.set_ylim(0, 1)
    ratio.set_xscale("log")
    ratio.set_xlabel(name)
    envs = ratio.twinx()
    envs.plot(values, [r["environments"]["mean"] for r in results], "s--", color="tab:orange")
    envs.set_ylabel("execution environments (mean)", color="tab:orange")
    envs.set_yscale("log")
    p = results[0]["parameters"]
    ratio.set_title(f"{', '.join(f'{k} {v:g}' for k, v in p['regions'].items())} share; "
                    f"{p['session_requests']:g} requests/session, think {p['think_time']:g} s, "
                    f"routing {p['routing']}", fontsize=9)
    ratio.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def result_plot(result, path):
    names = list(result["per_region"])
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar(names, [result["per_region"][n]["hit_ratio"] for n in names], color="tab:blue")
    for i, name in enumerate(names):
        ax.text(i, 0.02, f"{result['per_region'][name]['environments_peak']} envs at peak",
                ha="center", color="white", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("hit ratio")
    ax.set_title(f"{result['hit_ratio']:.1%} of {result['requests']:,} requests hit edge "
                 "memory", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
