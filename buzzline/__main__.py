"""``python -m buzzline`` and the ``buzzline`` command: Ctrl-C is deferred before the imports."""

from buzzline.engine.signals import defer_signals


def main() -> None:
    defer_signals()  # a Ctrl-C while starting up stops the command cleanly, never mid-import
    from buzzline.cli.app import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
