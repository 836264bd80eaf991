"""What a web worker loads before its first request rather than inside it.

A gunicorn worker imports the WSGI application at boot; the URLconf (every view, serializer and form),
the translation catalogue and Celery's publishing path (the task registry, kombu's Redis transport) would
otherwise be imported by the first request each worker serves: about 0.35 s of CPU, measured on the pooled
spend, paid again by every worker a restart or a deploy starts. `warm_up()` does it at boot. It opens no
database or broker connection; a broker URL naming a transport that cannot be loaded now stops the worker
from booting, rather than failing its first request.
"""

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.urls import get_resolver
from django.utils import translation
from django.utils.module_loading import autodiscover_modules


def warm_up() -> None:
    get_resolver().url_patterns  # noqa: B018 - imports the URLconf with every view
    is_language_prefix_patterns_used(settings.ROOT_URLCONF)  # LocaleMiddleware asks this of each request
    with translation.override(settings.LANGUAGE_CODE):
        translation.gettext("审计记录")  # loads the catalogues of the default language
    autodiscover_modules("tasks")  # the task registry that portal.queue publishes by name
    from celery import current_app

    current_app.tasks  # noqa: B018 - finalizes the app
    if not current_app.conf.task_always_eager:
        # the routes, queues and producer pool a publish builds, and the transport's class: no connection
        current_app.amqp.router, current_app.amqp.queues, current_app.producer_pool, current_app.backend  # noqa: B018
        current_app.connection_for_write().transport  # noqa: B018
