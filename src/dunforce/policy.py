"""The contact policy: when, how often and whether a step may reach a tenant.

A scenario says *what* to do and *when*; the policy says what is courteous and lawful, and the
step function enforces it. Its defaults are written here in the scenario language, so that the
documentation shows them as a user would write them; a ``policy`` block in a scenario file
changes them item by item, for every account or for some profiles.

Defaults (DOMAIN.md §2 and §4):

* every channel has a contact window (messages Monday to Saturday 8:00-20:00, calls Monday to
  Friday 10:00-13:00 and 14:00-20:00, tasks on working days), public holidays excluded: a step
  that falls outside is issued on the next day its channel allows;
* at most 4 calls in any 30 days and one a day, and one automatic message a day; a step over a
  cap waits;
* every step waits while the debt is disputed, while an over-indebtedness file is open, and
  while a repayment plan is respected;
* the legal guards of :data:`GUARDS` hold, each with its source.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from dunforce.dsl.ast import PolicyDecl

__all__ = ["CAP_GROUPS", "DEFAULT_POLICY_TEXT", "GUARDS", "Guard", "default_policy"]

DEFAULT_POLICY_TEXT = """\
policy:
    cap call: 4 per 30 days
    cap call: 1 per day
    cap automatic: 1 per day
    pause while dispute
    pause while over_indebtedness
    pause while plan_active and not plan_broken
"""


@functools.cache
def default_policy() -> PolicyDecl:
    """The default policy, parsed once by the language's parser (its nodes live as long as the
    process, so the checker's types of its expressions stay valid)."""
    from dunforce.dsl.parser import parse  # the parser imports the checker's modules

    return parse(DEFAULT_POLICY_TEXT, filename="<default policy>").policies[0]


#: cap targets beside channel names: every automatic channel, every channel that reaches the tenant
CAP_GROUPS = ("automatic", "contacts")


@attrs.frozen
class Guard:
    """A legal rule the step function enforces unless a policy says ``no guard NAME``."""

    name: str
    summary: str
    source: str
    to_verify: bool = False


GUARDS: Mapping[str, Guard] = MappingProxyType(
    {
        guard.name: guard
        for guard in (
            Guard(
                "winter_truce",
                "No forced eviction from 1 November to 31 March: a step of a channel or option "
                "marked as an eviction (`handoff bailiff eviction`) waits until 1 April. "
                "Proceedings themselves may go on.",
                "Code des procédures civiles d'exécution, art. L412-6",
            ),
            Guard(
                "aid_arrears",
                "A report to the CAF or MSA (`notify caf`) waits until the unpaid rent is an "
                "impayé under the rule in force on the day (see `aid_arrears_date`).",
                "Code de la construction et de l'habitation, art. R824-1; décrets 2026-83 and "
                "2026-84 from 1 January 2027",
                to_verify=True,
            ),
            Guard(
                "order_delay",
                "A summons (`handoff bailiff summons`) waits until the commandement de payer has "
                "expired: 6 weeks for leases from 29 July 2023, 2 months before "
                "(`order_expiry_date`); with no commandement served, it is blocked.",
                "Loi 89-462, art. 24 I (loi 2023-668, art. 10)",
            ),
            Guard(
                "ccapex_delay",
                "A corporate landlord's summons waits 2 months after the referral to the CCAPEX "
                "(`ccapex_referral_date`; a report to the CAF, `aid_report_date`, counts as one).",
                "Loi 89-462, art. 24 II",
            ),
            Guard(
                "prescription",
                "No legal step for a debt that is wholly prescribed: charges due more than "
                "3 years ago can no longer be claimed (`recoverable_debt`).",
                "Loi 89-462, art. 7-1",
            ),
        )
    }
)
