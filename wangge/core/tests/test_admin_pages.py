"""Every model registered in the admin: its list renders, its add page renders or is refused, and the
change page of a row (with its inlines) renders."""

import pytest
from django.contrib import admin
from django.test import Client

from wangge.matters import services as matters
from wangge.matters.services import Report

pytestmark = pytest.mark.django_db


def test_every_admin_page_renders(world):
    matters.matter_report(actor=world.users["resident"], report=Report(
        category="property-repair", description="楼道灯坏了", lon=112.125, lat=37.15))
    client = Client()
    client.force_login(world.users["admin"])
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(base).status_code == 200, base
        assert client.get(f"{base}add/").status_code in (200, 403), base
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            assert client.get(f"{base}{row.pk}/change/").status_code == 200, f"{base}{row.pk}/change/"
