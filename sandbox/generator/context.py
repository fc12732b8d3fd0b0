"""State shared by the phases of one generation run."""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random

from sandbox.dataset import GroundTruth, Owner
from sandbox.generator.util import Clock


@dataclass(slots=True)
class Context:
    """The clock, the owners, the ground truth being filled and the uniqueness registers."""

    clock: Clock
    owners: list[Owner]
    truth: GroundTruth
    used_emails: set[str] = field(default_factory=set)

    def owner_id(self, rng: Random) -> str | None:
        """A random owner's id; a few records have no owner."""
        if rng.random() < 0.04:
            return None
        return self.owners[int(rng.random() * len(self.owners))].id
