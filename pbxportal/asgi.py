"""ASGI entry point (uvicorn): Django's stock handler serves pages, API, webhooks and the
live streams (async views) from one process.

Startup, explicitly: once Django is loaded the process freezes what it holds from the
garbage collector, and again after its first 200 requests (pbxportal/gcwarm.py).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbxportal.settings")

application = get_asgi_application()

from pbxportal.gcwarm import freeze_when_started  # noqa: E402 - needs Django set up

freeze_when_started("web process", after=200, what="requests")
