"""Text messages. A deployment picks a backend by dotted path in `SMS_BACKEND`, the way Django picks an
email backend: a provider's adapter subclasses `SmsBackend` and raises on failure (the delivery is
retried); the console backend (the default) prints, the locmem backend collects messages for tests."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsBackend:
    def send(self, phone: str, text: str) -> None:
        """Send `text` to the mainland mobile number `phone`; raise when it was not accepted."""
        raise NotImplementedError


class ConsoleBackend(SmsBackend):
    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"[SMS → {phone}] {text}\n")
        sys.stdout.flush()
        logger.info("sms to %s: %s", phone, text)


# Messages sent through LocmemBackend, oldest first: (phone, text). Tests clear it.
outbox: list[tuple[str, str]] = []


class LocmemBackend(SmsBackend):
    def send(self, phone: str, text: str) -> None:
        outbox.append((phone, text))


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
