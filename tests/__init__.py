import gc

# Collecting, pytest rewrites the asserts of every test module: a few hundred thousand objects of
# syntax trees made and dropped, and with the collector's usual thresholds a third of each worker's
# collection went on full collections of the modules already loaded. Raised here, before conftest.py
# imports the app; conftest.py restores them once the tests are collected.
COLLECTING_THRESHOLDS = (100_000, 50, 100)
USUAL_THRESHOLDS = gc.get_threshold()
gc.set_threshold(*COLLECTING_THRESHOLDS)
