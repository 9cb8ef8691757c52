"""The teams domain's own refusals, rendered like every other ``AppError``."""

from __future__ import annotations

from app.core.errors import Conflict
from app.core.i18n import N_


class StaffCannotCompete(Conflict):
    """A competition's judges and organizers take no part in it as a team member; refused
    both when such a person forms or joins a team and when a member is made staff."""

    kind, title = "staff-cannot-compete", N_("Staff do not compete")
