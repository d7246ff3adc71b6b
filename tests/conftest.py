import pytest

from salter.tenancy.roles import Role
from tests.factories import make_department, make_member, make_municipality


@pytest.fixture
def municipality(db):
    return make_municipality("subotica", name="Subotica", name_cyrl="Суботица")


@pytest.fixture
def other_municipality(db):
    return make_municipality("sombor", name="Sombor", name_cyrl="Сомбор")


@pytest.fixture
def department(municipality):
    return make_department(municipality)


@pytest.fixture
def clerk(municipality):
    return make_member(municipality, Role.REGISTRY_CLERK, username="clerk")


@pytest.fixture
def officer(municipality, department):
    return make_member(municipality, Role.OFFICER, username="officer", department=department)


@pytest.fixture
def other_clerk(other_municipality):
    return make_member(other_municipality, Role.REGISTRY_CLERK, username="otherclerk")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test writes its files (documents, raw messages) to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_calendars():
    """A calendar cached while one test ran must not answer for the next one's data."""
    from salter.procedures.calendar import clear_calendar_cache

    yield
    clear_calendar_cache()


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Specifications read in English; tests about languages switch explicitly."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


class Clock:
    """What `django.utils.timezone.now()` answers in a test: a moment that stays put
    until the test moves it."""

    def __init__(self, moment):
        self.moment = moment

    def __call__(self):
        return self.moment

    def set(self, moment):
        self.moment = moment

    def advance(self, **delta):
        import datetime

        self.moment += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """Actions read the time from `timezone.now()`; this fixes it at a moment of the
    test's choosing (`clock.set(…)`)."""
    from django.utils import timezone

    frozen = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen
