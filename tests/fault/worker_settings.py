"""Settings for the worker processes of the crash tests: small chunks and a bank that takes its time,
so that a SIGKILL lands in the middle of a build or a payout."""

from portal.settings.base import *  # noqa: F401,F403

ASSISTANCE_BUILD_CHUNK = 100
ASSISTANCE_PAY_CHUNK = 100
ASSISTANCE_SIMULATED_LATENCY_MS = 40
