"""The product's settings plus the two baseline views (bench/baseline_urls.py).

The benchmarks serve the product and its baselines from the same gunicorn, so
both go through the same middleware, workers and database connection.
"""

from pbxportal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.baseline_urls"
