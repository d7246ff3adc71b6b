from tests.workspace.conftest import _english, login, web  # noqa: F401
