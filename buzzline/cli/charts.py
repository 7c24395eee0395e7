"""``buzzline charts``: the chart kinds, their data shapes, options and colours; ``--gallery``
draws one PNG per kind from sample data."""

from functools import partial
from pathlib import Path

import click

GALLERY_DIR = Path("docs/images")


def write_gallery(directory: Path) -> list[Path]:
    """``gallery-<kind>.png`` for every kind in ``directory``, drawn headless (Agg) by the
    chart classes themselves from ``sample_data``."""
    from buzzline.charts.figure import make_figure
    from buzzline.charts.kinds import CHART_KINDS, sample_data

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in CHART_KINDS:
        kind = CHART_KINDS.get(name)
        fig, (ax,) = make_figure(1, name)
        fig.set_size_inches(6.4, 4.2)
        chart = kind.make(ax, partial(sample_data, kind.shape),
                          title=f"{name} ({kind.shape} data)")
        chart.update(chart.snapshot())
        path = directory / f"gallery-{name}.png"
        fig.savefig(path, format="png", metadata={"Software": None})  # same bytes every run
        written.append(path)
    return written


def describe_kinds() -> str:
    from buzzline.charts.base import DEFAULT_COLORS
    from buzzline.charts.kinds import CHART_KINDS, SHAPES

    lines = []
    for name in CHART_KINDS:
        kind = CHART_KINDS.get(name)
        lines.append(f"{name}: {kind.description}")
        lines.append(f"  data: {kind.shape} -> {SHAPES[kind.shape]}")
        if kind.options:
            lines.append("  options:")
            width = max(len(o) for o in kind.options)
            lines += [f"    {o:<{width}}  {text}" for o, text in kind.options.items()]
        default = ("the palette" if kind.default_colors == DEFAULT_COLORS
                   else ", ".join(kind.default_colors))
        lines.append(f"  colours: {kind.color_use}; default {default}")
        lines.append("")
    lines.append("Colours (--colors or BUZZLINE_CHART_COLORS): comma-separated matplotlib colours:")
    lines.append("  names ('red', 'tab:orange', 'C2'), hex codes ('#ff7f0e', '#f80'),")
    lines.append("  greys ('0.5'); empty: the kind's default. Default palette: "
                 + ", ".join(DEFAULT_COLORS))
    return "\n".join(lines)


@click.command("charts")
@click.option("--gallery", type=click.Path(file_okay=False, path_type=Path), is_flag=False,
              flag_value=str(GALLERY_DIR), default=None,
              help=f"Also draw one PNG per kind from sample data into DIR [{GALLERY_DIR}].")
def charts(gallery: Path | None) -> None:
    """List the chart kinds: data shape, options and colours (--gallery: draw each one)."""
    click.echo(describe_kinds())
    if gallery is not None:
        written = write_gallery(Path(gallery))
        click.echo(f"\nwrote {len(written)} images to {gallery}:")
        for path in written:
            click.echo(f"  {path}")
