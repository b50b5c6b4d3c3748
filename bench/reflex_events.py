"""Reflex event round trips in Chromium while no-JS uploads stream in (one shared event loop).

Used by the benchmark (``python -m bench.scale``) and by the browser test
tests/browser/test_event_loop_latency.py. A round trip is timed in the page itself: from the
moment the browser sends the event frame over the WebSocket to the first event frame back.
The load: ``clients`` no-JS browsers (httpx, each its own login session) upload the same
JPEG through step 1 again and again, cancelling each pending upload so nothing piles up.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from playwright.sync_api import Locator, Page

from bench.upload import csrf_of

# Records every socket.io event frame ("42...") sent and received, with performance.now().
RECORD_FRAMES = """
(() => {
  const Native = window.WebSocket;
  const frames = { sent: [], received: [] };
  window.__imageappFrames = frames;
  const isEvent = (data) => typeof data === "string" && data.startsWith("42");
  class Recorded extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (message) => {
        if (isEvent(message.data)) frames.received.push(performance.now());
      });
    }
    send(data) {
      if (isEvent(data)) frames.sent.push(performance.now());
      return super.send(data);
    }
  }
  window.WebSocket = Recorded;
})();
"""
# The reply to the n-th sent event: the first event frame received after it.
REPLY_MS = """n => {
  const frames = window.__imageappFrames;
  if (frames.sent.length <= n) return null;
  const sent = frames.sent[n];
  const reply = frames.received.find((at) => at >= sent);
  return reply === undefined ? null : reply - sent;
}"""


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * 0.95) - 1)]


@dataclass
class RoundTrips:
    samples: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return p95(self.samples)

    def __str__(self) -> str:
        return f"p50 {self.p50:.0f} ms, p95 {self.p95:.0f} ms, max {max(self.samples):.0f} ms"


def round_trips(page: Page, field: Locator, samples: int) -> RoundTrips:
    """Type one character at a time into ``field`` (its on_change is a Reflex event) and time
    each event's round trip; the next character waits for the previous reply."""
    found = []
    for index in range(samples):
        sent_before = page.evaluate("window.__imageappFrames.sent.length")
        field.press("abcdefghij"[index % 10])
        reply = page.wait_for_function(REPLY_MS, arg=sent_before, timeout=15_000)
        found.append(float(reply.json_value()))
    return RoundTrips(found)


@dataclass
class UploadLoad:
    """No-JS uploads running in threads until stopped; counts what they did."""

    completed: int = 0
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


class NoJsUploader:
    """One logged-in no-JS browser that uploads ``body`` and cancels it, over and over."""

    def __init__(self, base_url: str, email: str, password: str, body: bytes) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=120)
        login = self.http.get("/nojs/login")
        form = {"email": email, "password": password, "csrf_token": csrf_of(login)}
        assert self.http.post("/nojs/login", data=form).status_code == 303
        self.csrf = csrf_of(self.http.get("/nojs/images/upload"))
        request = httpx.Request(
            "POST",
            "http://encode/",
            data={"csrf_token": self.csrf},
            files={"image_file": ("photo.jpg", body, "image/jpeg")},
        )
        self.content, self.content_type = request.read(), request.headers["Content-Type"]

    def run(self, load: UploadLoad) -> None:
        headers = {"Accept": "application/json", "Content-Type": self.content_type}
        while not load.stop.is_set():
            try:
                step_one = self.http.post(
                    "/nojs/images/upload", content=self.content, headers=headers
                )
                if step_one.status_code != 201:
                    raise AssertionError(f"step 1 answered {step_one.status_code}: {step_one.text}")
                self.http.post("/nojs/images/upload/cancel", data={"csrf_token": self.csrf})
            except Exception as error:  # reported by the caller, never lost in a thread
                with load.lock:
                    load.errors.append(repr(error))
                return
            with load.lock:
                load.completed += 1

    def close(self) -> None:
        self.http.close()


@contextmanager
def uploads_streaming(
    base_url: str, email: str, password: str, body: bytes, clients: int = 8
) -> Iterator[UploadLoad]:
    """``clients`` no-JS uploads of ``body`` streaming in all the time inside the block."""
    uploaders = [NoJsUploader(base_url, email, password, body) for _ in range(clients)]
    load = UploadLoad()
    threads = [threading.Thread(target=uploader.run, args=(load,)) for uploader in uploaders]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # every client is mid-upload by now
    try:
        yield load
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=120)
        for uploader in uploaders:
            uploader.close()
