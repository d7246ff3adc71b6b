"""Who performs an action: a staff membership, or Šalter itself (intake, schedules).

Actions take `actor` and read `actor.municipality`, `actor.user` and `actor.can(perm)`;
both kinds below answer the same three.
"""

from dataclasses import dataclass

from salter.tenancy.models import Membership, Municipality

__all__ = ["Actor", "SystemActor"]


@dataclass(frozen=True)
class SystemActor:
    """Šalter acting on its own within one municipality, e.g. e-mail intake."""

    municipality: Municipality
    label: str = "system"
    user = None

    def can(self, perm: str) -> bool:
        return True

    def __str__(self) -> str:
        return self.label


Actor = Membership | SystemActor
