"""``buzzline dashboard``: serve the browser dashboard of the consumers running on this machine
(they publish to ``data/live/``; see ``buzzline.dashboard``)."""

import errno
import logging
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Protocol

import click

from buzzline.cli.options import settings_from
from buzzline.cli.param_types import FPS
from buzzline.dashboard.guard import host_name
from buzzline.errors import BuzzlineError

log = logging.getLogger("buzzline.dashboard")


class DashboardServer(Protocol):
    """What ``dashboard_server`` gives: uvicorn's server that ends the event streams first."""

    should_exit: bool

    def run(self) -> None: ...

    def close_streams(self) -> None: ...


def check_port(host: str, port: int) -> None:
    """One clear line when the address is taken or not ours (instead of uvicorn's traceback)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = "is in use (another dashboard?)" if exc.errno == errno.EADDRINUSE \
                else f"cannot be used: {exc.strerror}"
            raise BuzzlineError(f"port {port} on {host} {reason}; "
                                "pick another with --port") from None


def _names(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """The ``--allow-host`` names, lower case, without a port."""
    names = []
    for value in values:
        name = host_name(value)
        if name is None:
            raise click.BadParameter(f"{value!r} is not a host name", ctx, param)
        names.append(name)
    return tuple(names)


@click.command()
@click.option("--port", "-p", type=click.IntRange(1, 65535), default=8050, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: reachable from other machines).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME", callback=_names,
              help="Also answer to this host name (repeat for more; e.g. the name other "
                   "machines use for this one). Requests for other names are refused.")
@click.option("--fps", type=FPS, default=None,
              help="Frames pushed to the page per second [BUZZLINE_FPS or 10].")
@click.pass_context
def dashboard(ctx: click.Context, port: int, host: str, allow_hosts: tuple[str, ...],
              fps: float | None) -> None:
    """Show the live charts of the consumers running here, in a browser.

    Every consumer (buzzline consume, demo, run, and the teaching commands) publishes
    its numbers and charts' data to data/live/ a few times a second; this page shows them,
    with the message rate, lag, dead letters, a time window and pause. No internet needed."""
    from buzzline.dashboard.publisher import live_dir

    settings = settings_from(ctx, fps=fps)
    directory = live_dir(settings.data_dir)
    server = dashboard_server(directory, host, port, settings.fps, allow_hosts)
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    click.echo(f"buzzline dashboard: http://{shown}:{port}/  (reading {directory}/; "
               "Ctrl-C to stop)")
    server.run()


def serve_in_background(directory: Path, host: str, port: int,
                        fps: float) -> Callable[[], None]:
    """The dashboard in a thread of this process (``demo --dashboard``); returns ``stop``."""
    server = dashboard_server(directory, host, port, fps)
    thread = threading.Thread(target=server.run, name="dashboard", daemon=True)
    thread.start()  # (outside the main thread uvicorn leaves the signals to the session)

    def stop() -> None:  # no signal here: nothing for uvicorn to re-raise afterwards
        server.close_streams()
        server.should_exit = True
        thread.join(timeout=10)

    return stop


def dashboard_server(directory: Path, host: str, port: int, fps: float,
                     allow_hosts: tuple[str, ...] = ()) -> DashboardServer:
    """uvicorn serving the dashboard on a port checked to be free. Asked to stop, it ends the
    open event streams first (else it waits for them and cancels them with a traceback);
    SIGTERM stops it like Ctrl-C (exit 0)."""
    import uvicorn

    from buzzline.dashboard.guard import HostCheck
    from buzzline.dashboard.server import create_app

    check_port(host, port)
    app = create_app(directory, fps, HostCheck.for_bind(host, allow_hosts))

    class Server(uvicorn.Server):
        close_streams = app.state.frames.close_soon

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            self.close_streams()
            if sig == signal.SIGTERM and not self.should_exit:
                sig = signal.SIGINT  # re-raised after shutdown: a KeyboardInterrupt, exit 0
            super().handle_exit(sig, frame)

    return Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                 access_log=False, lifespan="on",
                                 timeout_graceful_shutdown=2))
