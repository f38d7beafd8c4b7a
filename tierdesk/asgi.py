"""The ASGI entry: Django's HTTP application and the chat's WebSockets (Django Channels).

`tierdesk serve --asgi` runs it under uvicorn workers; the WSGI entry (`tierdesk.wsgi`)
stays for deployments without the chat's real-time transport.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (after Django is set up)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from tierdesk.chat.routing import WidgetTokenMiddleware, websocket_urlpatterns  # noqa: E402

websocket_application = AllowedHostsOriginValidator(
    AuthMiddlewareStack(WidgetTokenMiddleware(URLRouter(websocket_urlpatterns)))
)
application = ProtocolTypeRouter({"http": django_application, "websocket": websocket_application})
