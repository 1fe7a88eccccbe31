"""Spoken calls for the waiting-room display, made offline with espeak-ng into cached WAV files.

The display chimes, then speaks the call in each of its languages: "Vuoronumero A-42,
palvelupiste 3", "Nummer A-42, lucka 3", "Number A-42, counter 3". The wording comes from the
Babel catalogs; this module turns ticket and counter numbers into text that espeak-ng reads the
way people say them, runs espeak-ng, and caches the result by what was said and how.

Everything here blocks (a subprocess, file writes): call it from a thread, not the event loop.
"""

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from array import array
from collections.abc import Callable, Mapping
from io import BytesIO
from pathlib import Path

from server.errors import N_
from server.i18n import LANGUAGES, gettext

CALL = N_("Number %(ticket)s, counter %(counter)s")

# espeak-ng voices per language (`espeak-ng --voices`); "en" is its British English.
VOICES = {"fi": "fi", "sv": "sv", "en": "en"}
# Words per minute: espeak-ng's default 175 sounds hurried over a waiting room's noise.
RATE = 150
# Extra pause between words, in units of 10 ms.
WORD_GAP = 3
# A call is short; the kiosk's guide reads a matter's title and answer, a few sentences (about 40 s).
MAX_TEXT = 600
# A cache of spoken calls grows with numbers x counters x languages (~150-250 kB a file):
# the oldest files beyond this many are removed after each new one.
MAX_FILES = 3000
CHIME_NAME = "chime.wav"
SAMPLE_RATE = 22050  # espeak-ng's own rate, so the chime and the speech sound alike

# Prefixes are A-Z in practice; Å, Ä and Ö are letters of the alphabet here too, and espeak-ng
# names them ("ruotsalainen oo" in Finnish, "A ring" in English).
_TICKET = re.compile(r"([A-ZÅÄÖ]{0,3})([0-9]{1,6})")
_COUNTER = re.compile(r"[A-ZÅÄÖ0-9]{1,10}")
_RUN = re.compile(r"[A-ZÅÄÖ]+|[0-9]+")
# Letters of any language, digits, spaces and sentence punctuation. This keeps espeak-ng's own
# markup out: "[[...]]" is read as phoneme codes even without -m.
_TEXT = re.compile(r"[^\W_]+(?:[ ,.:;!?'-]+[^\W_]+)*[.!?]?")
_TEMP_PREFIX = ".tmp-"


class SpeechUnavailable(Exception):
    """espeak-ng is missing, will not run, or failed to make a file; the message says why."""


def _spoken_code(code: str) -> str:
    """Digit runs as numbers, letters as letter names: "A042" -> "A-42", "AB100" -> "A, B-100".

    A space would not do: English espeak-ng reads "A 42" as the article ("uh forty-two") and
    "AB" as a word. After a hyphen or a comma every letter is its name in Finnish, Swedish and
    English, and the number follows a short pause; between letters only a comma keeps English
    from reading "S-A-K" as "S uh K" (tests/core/test_speech.py checks every letter).
    """
    runs = [str(int(run)) if run.isdigit() else ", ".join(run) for run in _RUN.findall(code)]
    return "-".join(runs)


def spoken_ticket(number: str) -> str:
    """A ticket number as it is spoken: "A042" -> "A-42", "AB100" -> "A, B-100", "A000" -> "A-0"."""
    if not isinstance(number, str) or not _TICKET.fullmatch(number):
        raise ValueError(f"not a ticket number: {number!r}")
    return _spoken_code(number)


def spoken_counter(number: str | int) -> str:
    """A counter number as it is spoken: "3" -> "3", "03" -> "3", "12B" -> "12-B"."""
    ok_type = isinstance(number, (str, int)) and not isinstance(number, bool)
    text = str(number).strip().upper() if ok_type else ""
    if not _COUNTER.fullmatch(text):
        raise ValueError(f"not a counter number: {number!r}")
    return _spoken_code(text)


def call_phrase(lang: str, ticket_number: str, counter_number: str | int) -> str:
    """The call in `lang`: call_phrase("fi", "A042", "3") == "Vuoronumero A-42, palvelupiste 3"."""
    if lang not in LANGUAGES:
        raise ValueError(f"not a language of ours: {lang!r}")
    return gettext(lang, CALL, ticket=spoken_ticket(ticket_number), counter=spoken_counter(counter_number))


def chime_wav() -> bytes:
    """A soft two-tone "ding-dong" of one second: E5 then C5, each a sine with two quiet
    overtones, a 12 ms attack and an exponential decay; 16-bit mono at half of full scale."""
    length = SAMPLE_RATE  # one second
    mix = [0.0] * length
    for start_s, freq, decay_s in ((0.0, 659.25, 0.22), (0.36, 523.25, 0.30)):
        start = int(start_s * SAMPLE_RATE)
        for i in range(length - start):
            t = i / SAMPLE_RATE
            envelope = min(1.0, t / 0.012) * math.exp(-t / decay_s)
            tone = (math.sin(2 * math.pi * freq * t) + 0.2 * math.sin(4 * math.pi * freq * t)
                    + 0.05 * math.sin(6 * math.pi * freq * t))
            mix[start + i] += envelope * tone
    fade = int(0.05 * SAMPLE_RATE)  # the tail reaches exactly zero: no click at the end
    for i in range(fade):
        mix[length - fade + i] *= 1 - (i + 1) / fade
    peak = max(abs(x) for x in mix)
    samples = array("h", (round(x / peak * 16384) for x in mix))
    if sys.byteorder == "big":
        samples.byteswap()
    buffer = BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


class Speech:
    """espeak-ng behind a cache directory: one WAV file per (voice, rate, text, espeak-ng version).

    Files appear whole (written to a temp file, then renamed), and threads asking for the same new
    phrase at once run espeak-ng once. `generated` counts the files made (cache misses).
    """

    def __init__(self, cache_dir: Path, espeak: str = "espeak-ng", *, voices: Mapping[str, str] = VOICES,
                 rate: int = RATE, word_gap: int = WORD_GAP, max_files: int = MAX_FILES,
                 timeout_s: float = 20) -> None:
        self.cache_dir = Path(cache_dir)
        self.espeak = espeak
        self.voices = dict(voices)
        self.rate = rate
        self.word_gap = word_gap
        self.max_files = max_files
        self.timeout_s = timeout_s
        self.generated = 0
        self._probe_lock = threading.Lock()
        self._probed = False
        self._executable: str | None = None
        self._version: str | None = None
        self._reason: str | None = None
        # Lock stripes: the same phrase always takes the same lock; memory stays bounded.
        self._locks = [threading.Lock() for _ in range(32)]
        self._count_lock = threading.Lock()

    # -- espeak-ng itself -------------------------------------------------------------------

    def _probe(self) -> None:
        with self._probe_lock:
            if self._probed:
                return
            self._probed = True
            executable = shutil.which(self.espeak)
            if executable is None:
                self._reason = f"espeak-ng not found at {self.espeak!r} (install the Debian package espeak-ng)"
                return
            try:
                result = subprocess.run([executable, "--version"], capture_output=True, text=True,
                                        timeout=self.timeout_s, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                self._reason = f"{executable} --version failed: {exc}"
                return
            first_line = (result.stdout.strip().splitlines() or [""])[0]
            if result.returncode != 0 or "espeak" not in first_line.lower():
                self._reason = (f"{executable} --version exited {result.returncode} without naming "
                                f"espeak-ng: {(result.stdout + result.stderr).strip()[:200]!r}")
                return
            self._executable, self._version = executable, first_line

    @property
    def available(self) -> bool:
        """espeak-ng was found and answered `--version` (checked once)."""
        self._probe()
        return self._version is not None

    @property
    def reason(self) -> str | None:
        """Why espeak-ng is not available, or None when it is."""
        self._probe()
        return self._reason

    @property
    def version(self) -> str:
        self._probe()
        if self._version is None:
            raise SpeechUnavailable(self._reason)
        return self._version

    # -- files ------------------------------------------------------------------------------

    def call_file(self, lang: str, ticket_number: str, counter_number: str | int) -> Path:
        """The spoken call (see call_phrase) as a WAV file."""
        return self.phrase_file(lang, call_phrase(lang, ticket_number, counter_number))

    def phrase_file(self, lang: str, text: str) -> Path:
        """`text` spoken in `lang` by espeak-ng, as a cached 16-bit mono WAV file.

        Raises ValueError for an unknown language or text that is not a short plain sentence,
        SpeechUnavailable when espeak-ng is missing or fails (no file is left behind then).
        """
        voice = self.voices.get(lang)
        if voice is None:
            raise ValueError(f"no voice for language {lang!r}")
        if not isinstance(text, str) or len(text) > MAX_TEXT or not _TEXT.fullmatch(text):
            raise ValueError(f"not a short plain sentence: {text[:50] if isinstance(text, str) else text!r}")
        version = self.version
        key = hashlib.sha256(
            json.dumps([voice, self.rate, self.word_gap, text, version]).encode()
        ).hexdigest()
        path = self.cache_dir / f"{lang}-{key[:32]}.wav"
        if path.exists():
            return path
        with self._locks[int(key[:8], 16) % len(self._locks)]:
            if path.exists():  # another thread made it while this one waited
                return path
            self._write(path, lambda tmp: self._run_espeak(voice, text, tmp))
            with self._count_lock:
                self.generated += 1
        self._prune()
        return path

    def chime_file(self) -> Path:
        """The "ding-dong" before a call. An existing chime.wav in the cache dir is kept as it is,
        so a site can put its own sound there."""
        path = self.cache_dir / CHIME_NAME
        if not path.exists():
            with self._locks[0]:
                if not path.exists():
                    self._write(path, lambda tmp: tmp.write_bytes(chime_wav()))
        return path

    def _run_espeak(self, voice: str, text: str, tmp: Path) -> None:
        command = [self._executable or self.espeak, "-v", voice, "-s", str(self.rate),
                   "-g", str(self.word_gap), "-b", "1", "-w", str(tmp), "--", text]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=self.timeout_s,
                                    check=False)
        except subprocess.TimeoutExpired:
            raise SpeechUnavailable(f"espeak-ng took longer than {self.timeout_s} s") from None
        except OSError as exc:
            raise SpeechUnavailable(f"espeak-ng would not run: {exc}") from exc
        said = (result.stderr or result.stdout).strip()[:300]
        if result.returncode != 0:
            raise SpeechUnavailable(f"espeak-ng -v {voice} exited {result.returncode}: {said}")
        # espeak-ng exits 0 even when it cannot write the file: the file itself is the answer.
        try:
            with wave.open(str(tmp), "rb") as made:
                ok = made.getnchannels() == 1 and made.getsampwidth() == 2 and made.getnframes() > 0
        except (wave.Error, EOFError, OSError) as exc:
            raise SpeechUnavailable(f"espeak-ng -v {voice} wrote no usable WAV ({exc}): {said}") from None
        if not ok:
            raise SpeechUnavailable(f"espeak-ng -v {voice} wrote an empty or unexpected WAV: {said}")

    def _write(self, path: Path, fill: Callable[[Path], object]) -> None:
        """Makes `path` whole or not at all: fill a temp file beside it, fsync, rename."""
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=self.cache_dir, prefix=_TEMP_PREFIX, suffix=".wav")
            os.close(fd)
        except OSError as exc:
            raise SpeechUnavailable(f"cannot write to the speech cache {self.cache_dir}: {exc}") from exc
        tmp = Path(name)
        try:
            fill(tmp)
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())  # a power cut must not leave a cached empty file
            os.chmod(tmp, 0o644)  # mkstemp makes it 0600; a web server in front may serve it
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _prune(self) -> None:
        """Removes the oldest spoken files beyond max_files, and temp files a killed process left."""
        spoken, now = [], time.time()
        try:
            with os.scandir(self.cache_dir) as entries:
                for entry in entries:
                    try:
                        mtime = entry.stat().st_mtime
                    except FileNotFoundError:
                        continue
                    if entry.name.startswith(_TEMP_PREFIX):
                        if now - mtime > 600:
                            Path(entry.path).unlink(missing_ok=True)
                    elif entry.name.endswith(".wav") and entry.name != CHIME_NAME:
                        spoken.append((mtime, entry.path))
        except OSError:
            return
        if len(spoken) > self.max_files:
            spoken.sort()
            for _mtime, old in spoken[: len(spoken) - self.max_files]:
                Path(old).unlink(missing_ok=True)
