"""Four-eyes (双人审核): the maker of a document never approves it above the automatic tier.

The makers of a document are whoever created it and whoever submitted or revised the revision that waits for
approval: each of them chose what it says, so none of them may be the one who checks it. Within the automatic
tier nobody approves (the system does), so the rule has nothing to say there. It holds for every role, admins
included; ``PURCHASING_FOUR_EYES=false`` turns it off for a business with a single buyer.
"""

from __future__ import annotations

from collections.abc import Collection

from psi_purchasing.domain.errors import SelfApproval

#: Approvals-log decisions that make their actor a maker of the revision.
MAKING_DECISIONS = ("submitted", "revised")


def ensure_not_maker(actor_id: str, makers: Collection[str], *, document: str, enabled: bool = True) -> None:
    """403 SELF_APPROVAL_FORBIDDEN when ``actor_id`` is one of the document's makers and the rule is on."""
    if enabled and actor_id in makers:
        raise SelfApproval(
            f"you created, submitted or revised {document}: someone else must approve it (four-eyes rule)"
        )
