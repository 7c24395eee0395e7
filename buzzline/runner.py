"""Run streams from Python, the way the command line does::

    import buzzline
    from buzzline.runner import ConsumeOptions, ProduceOptions

    summaries = buzzline.run("basic", transport="memory",
                             produce=ProduceOptions(count=500, interval=0, seed=1))

An app is a built-in name ("basic", "json", "csv", "project"), the path of a stream file
(``sensor.py``, see ``buzzline.streams``), or a ``Stream``. ``run`` builds the
transport, one producer and one consumer job per app, and a session, runs it in this thread
until the streams end (or a count, a duration, Ctrl-C) and returns the consumers' summaries.
``prepare`` does the same without running, for callers that watch or stop the jobs.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, Union, cast

from buzzline.engine.consume import ConsumeJob
from buzzline.engine.produce import ProduceJob
from buzzline.engine.session import Session, SessionOptions
from buzzline.settings import Settings
from buzzline.transports import create_transport
from buzzline.transports.base import StartAt, Transport

if TYPE_CHECKING:
    from buzzline.streams import Stream

Options = TypeVar("Options", "ProduceOptions", "ConsumeOptions")
AppLike = Union[str, "os.PathLike[str]", "Stream"]


@dataclass(frozen=True)
class ProduceOptions:
    """How each app's producer sends. ``None``: the app's own topic / interval; ``count``
    None: until the source ends (a generated source never does)."""

    topic: str | None = None
    interval: float | None = None
    count: int | None = None
    seed: float | None = None  # of the generated messages (None: different every run)
    reset_topic: bool = False  # empty the topic first (and forget its saved consumer states)
    also: tuple[Transport, ...] = ()  # more transports that get every message too


@dataclass(frozen=True)
class ConsumeOptions:
    """How each app's consumer reads. ``start`` None: "end" when this run produces too (it
    counts what it sends), else "committed" (resume from the saved state)."""

    topic: str | None = None
    start: StartAt | None = None
    count: int | None = None  # stop after reading this many messages
    idle_exit: float | None = None  # stop after this many seconds without a message
    reset_state: bool = False


def resolve_app(app: AppLike) -> Stream:
    """A built-in name, a stream file (a path, or a name ending in .py or holding a /) or a
    ``Stream`` -> the ``Stream``."""
    if isinstance(app, str) and not is_stream_path(app):
        from buzzline.apps import get_app

        return get_app(app)
    if isinstance(app, (str, os.PathLike)):
        from buzzline.stream_file import load_stream

        return load_stream(Path(app))
    return app


def is_stream_path(text: str) -> bool:
    """Whether ``text`` names a stream file rather than a built-in app."""
    return text.endswith(".py") or "/" in text or os.sep in text


@dataclass
class Prepared:
    """The jobs and the session of one run, not started yet."""

    producers: list[ProduceJob]
    consumers: list[ConsumeJob]
    session: Session

    def run(self) -> list[dict[str, Any]]:
        """Run the session; the consumers' summaries in the apps' order, or when nothing is
        consumed one ``{"app", "transport", "topic", "sent"}`` per producer."""
        summaries = self.session.run()
        if self.consumers:
            return summaries
        return [{"app": job.app.name, "transport": job.transport.name, "topic": job.topic,
                 "sent": job.sent} for job in self.producers]


def prepare(apps: AppLike | Sequence[AppLike], *, settings: Settings | None = None,
            transport: str | Transport | None = None,
            produce: bool | ProduceOptions | Sequence[ProduceOptions] = True,
            consume: bool | ConsumeOptions | Sequence[ConsumeOptions] = True,
            view: SessionOptions | None = None, session_type: type[Session] = Session) -> Prepared:
    """The jobs and session ``run`` would run. ``settings`` None: the defaults (``Settings()``;
    ``buzzline.settings.load_settings()`` reads the environment and .env as the command line
    does). ``transport`` None: ``settings.transport``; one transport serves every job.
    ``produce`` / ``consume``: False (don't), True (default options) or the options; a
    sequence of options gives each app its own. ``view`` None: no chart, no dashboard feed.
    ``session_type``: a ``Session`` subclass (the bench scripts time its frames)."""
    listed = list(apps) if isinstance(apps, (list, tuple)) else [cast(AppLike, apps)]
    the_apps = [resolve_app(a) for a in listed]
    if not the_apps:
        raise ValueError("no app to run")
    if not produce and not consume:
        raise ValueError("nothing to do: neither produce nor consume")
    settings = settings if settings is not None else Settings()
    if transport is None or isinstance(transport, str):
        transport = create_transport(transport or settings.transport, settings)
    count = len(the_apps)
    sending: list[ProduceOptions | None] = [*_per_app(produce, ProduceOptions, count)]
    reading: list[ConsumeOptions | None] = [*_per_app(consume, ConsumeOptions, count)]
    sending, reading = sending or [None] * count, reading or [None] * count
    producing = sending[0] is not None
    consumers, producers = [], []
    for app, send, read in zip(the_apps, sending, reading, strict=True):
        topic = (send and send.topic) or (read and read.topic) or app.topic(settings)
        if read is not None:
            consumers.append(ConsumeJob(
                app, settings, transport, read.topic or topic,
                start=read.start or ("end" if producing else "committed"), count=read.count,
                idle_exit=read.idle_exit, reset_state=read.reset_state))
        if send is not None:
            interval = app.interval(settings) if send.interval is None else send.interval
            producers.append(ProduceJob(app, settings, transport, topic, interval,
                                        count=send.count, rng=random.Random(send.seed),
                                        reset_topic=send.reset_topic, also=list(send.also)))
    if view is None:
        one = the_apps[0] if len(the_apps) == 1 else None
        view = SessionOptions(title=one.title if one else "buzzline",
                              image_name=one.name if one else "buzzline", charts=False)
    return Prepared(producers, consumers, session_type(producers, consumers, view))


def run(apps: AppLike | Sequence[AppLike], *, settings: Settings | None = None,
        transport: str | Transport | None = None,
        produce: bool | ProduceOptions | Sequence[ProduceOptions] = True,
        consume: bool | ConsumeOptions | Sequence[ConsumeOptions] = True,
        view: SessionOptions | None = None) -> list[dict[str, Any]]:
    """Produce and/or consume ``apps`` in one session; the summaries (see ``prepare`` for the
    arguments and ``Prepared.run`` for what comes back)."""
    return prepare(apps, settings=settings, transport=transport, produce=produce,
                   consume=consume, view=view).run()


def _per_app(given: bool | Options | Sequence[Options], kind: type[Options],
             apps: int) -> list[Options]:
    """One options object per app (none: the app is not produced / consumed)."""
    if isinstance(given, bool):
        return [kind()] * apps if given else []
    if not isinstance(given, Sequence):
        return [given] * apps
    if len(given) != apps:
        raise ValueError(f"{len(given)} {kind.__name__} for {apps} apps")
    return list(given)
