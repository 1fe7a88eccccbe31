from collections.abc import Iterator

import pytest

from tests.printers.fake_printer import FakePrinter
from tests.printers.fake_serial_printer import FakeSerialPrinter


@pytest.fixture
def fake_printer() -> Iterator[FakePrinter]:
    with FakePrinter() as printer:
        yield printer


@pytest.fixture
def fake_serial_printer() -> Iterator[FakeSerialPrinter]:
    with FakeSerialPrinter() as printer:
        yield printer
