"""Every write of relief in kind, by aggregate: one transaction each, audited, keyword-only with the actor,
who passes `portal.permissions.require` first.

    vouchers     merchants, voucher terms, issuing (the channel's step), redeeming, expiry sweep
    statements   settling with merchants and heating companies

`__all__` lists exactly the public services, which `tests/relief_inkind/test_write_gate.py` walks.
"""

from .statements import merchant_statement_create, statement_settle
from .vouchers import (
    merchant_register,
    merchant_set_active,
    voucher_redeem,
    voucher_terms_set,
    vouchers_expire,
    vouchers_issue,
)

__all__ = [
    "merchant_register",
    "merchant_set_active",
    "merchant_statement_create",
    "statement_settle",
    "voucher_redeem",
    "voucher_terms_set",
    "vouchers_expire",
    "vouchers_issue",
]
