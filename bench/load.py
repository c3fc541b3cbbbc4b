"""A small HTTP load generator (asyncio, no dependency): `concurrency` clients each send one request at a
time on a new connection (gunicorn's sync workers close every connection) for `seconds`, and the run is
summarised as requests/s, latency percentiles and errors. Its own CPU use is reported: on a small machine it
shares the cores with the server, equally for the baseline and for wangge."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Stats:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)  # connection errors by kind
    client_cpu: float = 0.0  # share of one core the generator itself used

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def errors(self, ok_status: int) -> int:
        return sum(n for s, n in self.statuses.items() if s != ok_status) + sum(self.failures.values())

    def summary(self, ok_status: int) -> str:
        return (f"{self.rate:,.0f} req/s, p50 {self.percentile(50):.1f} ms, p99 {self.percentile(99):.1f} ms, "
                f"{self.errors(ok_status)} errors")


def request_bytes(method: str, path: str, host: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _one(host: str, port: int, payload: bytes, timeout: float) -> tuple[int, bytes]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(payload)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head = data.split(b"\r\n", 1)[0].split()
    return (int(head[1]) if len(head) >= 2 else 0), data


async def _run(host, port, payloads, concurrency, seconds, timeout) -> Stats:
    stats = Stats(0, 0.0, [])
    source = itertools.cycle(payloads)
    deadline = time.perf_counter() + seconds

    async def client():
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                status, _ = await _one(host, port, next(source), timeout)
            except (TimeoutError, OSError, ValueError, IndexError) as exc:
                stats.failures[type(exc).__name__] += 1
                continue
            stats.latencies_ms.append((time.perf_counter() - start) * 1000)
            stats.statuses[status] += 1
            stats.requests += 1

    cpu = time.process_time()
    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    stats.seconds = time.perf_counter() - start
    stats.client_cpu = (time.process_time() - cpu) / stats.seconds
    return stats


def run(host: str, port: int, payloads: list[bytes], *, concurrency: int, seconds: float,
        timeout: float = 60.0) -> Stats:
    return asyncio.run(_run(host, port, payloads, concurrency, seconds, timeout))


def first_response(host: str, port: int, payload: bytes, timeout: float = 60.0) -> tuple[int, bytes]:
    return asyncio.run(_one(host, port, payload, timeout))
