"""Four-eyes (issue 8 point 13) and who may change a requisition (point 21); no I/O."""

from __future__ import annotations

import pytest

from psi_purchasing.domain.errors import NotRequisitionOwner, SelfApproval
from psi_purchasing.domain.four_eyes import ensure_not_maker
from psi_purchasing.domain.ownership import Owner, ensure_may_change, may_change


def test_a_maker_may_not_approve_unless_the_rule_is_off():
    with pytest.raises(SelfApproval) as caught:
        ensure_not_maker("7", {"7", "9"}, document="PO-000001")
    assert (caught.value.status, caught.value.code) == (403, "SELF_APPROVAL_FORBIDDEN")
    assert "PO-000001" in caught.value.detail
    ensure_not_maker("8", {"7", "9"}, document="PO-000001")
    ensure_not_maker("7", {"7"}, document="PO-000001", enabled=False)


MANUAL = Owner(user_id="4", username="wanda", source="manual")
LEGACY = Owner(user_id=None, username="wanda", source="manual")
DRAFT = Owner(user_id=None, username="system", source="replenishment")


@pytest.mark.parametrize(
    "owner,actor_id,name,roles,allowed",
    [
        (MANUAL, "4", "wanda", {"warehouse"}, True),  # the requester
        (MANUAL, "2", "pat", {"purchaser"}, False),  # another requester
        (MANUAL, "44", "wanda", {"warehouse"}, False),  # the same name, another user id
        (MANUAL, "3", "mia", {"purchasing_manager"}, True),
        (MANUAL, "1", "root", {"admin"}, True),
        (LEGACY, "4", "wanda", {"warehouse"}, True),  # rows from before the user id was kept
        (LEGACY, "5", "walt", {"warehouse"}, False),
        (DRAFT, "2", "pat", {"purchaser"}, True),  # replenishment drafts: the buyers'
        (DRAFT, "4", "wanda", {"warehouse"}, False),
        (DRAFT, "6", "sam", {"sales"}, False),
    ],
)
def test_who_may_change_a_requisition(owner, actor_id, name, roles, allowed):
    assert may_change(owner, actor_id, name, roles) is allowed
    if not allowed:
        with pytest.raises(NotRequisitionOwner) as caught:
            ensure_may_change(owner, actor_id, name, roles, action="submit", number="REQ-000001")
        assert caught.value.status == 403 and "REQ-000001" in caught.value.detail
