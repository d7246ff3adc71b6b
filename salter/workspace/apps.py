from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "salter.workspace"
