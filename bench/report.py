"""The benchmark report: reads bench/results/*.json (one CaseResult per case, see results.py)
and writes bench/RESULTS.md (tables, targets MET / NOT MET, notes, the machine, how to rerun)
and bench/throughput.png (median per subject with min-max bars; one panel per case).

Run: python bench/report.py [--results DIR] [--out DIR]   (make bench runs it last)
"""

import argparse
import importlib.metadata
import math
import os
import platform
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import CaseResult, load  # noqa: E402

HERE = Path(__file__).resolve().parent
# the cases `make bench` runs, in the order of the table
CASES = ["kafka-consume", "kafka-produce", "file-pipeline", "chart", "memory", "latency"]
LIBRARIES = ["matplotlib", "orjson", "confluent-kafka", "quixstreams", "kafka-python", "numpy"]
RUN_META = "_run_all.json"


# -- numbers

def fmt(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "msgs/s" or abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def ratio_text(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    if value >= 100:
        return f"{value:,.0f}x"
    return f"{value:.2f}x"


def limit_of(result: CaseResult) -> str | None:
    """The subject that is the ceiling: ``limit``, else one named "(limit)" or "raw ..."."""
    if result.limit in result.subjects:
        return result.limit
    names = [n for n in result.subjects if n != result.main_subject()]
    return (next((n for n in names if "(limit)" in n), None)
            or next((n for n in names if n.lower().startswith("raw")), None))


def spread(values: list[float], unit: str) -> str:
    if not values:
        return "-"
    return f"{fmt(statistics.median(values), unit)} ({fmt(min(values), unit)}-" \
           f"{fmt(max(values), unit)})"


def target_rows(result: CaseResult) -> list[tuple[str, str, str]]:
    """(target text, measured, verdict) per target."""
    medians = result.medians()
    rows = []
    for target in result.targets:
        value, met = target.check(medians)
        if value is None:
            measured = "not measured"
        elif target.vs is not None:
            measured = f"{ratio_text(value)} ({fmt(medians[target.subject], result.unit)} vs " \
                       f"{fmt(medians[target.vs], result.unit)} {result.unit})"
        else:
            measured = f"{fmt(value, result.unit)} {result.unit}"
        verdict = "n/a" if met is None else ("**MET**" if met else "**NOT MET**")
        rows.append((target.text, measured, verdict))
    return rows


# -- the machine

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> list[tuple[str, str]]:
    rows = [("cores", str(os.cpu_count())), ("CPU", cpu_model()),
            ("OS", platform.platform()),
            ("Python", f"{platform.python_version()} ({platform.python_implementation()})")]
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        rows.append(("memory", f"{memory:.1f} GiB"))
    except (ValueError, OSError, AttributeError):
        pass
    for name in ["buzzline", *LIBRARIES]:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "not installed"
        rows.append((name, version))
    return rows


# -- the picture

def plot(results: list[CaseResult], path: Path) -> None:
    """One panel per case: horizontal bars of each subject's median, min-max error bars; log
    scale when the medians span more than 20x; value targets as dashed lines."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    shown = [r for r in results if r.medians()]
    if not shown:
        return
    heights = [1.0 + 0.42 * len(r.medians()) for r in shown]
    fig = Figure(figsize=(11, sum(heights) + 0.6), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(shown), 1, squeeze=False, height_ratios=heights)[:, 0]
    fig.suptitle("buzzline benchmarks (median of runs, min-max bars)", fontweight="bold")
    for ax, result in zip(axes, shown, strict=True):
        medians = result.medians()
        names = list(medians)[::-1]  # first subject on top
        values = [medians[n] for n in names]
        lows = [medians[n] - min(result.subjects[n]) for n in names]
        highs = [max(result.subjects[n]) - medians[n] for n in names]
        main = result.main_subject()
        colors = ["tab:orange" if n == main else "tab:blue" for n in names]
        ax.barh(range(len(names)), values, xerr=[lows, highs], color=colors, capsize=3,
                alpha=0.85)
        ax.set_yticks(range(len(names)), [_short(n) for n in names], fontsize=8)
        positive = [v for v in values if v > 0]
        log = bool(positive) and max(positive) / min(positive) > 20
        if log:
            ax.set_xscale("log")
        for i, (value, high) in enumerate(zip(values, highs, strict=True)):
            ax.text(value + high, i, f"  {fmt(value, result.unit)}", va="center", fontsize=8)
        for target in result.targets:
            for bound in (target.value_at_least, target.value_at_most):
                if target.vs is None and bound is not None:
                    ax.axvline(bound, color="red", ls="--", lw=1)
                    ax.text(bound, len(names) - 0.5,
                            f" target {fmt(bound, result.unit)} {result.unit}", color="red",
                            fontsize=7, va="bottom")
        top = max(max(result.subjects[n]) for n in names)
        ax.set_xlim(min(positive) / 3 if log else 0, top * (4 if log else 1.25))
        if not log:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_xlabel(result.unit + (" (log scale)" if log else ""), fontsize=8)
        ax.set_title(f"{result.case}: {result.title}", fontsize=9, loc="left")
        ax.grid(axis="x", alpha=0.3)
    fig.savefig(path)


def _short(name: str, width: int = 44) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


# -- the markdown

def summary_table(results: dict[str, CaseResult]) -> list[str]:
    lines = ["| case | main subject: median (min-max) | runs | ratio to the limit | "
             "ratio to each peer | targets |", "|---|---|---|---|---|---|"]
    for name, result in results.items():
        main = result.main_subject()
        medians = result.medians()
        if main is None:
            continue
        limit = limit_of(result) if result.unit == "msgs/s" else None
        peers = [n for n in medians if n not in (main, limit)] if result.unit == "msgs/s" else []
        to_limit = (f"{ratio_text(medians[main] / medians[limit])} of {limit}"
                    if limit and medians.get(limit) else "-")
        to_peers = "; ".join(f"{ratio_text(medians[main] / medians[p])} {p}" for p in peers
                             if medians[p]) or "-"
        verdicts = [row[2] for row in target_rows(result)]
        met = sum(v == "**MET**" for v in verdicts)
        targets = f"{met} of {len(verdicts)} met" if verdicts else "-"
        lines.append(f"| {name} | {spread(result.subjects[main], result.unit)} {result.unit} "
                     f"({main}) | {len(result.subjects[main])} | {to_limit} | {to_peers} | "
                     f"{targets} |")
    return lines


def case_section(result: CaseResult) -> list[str]:
    main = result.main_subject()
    medians = result.medians()
    lines = [f"### {result.case}: {result.title}", ""]
    ratios = result.unit == "msgs/s"  # ratios of ms or MiB are in the targets
    lines += [f"| subject | median {result.unit} | min | max | runs |"
              + (f" {main} vs it |" if ratios else ""),
              "|---|---|---|---|---|" + ("---|" if ratios else "")]
    for name, values in result.subjects.items():
        if not values:
            continue
        versus = "-" if name == main or not medians[name] else \
            ratio_text(medians[main] / medians[name])
        bold = "**" if name == main else ""
        lines.append(f"| {bold}{name}{bold} | {fmt(statistics.median(values), result.unit)} | "
                     f"{fmt(min(values), result.unit)} | {fmt(max(values), result.unit)} | "
                     f"{len(values)} |" + (f" {versus} |" if ratios else ""))
    if result.targets:
        lines += ["", "| target | measured | |", "|---|---|---|"]
        lines += [f"| {text} | {measured} | {verdict} |"
                  for text, measured, verdict in target_rows(result)]
    extras = []
    if result.messages:
        extras.append(f"messages per run: {result.messages:,}")
    if result.params:
        extras.append("parameters: " + ", ".join(f"{k} {v}" for k, v in result.params.items()
                                                 if k != "root"))
    if result.seconds is not None:
        extras.append(f"the script took {result.seconds:,.0f} s")
    lines += [""] + [f"- {note}" for note in [*result.notes, *extras]] + [""]
    return lines


def render(results: dict[str, CaseResult], meta: dict, image: Path | None) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# buzzline benchmarks", "",
             f"Written by `bench/report.py` from `bench/results/*.json` on {now}. Each value is "
             "the median of the runs (min-max in brackets); ratios are of medians measured in "
             "the same `make bench`, on the same machine and broker.", ""]
    lines += ["## Targets (issue 5)", "", "| case | target | measured | |", "|---|---|---|---|"]
    for name in [*CASES, *[c for c in results if c not in CASES]]:
        result = results.get(name)
        if result is None:
            why = meta.get("scripts", {}).get(name, {}).get("status", "no results file")
            lines.append(f"| {name} | - | not measured ({why}) | n/a |")
            continue
        for text, measured, verdict in target_rows(result) or [("-", "-", "-")]:
            lines.append(f"| {name} | {text} | {measured} | {verdict} |")
    limits = HERE / "LIMITS.md"  # written by hand from a profile: what a target misses by
    if limits.exists():
        lines += ["", limits.read_text(encoding="utf-8").strip()]
    lines += ["", "## Results", ""]
    lines += summary_table(results)
    if image is not None:
        lines += ["", f"![median per subject and case]({image.name})"]
    lines += ["", "## Per case", ""]
    for result in results.values():
        lines += case_section(result)
    scripts = meta.get("scripts", {})
    if scripts:
        lines += ["## The run", "", "| case | script | status | seconds |", "|---|---|---|---|"]
        for name, info in scripts.items():
            seconds = info.get("seconds")
            lines.append(f"| {name} | `{info.get('script', '')}` | {info.get('status', '')} | "
                         f"{'-' if seconds is None else f'{seconds:,.0f}'} |")
        lines += ["", f"The scripts took {meta.get('seconds', 0):,.0f} s in all."
                  + (f" Kafka broker: {meta['broker']}." if meta.get("broker") else ""), ""]
    lines += ["## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in machine()]
    lines += ["", "The machine is shared (other work may run at the same time): the ratios, "
              "measured back to back in one run, are steadier than the absolute rates.", "",
              "## How to rerun", "",
              "```sh",
              "make bench                       # installs .[dev,bench], runs every case, "
              "writes this file",
              "python bench/run_all.py --only file-pipeline chart   # some cases, then the report",
              "python bench/file_pipeline.py --messages 1000000 --runs 3 --json "
              "bench/results/file-pipeline.json",
              "python bench/report.py          # the report from bench/results/*.json",
              "```", "",
              "Each case script (`bench/*.py`) takes `--messages`, `--runs` and `--json PATH`; "
              "the Kafka ones also `--bootstrap HOST:PORT` (`run_all.py` starts one broker "
              "with buzzline's own `kafka start` code for all of them).", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--out", type=Path, default=HERE, help="where RESULTS.md and the PNG go")
    args = parser.parse_args()
    files = sorted(p for p in args.results.glob("*.json") if not p.name.startswith("_"))
    loaded = [load(p) for p in files]
    order = {name: i for i, name in enumerate(CASES)}
    loaded.sort(key=lambda r: (order.get(r.case, len(CASES)), r.case))
    results = {r.case: r for r in loaded}
    meta_path = args.results / RUN_META
    meta = orjson.loads(meta_path.read_bytes()) if meta_path.exists() else {}
    args.out.mkdir(parents=True, exist_ok=True)
    image = args.out / "throughput.png"
    plot(loaded, image)
    text = render(results, meta, image if image.exists() else None)
    (args.out / "RESULTS.md").write_text(text, encoding="utf-8")
    print(f"wrote {args.out / 'RESULTS.md'} and {image} ({len(results)} cases)")


if __name__ == "__main__":
    main()
