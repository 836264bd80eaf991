"""Every write of appeals. One transaction each, audited; keyword-only arguments incl. the actor; the
permission gate (`portal.permissions.require`) first.

    appeals       file, start review, decide (with the remedy through the owning app), withdraw
    verification  回访核查: draw a paid batch's sample per district, record each answer

`__all__` is exactly the public write services (tests/appeals/test_write_gate.py walks it).
"""

from .appeals import appeal_decide, appeal_file, appeal_review_start, appeal_withdraw
from .verification import verification_draw, verification_record

__all__ = [
    "appeal_file",
    "appeal_review_start",
    "appeal_decide",
    "appeal_withdraw",
    "verification_draw",
    "verification_record",
]
