"""Who a session acts for: the person, organisation, cohort and role a validated launch gave.

A plain value (stored in the signed session cookie as a dict), so services can hand one back
from a launch and the web layer can check it on every request.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from app.domain.roles import Role


@dataclass(frozen=True)
class Identity:
    """The launch that opened this session: person, organisation, cohort and role."""

    person_id: int
    organisation_id: int
    cohort_id: int | None
    role: Role
    roles: frozenset[Role]
    launch_id: str

    def to_session(self) -> dict[str, Any]:
        data = asdict(self)
        data["role"] = self.role.value
        data["roles"] = sorted(role.value for role in self.roles)
        return data

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> Identity:
        return cls(
            person_id=data["person_id"],
            organisation_id=data["organisation_id"],
            cohort_id=data["cohort_id"],
            role=Role(data["role"]),
            roles=frozenset(Role(role) for role in data["roles"]),
            launch_id=data["launch_id"],
        )
