import gc

# The garbage collector in the tests' processes. Collecting, pytest rewrites the asserts of every
# test module: a few hundred thousand objects of syntax trees made and dropped, and with the usual
# thresholds a third of each worker's collection went on full collections of the modules already
# loaded. So they are raised here, before conftest.py imports the app. Once the tests are collected
# (conftest.py), the usual ones come back but for the oldest generation's: a full collection walks a
# worker's million objects (imports, the collected tests), 0.3 s each, and they were a sixth of the
# CPU of tests/core/test_counters.py and tests/web/test_api.py (6.2 s of 29; 1.0 s with 100, not 10).
# A live server's app sets its own while it runs (server/garbage.py).
COLLECTING_THRESHOLDS = (100_000, 50, 100)
TESTING_THRESHOLDS = (*gc.get_threshold()[:2], 100)
gc.set_threshold(*COLLECTING_THRESHOLDS)
