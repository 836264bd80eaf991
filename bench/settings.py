"""Settings for the HTTP load benchmarks (6, 7): the portal's own settings as deployed (persistent
database connections, as the production profile sets them) with the per-address rate limits raised,
because every request of a load test comes from 127.0.0.1 (the limit would otherwise answer 429 after
60 requests a minute and we would be measuring the throttle)."""

from portal.settings.base import *  # noqa: F403
from portal.settings.base import DATABASES, REST_FRAMEWORK

DATABASES["default"]["CONN_MAX_AGE"] = 600

REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "10000000/minute", "verify": "10000000/minute"}}

# the floor of the spend benchmark (bench/floor.py) exists only under these settings
ROOT_URLCONF = "bench.urls"
