"""Settings of the fleet test's web and worker nodes: the development profile, the bank channel and
payout chunks of PORTAL_FLEET_CHUNK rows (everything else comes from the environment, as on a real node)."""

import os

from portal.settings.base import *  # noqa: F401,F403

ASSISTANCE_PAYMENT_CHANNEL = "bank_file"
ASSISTANCE_PAY_CHUNK = int(os.environ.get("PORTAL_FLEET_CHUNK", "5000"))
