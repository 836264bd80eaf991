import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")  # safe default; dev: .base
application = get_wsgi_application()

from portal.warmup import warm_up  # noqa: E402 - after the application: Django is set up

warm_up()
