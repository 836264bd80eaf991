"""The numbers of appeals and payment verification, each a Django setting (docs/appeals.md).

- APPEALS_FILING_DAYS (60): a decision may be contested within 60 days of the day it was made, the time
  limit of 行政复议 (《行政复议法》第二十条: 自知道或者应当知道该行政行为之日起六十日内提出).
- APPEALS_REVIEW_DAYS (60): the review is decided within 60 days of filing (the same law, 第六十二条);
  past it, an open appeal is overdue and shows on the dashboards.
- APPEALS_VERIFY_PERCENT (2) and APPEALS_VERIFY_MIN (5): 回访核查 samples, per district, max(5, ⌈2 % of the
  district's paid payments⌉), never more than there are.
"""

from django.conf import settings


def filing_days() -> int:
    return int(getattr(settings, "APPEALS_FILING_DAYS", 60))


def review_days() -> int:
    return int(getattr(settings, "APPEALS_REVIEW_DAYS", 60))


def verify_percent() -> int:
    return int(getattr(settings, "APPEALS_VERIFY_PERCENT", 2))


def verify_min() -> int:
    return int(getattr(settings, "APPEALS_VERIFY_MIN", 5))
