from django.apps import AppConfig


class SalterConfig(AppConfig):
    """The project package itself: home of the project-wide commands (serve, worker, bench)."""

    name = "salter"
    verbose_name = "Šalter"
