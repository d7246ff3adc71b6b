from tests.workspace.conftest import _english, login  # noqa: F401
