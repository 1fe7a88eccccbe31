"""The HTTP side of the server: the app factory, the JSON API, the pages' shared templates and
language, security middleware, live websockets. The domain core (``server/*.py``) imports nothing
from here; the screens (kiosk/, counter/, display/) and this wing call the core."""
