"""Spoken calls: how numbers are read, the call in three languages, and the cached WAV files,
against the real espeak-ng (the Debian package; scripts/test installs it)."""

import math
import os
import re
import shutil
import subprocess
import threading
import wave
from array import array
from pathlib import Path

import pytest

from server.speech import MAX_TEXT, Speech, SpeechUnavailable, call_phrase, chime_wav, spoken_counter, spoken_ticket

ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(
    ESPEAK is None, reason="espeak-ng is not installed (Debian package espeak-ng; scripts/test installs it)"
)


def phonemes(lang: str, text: str, ssml: bool = False) -> str:
    """What espeak-ng says, as its phoneme mnemonics ("a:" for a long a, "&" for ä)."""
    command = [ESPEAK, "-v", lang, "-q", "-x", *(["-m"] if ssml else []), "--", text]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.replace("\n", " ")


def sounds(mnemonics: str) -> str:
    """Phonemes without stress marks, pauses and word breaks: what is heard, not how it is timed."""
    return re.sub(r"[\s',_:!|;]", "", mnemonics)


def letter_name(lang: str, letter: str) -> str:
    """The letter's name, from espeak-ng's own spelling mode."""
    return sounds(phonemes(lang, f'<speak><say-as interpret-as="characters">{letter}</say-as></speak>', ssml=True))


def read_wav(path: Path):
    with wave.open(str(path), "rb") as w:
        params = w.getparams()
        samples = array("h", w.readframes(params.nframes))
    return params, samples


def duration_s(params) -> float:
    return params.nframes / params.framerate


@pytest.fixture
def speech(tmp_path):
    if ESPEAK is None:
        pytest.skip("espeak-ng is not installed (Debian package espeak-ng; scripts/test installs it)")
    return Speech(tmp_path / "speech")


# -- numbers as they are spoken ---------------------------------------------------------------


@pytest.mark.parametrize("number, spoken", [
    ("A042", "A-42"),
    ("B007", "B-7"),
    ("A001", "A-1"),
    ("A010", "A-10"),
    ("A100", "A-100"),
    ("Z999", "Z-999"),
    ("C1000", "C-1000"),
    ("C0999", "C-999"),
    ("AB100", "A, B-100"),
    ("ABC0420", "A, B, C-420"),
    ("A000", "A-0"),
    ("A0", "A-0"),
    ("0", "0"),
    ("042", "42"),
    ("Ä042", "Ä-42"),
    ("ÅÖ001", "Å, Ö-1"),
])
def test_it_drops_leading_zeros_and_spells_the_prefix(number, spoken):
    assert spoken_ticket(number) == spoken


@pytest.mark.parametrize("number", [
    "", "A", "a042", "A 42", "A-42", "42A", "ABCD1", "A1234567", " A042", "A042 ", "É042", "ä042", "A04.2", "-A042",
    "A٤٢",  # Arabic-Indic digits are digits to Python, not to a ticket
])
def test_it_refuses_what_is_not_a_ticket_number(number):
    with pytest.raises(ValueError):
        spoken_ticket(number)


@pytest.mark.parametrize("counter, spoken", [
    ("3", "3"), ("12", "12"), ("03", "3"), (3, "3"), (12, "12"), ("12B", "12-B"), ("0", "0"),
])
def test_it_reads_counter_numbers_as_numbers(counter, spoken):
    assert spoken_counter(counter) == spoken


@pytest.mark.parametrize("counter", ["", "3; 4", "-1", -1, "12345678901", "3 B", None, 2.5])
def test_it_refuses_what_is_not_a_counter_number(counter):
    with pytest.raises(ValueError):
        spoken_counter(counter)


def test_the_call_is_worded_by_the_catalogs():
    assert call_phrase("fi", "A042", "3") == "Vuoronumero A-42, palvelupiste 3"
    assert call_phrase("sv", "A042", "3") == "Nummer A-42, lucka 3"
    assert call_phrase("en", "A042", "3") == "Number A-42, counter 3"
    assert call_phrase("fi", "AB007", 12) == "Vuoronumero A, B-7, palvelupiste 12"


def test_it_refuses_a_language_it_has_no_words_for():
    with pytest.raises(ValueError):
        call_phrase("de", "A042", "3")


# -- what espeak-ng makes of them ---------------------------------------------------------------


@needs_espeak
def test_finnish_reads_42_as_one_number_after_the_letter_name():
    said = phonemes("fi", call_phrase("fi", "A042", "3"))
    # "aa – neljäkymmentäkaksi", not "neljä kaksi" or "nolla neljä kaksi"
    assert "'a: _ n,elj&kymment&k'aksi" in said, said
    assert "n'olla" not in said
    assert sounds(said).endswith("palvelupistekolme"), said


@needs_espeak
@pytest.mark.parametrize("lang, forty_two, three", [
    ("fi", "n,elj&kymment&k'aksi", "k'olme"),
    ("sv", "f,WRtItv'o:", "tR'e:"),
    ("en", "f'o@ti t'u:", "Tr'i:"),
])
def test_each_language_reads_numbers_as_numbers(lang, forty_two, three):
    said = phonemes(lang, call_phrase(lang, "A042", "3"))
    assert forty_two in said and said.rstrip().endswith(three), said


@needs_espeak
@pytest.mark.parametrize("lang, number, expected", [
    ("fi", "A000", "'a: _ n'olla"),
    ("fi", "C1000", "s'e: _ t'uhat"),
    ("fi", "B007", "b'e: _ s'eitsem&n"),
    ("fi", "Ä042", "'&: _ n,elj&kymment&k'aksi"),
    ("fi", "Å001", "r'uotsal,ainen'o: _ 'yksi"),
    ("sv", "Å001", "'o: _ 'Et"),
    ("sv", "A000", "'A: _ n'Ol"),
    ("en", "A000", "'eI _ z'i@roU"),
    ("en", "C1000", "s'i: _ w'0n T'aUz@nd"),
])
def test_edge_numbers_are_read_sensibly(lang, number, expected):
    assert expected in phonemes(lang, spoken_ticket(number))


@needs_espeak
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_letter_is_read_as_its_name(lang):
    forty_two = sounds(phonemes(lang, "42"))
    misread = {}
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ":
        said = phonemes(lang, call_phrase(lang, f"{letter}042", "3"))
        if letter_name(lang, letter) + forty_two not in sounds(said):
            misread[letter] = said
    assert misread == {}


@needs_espeak
def test_english_a_is_the_letter_not_the_article():
    assert "a#" in phonemes("en", "Number A 42")  # why the spoken form has a hyphen
    assert "'eI _ f'o@ti t'u:" in phonemes("en", call_phrase("en", "A042", "3"))


@needs_espeak
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize("prefix", ["AB", "EN", "IS", "NO", "SO", "OK", "UP", "ME", "JA", "AI", "ABC", "SAK", "TOM"])
def test_a_prefix_of_several_letters_is_spelled_not_read_as_a_word(lang, prefix):
    said = phonemes(lang, spoken_ticket(f"{prefix}100"))
    spelled = "".join(letter_name(lang, letter) for letter in prefix)
    assert sounds(said).startswith(spelled), said


# -- files ------------------------------------------------------------------------------------


@needs_espeak
def test_a_call_is_a_mono_16_bit_wav_of_a_few_seconds(speech):
    for lang in ("fi", "sv", "en"):
        params, samples = read_wav(speech.call_file(lang, "A042", "3"))
        assert (params.nchannels, params.sampwidth) == (1, 2)
        assert 1.5 <= duration_s(params) <= 6, (lang, duration_s(params))
        assert max(abs(s) for s in samples) > 3000  # someone is speaking


@needs_espeak
def test_each_language_has_its_own_file(speech):
    files = [speech.call_file(lang, "A042", "3") for lang in ("fi", "sv", "en")]
    assert len(set(files)) == 3
    assert len({f.read_bytes() for f in files}) == 3


@needs_espeak
def test_a_phrase_is_made_once_and_then_served_from_the_cache(speech):
    first = speech.phrase_file("fi", "Vuoronumero A-42, palvelupiste 3")
    before = first.stat()
    second = speech.phrase_file("fi", "Vuoronumero A-42, palvelupiste 3")
    after = second.stat()
    assert second == first
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert speech.generated == 1
    # A fresh Speech over the same directory (a restarted server) finds it too.
    again = Speech(speech.cache_dir)
    assert again.phrase_file("fi", "Vuoronumero A-42, palvelupiste 3") == first
    assert again.generated == 0


@needs_espeak
def test_eight_displays_asking_at_once_get_one_whole_file(speech):
    start = threading.Barrier(8)
    paths, errors = [], []

    def ask():
        try:
            start.wait()
            paths.append(speech.call_file("sv", "B123", "7"))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(paths) == 8 and len(set(paths)) == 1
    assert speech.generated == 1
    assert os.listdir(speech.cache_dir) == [paths[0].name]  # no temp files left
    params, _ = read_wav(paths[0])
    assert params.nframes > 0


@needs_espeak
def test_text_is_never_taken_for_options_or_markup(speech):
    for text in ("-v xx hello", "--help", "[[h@'loU]]", "<speak>hi</speak>", "a" * (MAX_TEXT + 1), "", "Number A-42\n-w x"):
        with pytest.raises(ValueError):
            speech.phrase_file("en", text)
    with pytest.raises(ValueError):
        speech.phrase_file("de", "Nummer A-42")
    assert not speech.cache_dir.exists() or os.listdir(speech.cache_dir) == []


def test_a_missing_espeak_is_reported_not_crashed_on(tmp_path):
    speech = Speech(tmp_path / "speech", espeak=str(tmp_path / "no-such-espeak-ng"))
    assert speech.available is False
    assert "espeak-ng not found" in speech.reason
    with pytest.raises(SpeechUnavailable, match="not found"):
        speech.phrase_file("fi", "Vuoronumero A-42, palvelupiste 3")
    assert not (tmp_path / "speech").exists()


def test_a_program_that_is_not_espeak_is_not_available(tmp_path):
    speech = Speech(tmp_path / "speech", espeak="false")
    assert speech.available is False
    with pytest.raises(SpeechUnavailable, match="exited 1"):
        speech.call_file("en", "A042", "3")


@needs_espeak
def test_a_failing_espeak_leaves_no_file_behind(tmp_path):
    speech = Speech(tmp_path / "speech", voices={"fi": "zz"})  # no such voice
    assert speech.available
    with pytest.raises(SpeechUnavailable, match="voice does not exist"):
        speech.call_file("fi", "A042", "3")
    assert os.listdir(tmp_path / "speech") == []
    assert speech.generated == 0


@needs_espeak
def test_the_oldest_calls_are_removed_beyond_the_limit(tmp_path):
    speech = Speech(tmp_path / "speech", max_files=3)
    made = []
    for seq in range(1, 6):
        path = speech.call_file("en", f"A{seq:03d}", "1")
        os.utime(path, (1_000_000 + seq, 1_000_000 + seq))  # distinct ages, oldest first
        made.append(path)
    speech.chime_file()
    speech.call_file("en", "A006", "1")
    assert sorted(os.listdir(speech.cache_dir)) == sorted(
        ["chime.wav", made[3].name, made[4].name, speech.call_file("en", "A006", "1").name]
    )


# -- the chime --------------------------------------------------------------------------------


def strength(samples: array, rate: int, freq: float) -> float:
    """How much of `freq` the samples hold (one bin of a discrete Fourier transform)."""
    re_part = sum(s * math.cos(2 * math.pi * freq * i / rate) for i, s in enumerate(samples))
    im_part = sum(s * math.sin(2 * math.pi * freq * i / rate) for i, s in enumerate(samples))
    return math.hypot(re_part, im_part) / len(samples)


def test_the_chime_is_one_soft_second_of_ding_dong(tmp_path):
    speech = Speech(tmp_path / "speech", espeak=str(tmp_path / "none"))  # the chime needs no espeak-ng
    path = speech.chime_file()
    params, samples = read_wav(path)
    assert (params.nchannels, params.sampwidth) == (1, 2)
    assert 0.9 <= duration_s(params) <= 1.2
    peak = max(abs(s) for s in samples)
    assert 8000 < peak < 32767 * 0.9  # clearly audible, never clipped
    assert abs(samples[0]) < 500 and samples[-1] == 0  # soft attack, no click at the end
    rate = params.framerate
    ding, dong = samples[: int(0.3 * rate)], samples[int(0.45 * rate): int(0.75 * rate)]
    assert strength(ding, rate, 659.25) > 5 * strength(ding, rate, 523.25)
    assert strength(dong, rate, 523.25) > 5 * strength(dong, rate, 659.25)


def test_the_chime_is_the_same_bytes_every_time(tmp_path):
    first = Speech(tmp_path / "one").chime_file()
    second = Speech(tmp_path / "two").chime_file()
    assert first.read_bytes() == second.read_bytes() == chime_wav()
    inode = first.stat().st_ino
    assert Speech(tmp_path / "one").chime_file().stat().st_ino == inode  # made once, then kept


def test_a_sites_own_chime_is_kept(tmp_path):
    (tmp_path / "speech").mkdir()
    (tmp_path / "speech" / "chime.wav").write_bytes(b"RIFF our own")
    assert Speech(tmp_path / "speech").chime_file().read_bytes() == b"RIFF our own"
