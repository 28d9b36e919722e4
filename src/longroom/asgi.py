import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "longroom.settings")
application = get_asgi_application()

# The web process answers tariff searches from an in-memory index; build it before the first one.
from longroom.tariff.search_index import warm_in_background  # noqa: E402

warm_in_background()
