"""Every row of a tenant table carries its subdistrict id (the key tables can later be distributed on)."""

import os

import pytest
from django.apps import apps
from django.conf import settings

from wangge.core.models import TenantModel

pytestmark = pytest.mark.django_db


def tenant_models():
    return [m for m in apps.get_models() if issubclass(m, TenantModel)]


def test_every_tenant_row_of_the_world_has_its_subdistrict(world):
    sub = world.grid("sub")
    checked = 0
    for model in tenant_models():
        rows = model.objects.all()
        if model._meta.label == "registry.GridNode":
            rows = rows.exclude(level="district")  # the county sits above every subdistrict
        checked += rows.count()
        assert not rows.exclude(subdistrict=sub).exists(), model._meta.label
    assert checked > 90
    assert {m._meta.label for m in tenant_models()} >= {
        "registry.GridNode", "registry.Building", "registry.Unit", "registry.Household", "registry.Resident",
        "people.Person", "people.Organisation", "people.Membership", "people.Duty", "registry.ImportJob",
    }


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_redis_is_used_for_jobs_and_reachable_when_configured():
    import redis

    assert settings.HUEY["huey_class"] == "huey.RedisHuey"
    assert redis.Redis.from_url(os.environ["REDIS_URL"]).ping()
