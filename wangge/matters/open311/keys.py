"""Open311 API keys: one per client application, bound to one jurisdiction (a subdistrict), revocable.

Only the SHA-256 digest of a key and its first 8 characters (to tell keys apart in lists) are stored;
the key itself is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from wangge.core.errors import Conflict, InvalidInput, NotFound, full_clean
from wangge.registry.models import GridNode, Level

from ..models import Open311Client

PREFIX_LENGTH = 8
_KEY_RE = re.compile(r"^[\x21-\x7e]{12,200}$")


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def subdistrict_for_code(code) -> GridNode:
    """The subdistrict a jurisdiction_id (its grid code) names."""
    text = (code or "").strip() if isinstance(code, str) else ""
    node = GridNode.objects.filter(code=text, level=Level.SUBDISTRICT).first() if text else None
    if node is None:
        raise NotFound(f"jurisdiction_id {text!r} not found（未找到该街道网格编码）")
    return node


@transaction.atomic
def client_create(*, name: str, subdistrict_code: str, key: str | None = None) -> tuple[Open311Client, str]:
    """A new client for the subdistrict and its key (random unless given). Giving the key of an existing
    client of the same subdistrict returns that client: loading the demo twice creates nothing."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", "请填写客户端名称")
    if len(name) > 100:
        raise InvalidInput.field("name", "不能超过100字")
    subdistrict = subdistrict_for_code(subdistrict_code)
    if key is None:
        key = secrets.token_hex(24)  # hex: a key never starts with "-", which the command line would take for an option
    elif not _KEY_RE.match(key):
        raise InvalidInput.field("key", "应为12到200个可见ASCII字符（不含空格）")
    existing = Open311Client.objects.filter(digest=digest(key)).select_related("subdistrict").first()
    if existing is not None:
        if existing.subdistrict_id != subdistrict.pk:
            raise Conflict("该密钥已属于另一街道的客户端")
        return existing, key
    client = Open311Client(name=name, digest=digest(key), prefix=key[:PREFIX_LENGTH], subdistrict=subdistrict)
    full_clean(client)
    client.save()
    return client, key


@transaction.atomic
def client_revoke(*, key_or_prefix: str) -> Open311Client:
    """Revoke the client whose key, or key prefix, this is. Revoking twice changes nothing."""
    text = (key_or_prefix or "").strip()
    if not text:
        raise InvalidInput.field("key", "请给出密钥或其前8位")
    if len(text) < 4:
        raise InvalidInput.field("key", "前缀至少4位，请给出 open311-key list 所列的前8位")
    client = Open311Client.objects.select_for_update().filter(digest=digest(text)).first()
    if client is None and len(text) <= PREFIX_LENGTH:
        # A prefix as `open311-key list` shows it (or the start of one); a longer text must be the key.
        candidates = list(Open311Client.objects.select_for_update().filter(prefix__startswith=text))
        active = [c for c in candidates if c.revoked_at is None]
        if len(active) > 1:
            raise InvalidInput.field("key", f"前缀 {text!r} 对应多个客户端，请给出完整密钥")
        client = active[0] if active else (candidates[0] if candidates else None)
    if client is None:
        raise NotFound(f"没有密钥前缀为 {text[:PREFIX_LENGTH]!r} 的 Open311 客户端")
    return _revoke(client)


@transaction.atomic
def client_revoke_id(*, client_id: int) -> Open311Client:
    client = Open311Client.objects.select_for_update().filter(pk=client_id).first()
    if client is None:
        raise NotFound("未找到该 Open311 客户端")
    return _revoke(client)


def _revoke(client: Open311Client) -> Open311Client:
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
    return client


def client_for_key(key) -> Open311Client | None:
    """The active client holding this key, or None."""
    if not isinstance(key, str) or not key:
        return None
    return (
        Open311Client.objects.select_related("subdistrict")
        .filter(digest=digest(key), revoked_at__isnull=True)
        .first()
    )


def client_list() -> QuerySet[Open311Client]:
    return Open311Client.objects.select_related("subdistrict").order_by("id")
