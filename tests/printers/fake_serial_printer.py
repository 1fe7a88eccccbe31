"""A serial receipt printer for tests, on the far end of a pseudo-terminal.

pyserial opens the pty's slave side (`device`, e.g. /dev/pts/3) like a real serial port; this printer
reads and answers on the master side. It is the same EmulatedPrinter as the TCP FakePrinter, so the
same switches (paper_out, silent, stalled, slow, …) work on both.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty

from tests.printers.fake_printer import POLL_SECONDS, READ_BYTES, EmulatedPrinter


class FakeSerialPrinter(EmulatedPrinter):
    def __init__(self) -> None:
        super().__init__()
        self._master, self._slave = os.openpty()
        # Raw on both ends: no line discipline may turn 0x0A into 0x0D 0x0A, or eat 0x04 as end-of-file.
        tty.setraw(self._master)
        tty.setraw(self._slave)
        # Our own slave descriptor stays open, so the pty lives on while pyserial opens and closes it.
        self.device = os.ttyname(self._slave)
        self.spec = f"serial://{self.device}"
        self.line = self._new_connection()  # a serial line has no connections: one record for it all
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-serial-printer", daemon=True)

    def stop(self) -> None:
        """Unplug the printer: the port goes away with the pty."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for descriptor in (self._master, self._slave):
            try:
                os.close(descriptor)
            except OSError:
                pass  # stopped twice

    def _serve(self) -> None:
        while not self._stopping.is_set():
            if self.stalled:
                time.sleep(POLL_SECONDS)
                continue
            readable, _, _ = select.select([self._master], [], [], POLL_SECONDS)
            if not readable:
                continue
            if self.slow:
                time.sleep(self.slow)
            chunk = os.read(self._master, READ_BYTES)
            answers = self._take(self.line, chunk)
            if answers:
                os.write(self._master, answers)
