"""Browser journeys: Debian's Chromium, driven by Playwright's sync API, against pytest-django's live server.

Playwright's sync API keeps an asyncio event loop running in the test thread, so Django would refuse
ORM calls there (SynchronousOnlyOperation); the tests only build their world before driving the page,
so allowing it is safe.

Screenshots (one per journey) go to $WANGGE_SCREENSHOT_DIR, or to a `wangge-browser-shots` folder in the
system temp folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("WANGGE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PASSWORD = "pw"


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        message = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def world(transactional_db):
    """The test world, committed so that the live server's thread sees it."""
    from wangge.testing.world import build_world

    return build_world(password=PASSWORD)


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    folder = Path(os.environ.get("WANGGE_SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "wangge-browser-shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Browsing:
    """One browser context against the live server, watching for what must never happen on a page: a
    request leaving the server (no CDN, no tiles by default) and an uncaught script error."""

    def __init__(self, browser, base_url: str, screenshot_dir: Path, **options):
        self.base_url = base_url.rstrip("/")
        self.screenshot_dir = screenshot_dir
        self.context = browser.new_context(base_url=self.base_url, locale="zh-CN", **options)
        self.context.set_default_timeout(5000)
        # A page load waits longer than an element: on a loaded 2-core machine the live server, which shares
        # its process with the test, has been seen to take more than 5 s to answer the login page.
        self.context.set_default_navigation_timeout(15000)
        self.external: list[str] = []
        self.errors: list[str] = []
        origin = urlsplit(self.base_url).netloc
        self.context.on(
            "request",
            lambda r: None if urlsplit(r.url).netloc == origin or r.url.startswith("data:") else self.external.append(r.url),
        )
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def login(self, username: str, password: str = PASSWORD):
        page = self.page
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("button[type=submit]")
        return page

    def screenshot(self, name: str) -> Path:
        path = self.screenshot_dir / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self):
        assert not self.external, f"requests left the server: {self.external}"
        assert not self.errors, f"script errors: {self.errors}"

    def close(self):
        self.context.close()


@pytest.fixture
def browsing(chromium, live_server, screenshot_dir):
    """`browsing(DESKTOP or PHONE)` → a `Browsing` on the live server; checked and closed after the test."""
    opened: list[Browsing] = []

    def open_(options: dict) -> Browsing:
        b = Browsing(chromium, live_server.url, screenshot_dir, **options)
        opened.append(b)
        return b

    yield open_
    for b in opened:
        try:
            b.assert_clean()
        finally:
            b.close()
