"""Every write of the certification app, and the one place each rule lives, by topic:

- `standard`: the occupational standard, its levels and entry conditions (`eligibility_check`; reads only);
- `classes`: institutions, training classes, enrolments and attendance, examination sittings;
- `assessments`: scoring rules and `assessment_record` (passing issues the certificate);
- `certificates`: `certificate_issue`, `certificate_revoke`, `certificate_reissue` and the national number;
- `competitions`: entries, judges' scores, awards, promotion by regional rules;
- `employment`: the six-month follow-up and 就业帮扶 referrals;
- `brand`: the labour brand 亳州养生's trades, events and the standard's pilot regions.

Every write service passes `portal.permissions.require` (role and region) before it changes anything.
`__all__` lists exactly the write services (the write-gate walk iterates it); the helpers re-exported below
(`mask_name`, `eligibility_check`, `certificate_number` ...) are reads or pure functions.
"""

from .assessments import assessment_record
from .assessments import practical_average as practical_average
from .brand import brand_event_save, brand_trade_save, pilot_region_save
from .certificates import certificate_issue, certificate_reissue, certificate_revoke
from .certificates import certificate_number as certificate_number
from .classes import (
    class_create,
    class_update,
    enrolment_create,
    enrolment_update,
    institution_create,
    institution_update,
    sitting_create,
)
from .common import CARRY_OVER_YEARS as CARRY_OVER_YEARS
from .common import LEVEL_NAMES_ZH as LEVEL_NAMES_ZH
from .common import MAX_SCORE as MAX_SCORE
from .common import PASS_MARK as PASS_MARK
from .common import TWO_PLACES as TWO_PLACES
from .common import age_on as age_on
from .common import mask_name as mask_name
from .common import parse_score as parse_score
from .common import years_before as years_before
from .competitions import competition_create, entry_award, entry_create, entry_score, promotion_apply
from .competitions import promotion_rule_for as promotion_rule_for
from .employment import FOLLOW_UP_AFTER_DAYS as FOLLOW_UP_AFTER_DAYS
from .employment import followup_record, referral_create
from .sittings import add_working_days as add_working_days
from .sittings import (
    assessor_create,
    candidate_admit,
    objection_record,
    objection_resolve,
    sitting_certificates_issue,
    sitting_results_import,
    sitting_results_publish,
    sittings_issue_due,
)
from .sittings import score_sheet_rows as score_sheet_rows
from .standard import CandidateFacts as CandidateFacts
from .standard import active_standard as active_standard
from .standard import candidate_facts as candidate_facts
from .standard import eligibility_check as eligibility_check
from .standard import level_get as level_get

__all__ = [
    # classes
    "institution_create",
    "institution_update",
    "class_create",
    "class_update",
    "enrolment_create",
    "enrolment_update",
    "sitting_create",
    # a sitting's work as a whole
    "assessor_create",
    "candidate_admit",
    "sitting_results_import",
    "sitting_results_publish",
    "objection_record",
    "objection_resolve",
    "sitting_certificates_issue",
    "sittings_issue_due",
    # assessments and certificates
    "assessment_record",
    "certificate_issue",
    "certificate_revoke",
    "certificate_reissue",
    # competitions
    "competition_create",
    "entry_create",
    "entry_score",
    "entry_award",
    "promotion_apply",
    # employment
    "followup_record",
    "referral_create",
    # the labour brand
    "brand_trade_save",
    "brand_event_save",
    "pilot_region_save",
]
