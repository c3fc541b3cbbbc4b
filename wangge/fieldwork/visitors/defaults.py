"""The built-in visitor check, used where no subdistrict, community or estate has set its own rules: the
article's "one measurement, three checks" (一测三查). A grid sets its own on the rules page, in the admin or
through the API; these stay in code so that every rule row belongs to a subdistrict."""

from __future__ import annotations

from decimal import Decimal

from .models import CheckItem

DEFAULT_ITEMS = [
    {"code": "temp", "label": "体温", "kind": "measure", "unit": "°C", "min_value": "35.00", "max_value": "37.20"},
    {"code": "health_code", "label": "健康码", "kind": "check", "pass_label": "绿码"},
    {"code": "itinerary", "label": "行程卡", "kind": "check", "pass_label": "近14天无中高风险地区"},
    {"code": "id_card", "label": "身份证", "kind": "check", "pass_label": "人证一致"},
]


def default_items() -> list[CheckItem]:
    """The built-in items as (unsaved) rule rows, in order."""
    items = []
    for order, item in enumerate(DEFAULT_ITEMS):
        values = dict(item)
        for bound in ("min_value", "max_value"):
            if bound in values:
                values[bound] = Decimal(values[bound])
        items.append(CheckItem(order=order, **values))
    return items
