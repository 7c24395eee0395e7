"""The ``buzzline`` command line: the group and ``main`` (``app``), what the commands share
(``options``, ``param_types``) and one module per command family (produce, consume, run, demo,
data, dlq, kafka, charts, dashboard). Commands are registered in ``app.COMMANDS``."""

from buzzline.cli.app import cli, main

__all__ = ["cli", "main"]
