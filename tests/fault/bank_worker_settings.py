"""Settings for the worker processes of the bank crash test: the bank channel, small chunks, and a pause at
one point of a hand-over (PORTAL_BANK_TEST_PAUSE="before_write:30" or "after_write:30") so that a SIGKILL
lands exactly there."""

import os

from tests.fault.worker_settings import *  # noqa: F401,F403

ASSISTANCE_PAYMENT_CHANNEL = "bank_file"
ASSISTANCE_PAY_CHUNK = 50
_pause = os.environ.get("PORTAL_BANK_TEST_PAUSE", "")
ASSISTANCE_BANK_TEST_PAUSE = (_pause.split(":")[0], float(_pause.split(":")[1])) if _pause else None
