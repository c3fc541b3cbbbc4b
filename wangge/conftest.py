import pytest
from django.test import Client

from wangge.matters import selectors, sla
from wangge.testing.world import build_world


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """The working calendar and the categories are cached for a minute in the process: each test reads its
    own holidays and categories."""
    sla.forget_calendar()
    selectors.forget_categories()
    yield
    sla.forget_calendar()
    selectors.forget_categories()


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def api(world):
    """`api(user_key)` → a Django test client that sends that user's bearer token."""

    def make(key: str | None) -> Client:
        client = Client()
        if key is None:
            return client
        response = client.post(
            "/api/v1/auth/token",
            {"username": world.users[key].username, "password": "pw"},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {response.json()['token']}"
        return client

    return make
