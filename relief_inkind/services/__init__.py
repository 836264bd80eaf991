"""Every write of relief in kind, by aggregate: one transaction each, audited, keyword-only with the actor,
who passes `portal.permissions.require` first.

    vouchers     merchants, voucher terms, issuing (the channel's step), redeeming, expiry sweep
    goods        items, distribution points, stock, packages, distribution lists, signed hand-overs
    heating      heating companies, customer numbers, waiver lists, export, confirmation, statements
    statements   settling with merchants and heating companies

`__all__` lists exactly the public services, which `tests/relief_inkind/test_write_gate.py` walks.
"""

from .goods import (
    distribution_list_add,
    handover_record,
    item_create,
    package_set,
    point_create,
    stock_receive,
)
from .heating import (
    company_register,
    heating_account_set,
    heating_statement_create,
    waiver_confirm,
    waiver_export,
    waiver_import,
    waiver_list_add,
)
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
    "company_register",
    "heating_account_set",
    "heating_statement_create",
    "waiver_confirm",
    "waiver_export",
    "waiver_import",
    "waiver_list_add",
    "distribution_list_add",
    "handover_record",
    "item_create",
    "package_set",
    "point_create",
    "stock_receive",
    "merchant_register",
    "merchant_set_active",
    "merchant_statement_create",
    "statement_settle",
    "voucher_redeem",
    "voucher_terms_set",
    "vouchers_expire",
    "vouchers_issue",
]
