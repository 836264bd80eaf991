"""Every write of casework. One transaction each, audited; keyword-only arguments incl. the actor; the
permission gate (`portal.permissions.require`) first, before anything changes.

By topic: `policy` (regional policy, fast track, cold-wave alerts), `applications`, `temporary_aid`,
`street` (shelters, inventories, patrols, encounters, unidentified people), `visits`, `discovery`.
Callers import from here (`from casework import services`); `__all__` is exactly the public write services
(the write-gate test walks it).
"""

from .applications import (
    application_confirm,
    application_document_add,
    application_intake,
    application_reject,
    application_reopen,
    application_review,
)
from .disaster import (
    disaster_aid_pay,
    disaster_event_create,
    disaster_household_add,
    disaster_households_import,
    disaster_review_open,
    disaster_review_resolve,
)
from .discovery import discovery_resolve, discovery_scan, payment_check_case_open
from .handover import handover_acknowledge, handover_complete, handover_create, home_notice_acknowledge
from .heating import heating_aid_grant
from .notices import notice_resend, notice_send
from .policy import cold_wave_alert_create, fast_track_create, policy_set
from .street import (
    encounter_create,
    inventory_create,
    patrol_create,
    shelter_check_in,
    shelter_check_out,
    shelter_create,
    shelter_release,
    shelter_update,
    unidentified_link,
)
from .temporary_aid import (
    temporary_aid_approve,
    temporary_aid_create,
    temporary_aid_post_review,
    temporary_aid_reject,
)
from .visits import visit_create

__all__ = [
    "policy_set",
    "fast_track_create",
    "cold_wave_alert_create",
    "application_intake",
    "application_document_add",
    "application_review",
    "application_confirm",
    "application_reject",
    "application_reopen",
    "temporary_aid_create",
    "temporary_aid_approve",
    "temporary_aid_reject",
    "temporary_aid_post_review",
    "shelter_create",
    "shelter_release",
    "shelter_update",
    "shelter_check_in",
    "shelter_check_out",
    "inventory_create",
    "patrol_create",
    "encounter_create",
    "unidentified_link",
    "handover_create",
    "handover_acknowledge",
    "handover_complete",
    "home_notice_acknowledge",
    "disaster_event_create",
    "disaster_household_add",
    "disaster_households_import",
    "disaster_aid_pay",
    "disaster_review_open",
    "disaster_review_resolve",
    "heating_aid_grant",
    "notice_send",
    "notice_resend",
    "visit_create",
    "discovery_scan",
    "discovery_resolve",
    "payment_check_case_open",
]
