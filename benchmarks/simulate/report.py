"""The simulator's figures: averaged over seeds, read against Kith's targets, printed as
a markdown table and drawn as PNG plots (matplotlib, Agg)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Kith's targets for matching over time (docs/matching-over-time.md).
SHARE_OFFERED = 0.90
MET_MARGIN = 0.01
SECONDS_8_WEEKS_20K = 600

COLUMNS = (
    ("met", "met"),
    ("expired_unmet", "expired unmet"),
    ("urgent.met", "urgent met"),
    ("urgent.p50_h", "urgent p50 h"),
    ("urgent.p95_h", "urgent p95 h"),
    ("urgent.within_1h", "urgent met within 1 h"),
    ("soon.p50_h", "soon p50 h"),
    ("soon.p95_h", "soon p95 h"),
    ("routine.p50_h", "routine p50 h"),
    ("routine.p95_h", "routine p95 h"),
    ("weekly_offered_mean", "weekly share offered"),
    ("gini_offers", "Gini of offers"),
    ("alerts_per_match", "alerts per urgent match"),
    ("asks_per_match", "asks per match"),
    ("helpers_left", "helpers left"),
    ("mean_distance_m", "mean distance m"),
    ("continuity", "continuity"),
    ("deprivation_gap", "most − least deprived met"),
)


def value(run: dict, key: str):
    for part in key.split("."):
        run = run.get(part) if isinstance(run, dict) else None
    return run


def mean(runs: list[dict], key: str) -> float | None:
    found = [value(r, key) for r in runs]
    found = [v for v in found if v is not None]
    return float(np.mean(found)) if found else None


def pooled(runs: list[dict], key: str) -> float | None:
    """A time-to-match percentile ("urgent.p95_h") over the met needs of every seed
    together. A seed meets only a handful of urgent needs, so its own p95 is close to its
    slowest one, and the mean of such figures moves with every seed added. Results kept
    before the waits were (no `waits_h`) give the mean of the seeds' own figures."""
    urgency, _dot, name = key.partition(".")
    waits = [value(r, f"{urgency}.waits_h") for r in runs]
    if not runs or any(w is None for w in waits):
        return mean(runs, key)
    every = [w for one in waits for w in one]
    return float(np.percentile(every, float(name[1:-2]))) if every else None


def within_hour(runs: list[dict], urgency: str = "urgent") -> float | None:
    """The share of every seed's needs of `urgency` met within an hour of opening: unlike a
    percentile over the needs met, a policy that meets more needs, some of them late, is not
    counted slower for it."""
    waits = [value(r, f"{urgency}.waits_h") for r in runs]
    needs = sum(value(r, f"{urgency}.needs") or 0 for r in runs)
    if not runs or any(w is None for w in waits) or not needs:
        return None
    return sum(1 for one in waits for w in one if w <= 1.0) / needs


def figure(runs: list[dict], key: str) -> float | None:
    """What the table shows for `key`: waits pooled over seeds, anything else their mean."""
    if key.endswith(".within_1h"):
        return within_hour(runs, key.partition(".")[0])
    return pooled(runs, key) if key.endswith(("p50_h", "p95_h")) else mean(runs, key)


def p95_gap_interval(
    runs: list[dict], base: list[dict], draws: int = 2000
) -> tuple[float, float] | None:
    """How far the urgent p95 of `runs` is from `base`'s (hours, positive: slower) in the
    middle 90 % of resamples of the seeds. Seeds are drawn with replacement and the same
    seeds for both policies, which met the same people's needs (common random numbers); so
    the interval shows what the seeds' luck alone moves the gap by."""
    mine = {r["seed"]: r for r in runs if "seed" in r}
    theirs = {r["seed"]: r for r in base if "seed" in r}
    seeds = sorted(set(mine) & set(theirs))
    if len(seeds) < 2 or any(value(mine[s], "urgent.waits_h") is None for s in seeds):
        return None
    rng = np.random.default_rng(0)
    gaps = []
    for _ in range(draws):
        pick = [seeds[k] for k in rng.integers(0, len(seeds), len(seeds))]
        a = pooled([mine[s] for s in pick], "urgent.p95_h")
        b = pooled([theirs[s] for s in pick], "urgent.p95_h")
        if a is not None and b is not None:
            gaps.append(a - b)
    if not gaps:
        return None
    low, high = np.percentile(gaps, [5, 95])
    return float(low), float(high)


def _cell(v: float | None, key: str) -> str:
    if v is None:
        return "–"
    if key in ("mean_distance_m", "helpers_left"):
        return f"{v:.0f}"
    if key.endswith("_h") or key in ("alerts_per_match", "asks_per_match"):
        return f"{v:.1f}"
    return f"{v:.3f}" if key == "gini_offers" else f"{100 * v:.1f} %"


def table(scenario: str, policies: dict[str, list[dict]]) -> str:
    head = "| policy | " + " | ".join(label for _k, label in COLUMNS) + " |"
    rule = "| --- " * (len(COLUMNS) + 1) + "|"
    rows = [
        f"| {name} | " + " | ".join(_cell(figure(runs, k), k) for k, _l in COLUMNS) + " |"
        for name, runs in policies.items()
    ]
    return f"**{scenario}**\n\n" + "\n".join([head, rule, *rows])


@dataclass(frozen=True)
class Check:
    scenario: str
    policy: str
    target: str
    figure: str
    met: bool | None


def checks(scenario: str, policies: dict[str, list[dict]], baseline: str) -> list[Check]:
    """Each policy against Kith's targets, on the average of its seeds (times to a match
    over every seed's met needs together, with the interval of the gap to nearest-first
    that the seeds' luck alone gives). A scenario whose
    helpers outnumber its needs is read against the share offered; one whose needs outnumber
    its helpers against needs met and urgent p95; alerts per match everywhere."""
    base = policies.get(baseline)
    if not base:
        return []
    b_met, b_p95 = mean(base, "met"), pooled(base, "urgent.p95_h")
    b_alerts = mean(base, "alerts_per_match")
    best_met = max((mean(r, "met") or 0) for r in policies.values())
    out = []

    def add(name: str, target: str, figure: str, met: bool | None) -> None:
        out.append(Check(scenario, name, target, figure, met))

    for name, runs in policies.items():
        met, p95 = mean(runs, "met"), pooled(runs, "urgent.p95_h")
        share, alerts = mean(runs, "weekly_offered_mean"), mean(runs, "alerts_per_match")
        if scenario.startswith("helpers"):
            add(name, f"weekly share offered ≥ {SHARE_OFFERED:.0%}", _cell(share, "x"),
                share is not None and share >= SHARE_OFFERED)  # fmt: skip
            add(name, f"needs met ≥ nearest-first ({_cell(b_met, 'x')})", _cell(met, "x"),
                None if met is None or b_met is None else met >= b_met - 1e-9)  # fmt: skip
        else:
            add(name, f"needs met within 1 point of best ({_cell(best_met, 'x')})",
                _cell(met, "x"), met is not None and met >= best_met - MET_MARGIN)  # fmt: skip
            gap = None if name == baseline else p95_gap_interval(runs, base)
            said = "" if gap is None else f" (gap {gap[0]:+.2f} to {gap[1]:+.2f} h)"
            add(name, f"urgent p95 ≤ nearest-first ({_hours(b_p95)} h)", _hours(p95) + said,
                None if p95 is None or b_p95 is None else p95 <= b_p95 + 1e-9)  # fmt: skip
        add(name, f"alerts per match < nearest-first ({_cell(b_alerts, 'x_h')})",
            _cell(alerts, "x_h"),
            None if alerts is None or b_alerts is None or name == baseline
            else alerts < b_alerts)  # fmt: skip
    return out


def _hours(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def checks_table(found: list[Check]) -> str:
    said = {True: "met", False: "NOT met", None: "–"}
    rows = [
        f"| {c.scenario} | {c.policy} | {c.target} | {c.figure} | {said[c.met]} |" for c in found
    ]
    return "\n".join(["| scenario | policy | target | figure | |", "| --- " * 5 + "|", *rows])


def _tick(name: str) -> str:
    """A policy's name over several short lines, for a bar's label."""
    return "\n".join(
        textwrap.wrap(name.replace(" + ", " +\u00a0"), width=13, break_long_words=False)
    )


def plots(results: dict, out: Path) -> list[Path]:
    """Three PNGs in `out`: needs met by urgency, weekly share offered and Gini, urgent
    waits and alerts per match; one panel per scenario, policies side by side."""
    import matplotlib  # noqa: PLC0415 - the backend is chosen before pyplot loads

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    out.mkdir(parents=True, exist_ok=True)
    scenarios = results["scenarios"]
    made = []
    specs = (
        ("matching-met.png", "Needs met, by urgency",
         [("urgent.met", "urgent"), ("soon.met", "soon"), ("routine.met", "routine")], 1.2, None),
        ("matching-fairness.png", "How work reaches helpers",
         [("weekly_offered_mean", "weekly share offered"), ("gini_offers", "Gini of offers")],
         1.2, SHARE_OFFERED),
        ("matching-urgent.png", "Urgent needs: p95 hours to a match, alerts per match",
         [("urgent.p95_h", "urgent p95 h"), ("alerts_per_match", "alerts per match")], None, None),
    )  # fmt: skip
    for filename, title, series, top, line in specs:
        most = max(len(p) - 1 for p in scenarios.values())  # policies side by side
        wide = max(6, 1.1 * most) * len(scenarios)
        fig, axes = plt.subplots(1, len(scenarios), figsize=(wide, 4.8), squeeze=False)
        for ax, (scenario, policies) in zip(axes[0], scenarios.items(), strict=True):
            names = [p for p in policies if p != "_size"]
            x = np.arange(len(names))
            width = 0.8 / len(series)
            for k, (key, label) in enumerate(series):
                ys = [figure(policies[p]["runs"], key) or 0 for p in names]
                ax.bar(x + k * width - 0.4 + width / 2, ys, width, label=label)
            if line is not None:
                ax.axhline(line, color="black", linestyle="--", linewidth=1, label="target")
            ax.set_xticks(x, [_tick(n) for n in names], fontsize=7)
            ax.set_title(scenario.replace("_", " "))
            if top is not None:
                ax.set_ylim(0, top)
            ax.legend(fontsize=8, loc="upper left", ncols=len(series) + 1)
        fig.suptitle(title)
        fig.tight_layout()
        path = out / filename
        fig.savefig(path, dpi=100)
        plt.close(fig)
        made.append(path)
    return made
