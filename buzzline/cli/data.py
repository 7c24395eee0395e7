"""``buzzline data``: write the sample data files."""

import random

import click

from buzzline.cli.options import settings_from
from buzzline.sources.sample_data import write_sample_data


@click.command()
@click.option("--force", is_flag=True, help="Overwrite existing sample files.")
@click.option("--seed", type=int, default=None,
              help="Random seed [a fixed one: the same files every time].")
@click.pass_context
def data(ctx: click.Context, force: bool, seed: int | None) -> None:
    """Write buzzline's sample data (buzz.json, smoker_temps.csv) into the data folder."""
    settings = settings_from(ctx)
    written = write_sample_data(settings.buzz_json_file, settings.smoker_csv_file,
                                None if seed is None else random.Random(seed), overwrite=force)
    for path in written:
        click.echo(f"wrote {path}")
    if not written:
        click.echo("sample data already there (use --force to rewrite)")
