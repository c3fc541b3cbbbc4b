import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.config.settings.base")
application = get_wsgi_application()

# What is loaded by now (Django, every app, their models) lives as long as the worker: keep it out of the
# collector's passes, which otherwise walk those few hundred thousand objects now and then in the middle of a
# request (a full pass took about 90 ms).
gc.freeze()
