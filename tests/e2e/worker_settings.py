"""Settings of the Celery worker process the browser journeys start (see conftest.simulated_bank).

The simulated bank's failing ID-number endings are read from a file on every payout, so a journey can
make the bank refuse some payments, then "repair" the accounts and re-issue them, while the worker runs.
A short bank latency and small payout chunks make the payout progress visible in the browser.
"""

import os

from portal.settings.base import *  # noqa: F401,F403
from tests.e2e.bank import FailureSuffixes

ASSISTANCE_SIMULATED_FAILURE_SUFFIXES = FailureSuffixes()
ASSISTANCE_PAY_CHUNK = int(os.environ.get("E2E_PAY_CHUNK", "2000"))
ASSISTANCE_SIMULATED_LATENCY_MS = int(os.environ.get("E2E_PAY_LATENCY_MS", "0"))
