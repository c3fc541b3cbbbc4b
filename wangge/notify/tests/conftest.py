import pytest

from wangge.notify import sms
from wangge.people import services as people


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Text messages go to sms.outbox; retries wait 1, 5 and 30 minutes, then give up."""
    settings.SMS_BACKEND = "wangge.notify.sms.LocmemBackend"
    settings.NOTIFY_RETRY_DELAYS = [60, 300, 1800]
    settings.NOTIFY_BASE_URL = "https://wangge.example"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def with_email(world):
    """`with_email(key)`: give the world user an email address and return their person."""

    def give(key: str, address: str | None = None):
        user = world.users[key]
        user.email = address or f"{user.username}@example.invalid"
        user.save(update_fields=["email"])
        return world.persons[key]

    return give


@pytest.fixture
def phoneless(world):
    """A person with a login but no phone number (world user "phoneless")."""
    person = people.person_create(name="无电话人员", grid=world.grid("A1e"))
    world.users["phoneless"] = people.person_grant_login(person=person, username="phoneless", password="pw")
    world.persons["phoneless"] = person
    return person
