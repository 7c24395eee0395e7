"""The dashboard's web app (Starlette, served by uvicorn): the page and its static files, one
server-sent-event stream per open page (``/events?window=SECONDS``), and the same frame as
plain JSON (``/api/frame``). One task reads the consumers' files at the frame rate; each stream
sends a frame when a new one is ready, encoded once per time window for all pages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from buzzline.dashboard.guard import Guard, HostCheck
from buzzline.dashboard.hub import HISTORY_SECONDS, Hub

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
HEARTBEAT_SECONDS = 1.0  # a frame at least this often, so ages and states move on


@dataclass
class Frames:
    """The newest frame number, and each window's frame for it, encoded once."""

    hub: Hub
    fps: float = 10.0
    seq: int = 0
    encoded: dict[float, tuple[int, bytes]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    sent: int = 0  # frames sent to pages, for the closing numbers
    closing: bool = False  # the server is stopping: the event streams end

    loop: asyncio.AbstractEventLoop | None = None

    def close(self) -> None:
        """End every event stream (a page reconnects to the next server by itself)."""
        self.closing = True
        self.ready.set()

    def close_soon(self) -> None:
        """``close`` from a signal handler: in the event loop's own turn."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.close)

    def encode(self, window: float) -> bytes:
        cached = self.encoded.get(window)
        if cached is None or cached[0] != self.seq:
            body = orjson.dumps(self.hub.frame(window, self.seq))
            self.encoded[window] = cached = (self.seq, body)
        return cached[1]

    async def run(self) -> None:
        """Scan at the frame rate; a new frame when anything changed (or each second)."""
        self.loop = loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            changed = self.hub.scan()
            now = loop.time()
            if changed or now - last >= HEARTBEAT_SECONDS:
                last = now
                self.seq += 1
                self.encoded.clear()
                self.ready.set()
                self.ready = asyncio.Event()
            await asyncio.sleep(1.0 / self.fps)


def window_of(request: Request) -> float:
    """The ``window`` query parameter in seconds (0: all), kept to what the hub remembers."""
    try:
        value = float(request.query_params.get("window", "0"))
    except ValueError:
        return 0.0
    return min(max(value, 0.0), float(HISTORY_SECONDS)) if value == value else 0.0


def create_app(directory: Path, fps: float = 10.0, hosts: HostCheck | None = None) -> Starlette:
    """The app; ``hosts``: the Host names it answers to [localhost's]."""
    frames = Frames(Hub(directory), fps)

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def frame(request: Request) -> Response:
        frames.hub.scan()
        return Response(orjson.dumps(frames.hub.frame(window_of(request), frames.seq)),
                        media_type="application/json")

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "directory": str(directory), "seq": frames.seq,
                             "consumers": len(frames.hub.watched), "sent": frames.sent,
                             "errors": frames.hub.errors})

    async def events(request: Request) -> Response:
        window = window_of(request)

        async def stream() -> AsyncIterator[bytes]:
            yield b"retry: 1000\n\n"
            seq = -1
            while not frames.closing:
                if frames.seq != seq:
                    seq = frames.seq
                    frames.sent += 1
                    yield b"event: frame\ndata: " + frames.encode(window) + b"\n\n"
                await frames.ready.wait()

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(frames.run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = Starlette(routes=[
        Route("/", index),
        Route("/events", events),
        Route("/api/frame", frame),
        Route("/api/health", health),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ], lifespan=lifespan, middleware=[
        Middleware(Guard, check=hosts or HostCheck.for_bind("127.0.0.1"))])
    app.state.frames = frames
    return app
