from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "salter.intake"
