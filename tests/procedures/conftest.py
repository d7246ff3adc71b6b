"""Fixtures shared with the intake tests: a known citizen, delivering a message."""

from tests.intake.conftest import citizen, deliver  # noqa: F401
