"""Queue tickets on paper: the ESC/POS layout of a ticket and the transports that carry it to a printer."""

import os
import tempfile

# python-escpos caches its capabilities in a new temporary folder in every process unless told where.
if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
    _cache = os.path.join(tempfile.gettempdir(), f"luukku-escpos-{os.getuid()}")
    os.makedirs(_cache, exist_ok=True)
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = _cache


def warm_escpos_cache() -> None:
    """python-escpos writes that cache where it reads it, without a lock: processes loading it first at
    the same moment (a fresh install's test workers or server workers) can read a half-written file
    (EOFError). One process loads it before they start: then they only read it."""
    import escpos.capabilities  # noqa: F401, PLC0415
