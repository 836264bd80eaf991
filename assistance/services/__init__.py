"""Every write of winter relief, by aggregate. One transaction each, audited; keyword-only arguments
including the actor, who passes `portal.permissions.require` before anything changes.

    registry   households, members, enrolments
    schemes    schemes (and their campaigns)
    batches    batch create / build / cancel / resume, and the background bookkeeping
    payout     approve (maker-checker), pay, re-issue and cancel a payment
    bank       hand-over to the bank, its answers (result files, status query), reconciliation
    outcomes   recording outcomes set-based, closing a paid batch
    season     heating re-verification and monthly top-ups
    standards  standards and regional rules as data, the lookups up the region tree
    household  income, assets, the means test, household enrolments (suspend/resume/stop, 渐退)
    redress    reinstating / correcting an enrolment after an appeal (back-pay follows)
    payroll    the monthly payroll (pay-day job, one batch a region-month, back-pay, advance months)
    build_sql  the raw SQL the bulk steps run (not services)

Callers use the package (`from assistance import services; services.batch_approve(...)`); services
never import tasks, they enqueue them by name (`portal.queue`). `__all__` lists exactly the public
services, which `tests/assistance/test_write_gate.py` walks.
"""

from . import build_sql
from .bank import (
    bank_query_unanswered,
    bank_result_file_apply,
    bank_result_upload,
    bank_results_fetch,
    batch_reconcile,
    batches_reconcile,
    deliver_pending,
)
from .batches import (
    batch_build,
    batch_cancel,
    batch_create,
    batch_note_error,
    batch_resubmit,
    batch_resume,
    batch_resume_stalled,
    batch_return,
)
from .build_sql import build_chunk_size as build_chunk_size
from .enrolments_bulk import enrolments_create_bulk, enrolments_end_bulk
from .funds import allocation_create
from .household import (
    asset_add,
    enrolment_resume,
    enrolment_stop,
    enrolment_suspend,
    household_enrol,
    income_item_add,
    means_test_run,
    review_complete,
)
from .payout import (
    batch_approve,
    batch_pay,
    payment_cancel,
    payment_reissue,
    payments_settle,
    scheme_return_unspent,
)
from .payout import pay_chunk_size as pay_chunk_size
from .payroll import monthly_payroll, monthly_scheme, payroll_run
from .redress import enrolment_amount_correct, enrolment_reinstate
from .registry import (
    account_change_decide,
    enrolment_create,
    enrolment_record,
    household_create,
    household_update,
    member_add,
    member_move,
    member_move_by_id_number,
)
from .schemes import scheme_create
from .season import batch_reverify, heating_topup
from .standards import standard_set

# The build's tunables (not services): `batches` reads them from here when a build runs, so a swap here
# (tests make a chunk fail, or lower the threshold) reaches every build.
_insert_chunk = build_sql.insert_chunk
_analyze_after_bulk = build_sql.analyze_after_bulk
BULK_ANALYZE_ROWS = build_sql.BULK_ANALYZE_ROWS

__all__ = [
    # registry
    "household_create",
    "household_update",
    "account_change_decide",
    "member_add",
    "member_move",
    "member_move_by_id_number",
    "enrolment_create",
    "enrolment_record",
    # schemes
    "scheme_create",
    "allocation_create",
    # batches
    "batch_create",
    "batch_build",
    "batch_cancel",
    "batch_return",
    "enrolments_create_bulk",
    "enrolments_end_bulk",
    "batch_resubmit",
    "batch_resume",
    "batch_resume_stalled",
    "batch_note_error",
    # payout
    "batch_approve",
    "batch_pay",
    "payment_reissue",
    "payments_settle",
    "scheme_return_unspent",
    "payment_cancel",
    # bank
    "bank_result_upload",
    "bank_result_file_apply",
    "bank_results_fetch",
    "bank_query_unanswered",
    "batch_reconcile",
    "batches_reconcile",
    "deliver_pending",
    # season
    "batch_reverify",
    "heating_topup",
    # standards, the means test, household enrolments (monthly assistance)
    "standard_set",
    "income_item_add",
    "asset_add",
    "means_test_run",
    "household_enrol",
    "enrolment_suspend",
    "enrolment_resume",
    "enrolment_stop",
    "review_complete",
    # putting a decision right after an appeal
    "enrolment_reinstate",
    "enrolment_amount_correct",
    # the monthly payroll
    "payroll_run",
    "monthly_payroll",
    "monthly_scheme",
]
