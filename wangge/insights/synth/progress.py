"""Plain-text progress on stderr: rows done, rows per second and the time left, without a dependency.

On a terminal the line is rewritten in place; into a file or a pipe a line is printed at most every
`every` seconds, so that a log of a long load stays readable.
"""

from __future__ import annotations

import sys
import time


def _duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}时{seconds % 3600 // 60:02d}分"
    if seconds >= 60:
        return f"{seconds // 60}分{seconds % 60:02d}秒"
    return f"{seconds}秒"


class Progress:
    def __init__(self, stream=None, *, quiet: bool = False, every: float = 2.0):
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.every = every
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def say(self, message: str) -> None:
        if not self.quiet:
            self.stream.write(f"{message}\n")
            self.stream.flush()

    def stage(self, label: str, total: int) -> Stage:
        return Stage(self, label, total)


class Stage:
    """One stage of the load: `update(n)` as rows are produced, `close()` at the end."""

    def __init__(self, progress: Progress, label: str, total: int):
        self.progress = progress
        self.label = label
        self.total = max(0, total)
        self.done = 0
        self.started = time.perf_counter()
        self.shown = self.started
        self.seconds = 0.0

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if self.done < self.total and now - self.shown >= (0.5 if self.progress.tty else self.progress.every):
            self.shown = now
            self._show(now, final=False)

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        text = f"{self.label}：{self.done:,}"
        if self.total:
            text += f"/{self.total:,}（{min(100.0, 100 * self.done / self.total):.0f}%）"
        text += f"，{rate:,.0f} 条/秒"
        if self.total and self.done < self.total and rate > 0:
            text += f"，预计还需 {_duration((self.total - self.done) / rate)}"
        else:
            text += f"，用时 {_duration(elapsed)}"
        return text

    def _show(self, now: float, *, final: bool) -> None:
        p = self.progress
        if p.quiet:
            return
        if p.tty:
            p.stream.write("\r\x1b[K" + self.line(now) + ("\n" if final else ""))
        else:
            p.stream.write(self.line(now) + "\n")
        p.stream.flush()

    def close(self) -> None:
        now = time.perf_counter()
        self.seconds = now - self.started
        self._show(now, final=True)
