from tests.workspace.conftest import head, login  # noqa: F401  (the workspace's fixtures)
