"""Bytes to text: the encodings French transcripts come in, without mojibake.

Order of decisions, from the surest to the most heuristic:

1. a byte-order mark (UTF-8, UTF-16, UTF-32) decides;
2. NUL bytes mean UTF-16 without a BOM or binary data (refused);
3. valid UTF-8 is UTF-8: legacy 8-bit French text is practically never valid UTF-8;
4. otherwise the legacy code pages (Windows-1252, Latin-1, Mac Roman, plus what
   charset-normalizer proposes) are each tried and scored on how plausible the
   result is as French: lower-case accented letters inside words are likely,
   an upper-case accented letter right after a lower-case one (``rÈunion``, what
   cp1252 bytes read as Mac Roman give) or a C1 control is not.

The result is cleaned of stray control characters and put in the stored form by
:func:`codage.domain.normalise_text`.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from charset_normalizer import from_bytes

from codage.domain import normalise_text
from codage.ingest.errors import IngestError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Tried in this order; on equal scores the first wins (cp1252 is what Windows
# Word and Notepad wrote for decades, Latin-1 only differs in 0x80-0x9F).
_LEGACY = ("cp1252", "latin_1", "mac_roman")

# Encodings charset-normalizer may propose that are worth scoring for French text.
_ACCEPTED_GUESSES = {
    "cp1252",
    "latin_1",
    "iso8859_15",
    "mac_roman",
    "cp850",
    "utf_8",
}

_FRENCH_LOWER = set("éèêëàâäîïôöùûüçœæÿ")
_FRENCH_UPPER = set("ÉÈÊÀÂÎÔÙÛÇ")
_RARE_UPPER = set("ËÄÏÖÜŒÆŸ")
_FRENCH_PUNCT = set("«»’‘“”…–—€°\u00a0\u202f")

# Control characters kept: tab and the newlines; vertical tab and form feed are
# line breaks in Word exports.
_LINE_BREAK_CONTROLS = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\x85": "\n"})
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")

_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF file; give it the .pdf extension"),
    (b"PK\x03\x04", "a zip-based file (.docx, .odt, .xlsx?); give it the right extension"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.doc/.xls); save it as .docx"),
    (b"{\\rtf", "an RTF file; give it the .rtf extension"),
)


def decode_bytes(data: bytes, path: str | Path | None = None) -> str:
    """Decode a text file's bytes to normalised text (NFC, ``\\n`` newlines).

    Raises :class:`IngestError` for an empty file, binary data or text that no
    plausible encoding reads.
    """
    text, _ = decode_with_encoding(data, path)
    return text


def decode_with_encoding(data: bytes, path: str | Path | None = None) -> tuple[str, str]:
    """Like :func:`decode_bytes`, also returning the name of the encoding used."""
    if not data.strip():
        raise IngestError(path, "the file is empty; nothing to import")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _finish(data.decode(encoding), path), encoding
            except UnicodeDecodeError as exc:
                raise IngestError(
                    path, f"starts like {encoding} text but is not valid {encoding} ({exc.reason})"
                ) from None
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature) and signature != b"{\\rtf":
            raise IngestError(path, f"this is not plain text but {what}")
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise IngestError(path, "contains binary data, not text; is it the right file?")
        encoding = utf16
        try:
            decoded = data.decode(encoding)
        except UnicodeDecodeError:
            raise IngestError(
                path, "contains binary data, not text; is it the right file?"
            ) from None
        # NUL bytes in the right places are not enough: binary data can have them
        # too. UTF-16 text decodes to printable characters, not to controls.
        if len(_CONTROL.findall(decoded[:32768])) > max(8, len(decoded[:32768]) // 20):
            raise IngestError(path, "contains binary data, not text; is it the right file?")
        return _finish(decoded, path), encoding
    if _control_count(data) > max(8, len(data[:65536]) // 20):
        raise IngestError(path, "contains binary data, not text; is it the right file?")
    try:
        return _finish(data.decode("utf-8"), path), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding, text = _best_legacy(data)
    if text is None:
        raise IngestError(
            path,
            "the text encoding could not be recognised (not UTF-8, Windows-1252, "
            "Latin-1 or Mac Roman); save it as UTF-8 and import again",
        )
    return _finish(text, path), encoding


def clean_text(text: str, path: str | Path | None = None) -> str:
    """Remove stray control characters and normalise (for text from any reader)."""
    return _finish(text, path)


def _finish(text: str, path: str | Path | None) -> str:
    if text.count("\x00") > max(2, len(text) // 1000):
        raise IngestError(path, "contains binary data, not text; is it the right file?")
    text = text.translate(_LINE_BREAK_CONTROLS)
    text = _CONTROL.sub("", text)
    text = normalise_text(text)
    if not text.strip():
        raise IngestError(path, "the file is empty (no text); nothing to import")
    return text


def _utf16_without_bom(data: bytes) -> str | None:
    """Guess UTF-16 LE/BE from where NUL bytes sit (ASCII-heavy text has one per char)."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _control_count(data: bytes) -> int:
    """C0 controls other than tab, newlines, vertical tab and form feed, in a sample."""
    # the other bytes deleted in C: a loop over the sample's bytes cost more than
    # reading the file
    return len(data[:65536].translate(None, _NOT_CONTROLS))


# Every byte _control_count does not count.
_NOT_CONTROLS = bytes(b for b in range(256) if not (b < 0x20 and b not in (9, 10, 11, 12, 13)))


def _best_legacy(data: bytes) -> tuple[str, str | None]:
    candidates = list(_LEGACY)
    guess = from_bytes(data[:200_000]).best()
    if guess is not None and guess.encoding in _ACCEPTED_GUESSES:
        name = codecs.lookup(guess.encoding).name
        if name not in {codecs.lookup(c).name for c in candidates}:
            candidates.append(guess.encoding)
    best: tuple[float, str, str] | None = None
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = french_plausibility(text)
        if best is None or score > best[0]:
            best = (score, encoding, text)
    if best is None:
        return "", None
    score, encoding, text = best
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    # Below zero the winner still reads mostly as garbage: refuse rather than guess.
    if score < 0 and non_ascii > 0:
        return encoding, None
    return encoding, text


def french_plausibility(text: str) -> float:
    """Score how much the non-ASCII characters of ``text`` look like written French.

    Positive for accented lower-case letters and French punctuation, negative for
    controls, rare symbols and upper-case accented letters glued after a lower-case
    letter, the signature of a wrong 8-bit code page.
    """
    score = 0.0
    previous = " "
    for index, ch in enumerate(text):
        if ord(ch) < 128:
            previous = ch
            continue
        following = text[index + 1 : index + 2]
        if ch in _FRENCH_LOWER:
            score += 1
        elif ch in _FRENCH_UPPER or ch in _RARE_UPPER:
            # Capitals are accented at the start of words (École, À) or in
            # all-capital words; right after a lower-case letter they are mojibake.
            if previous.islower():
                score -= 3
            else:
                score += 0.5 if ch in _FRENCH_UPPER else 0
        elif ch in "‘“”" and previous.isalpha() and following.isalpha():
            # Opening quotes glued inside a word are a misread letter (No‘l).
            score -= 1
        elif ch == "«" and following.isalpha():
            # French typography puts a space after «; «a is a misread Ç.
            score -= 0.5
        elif ch in _FRENCH_PUNCT:
            score += 1
        elif unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cn"):
            score -= 3
        elif unicodedata.category(ch).startswith("L"):
            # Other letters (ñ, ß, Ž...) are possible in names but rare.
            score -= 0.5 if ch.islower() else 1.5
        else:
            score -= 2
        previous = ch
    return score
