"""Queue tickets on paper: the ESC/POS layout of a ticket and the transports that carry it to a printer."""

import os
import tempfile

# python-escpos caches its capabilities in a new temporary folder in every process unless told where.
if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
    _cache = os.path.join(tempfile.gettempdir(), f"luukku-escpos-{os.getuid()}")
    os.makedirs(_cache, exist_ok=True)
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = _cache
