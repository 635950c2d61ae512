"""The GSM 03.38 alphabet, and how many SMS segments a text costs.

A text message is sent in GSM-7 (160 septets, or 153 a segment once concatenated) when every
character is in the GSM 03.38 basic set or its extension table; a single character outside it
(a typographic apostrophe, ``œ``, an emoji) sends the *whole* message in UCS-2, 70 UTF-16 units
(67 a segment once concatenated). This module only counts: it never changes a text.

>>> sms_size("Bonjour, votre loyer de 450,00 € est dû.")
SmsSize(encoding='UCS-2', units=40, segments=1, outside=('û',))
>>> sms_size("Bonjour, votre loyer de 450,00 € est a regler.").units
47
"""

from __future__ import annotations

import attrs

GSM7 = "GSM-7"
UCS2 = "UCS-2"

#: GSM 03.38 basic character set, in code order (0x1B, the escape to the extension table, is
#: left out). 0x09 is the capital ``Ç`` of the standard: a lower-case ``ç`` is not in the set.
GSM_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ"
    "ÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)

#: the extension table: each of these is sent as the escape septet and a second septet
GSM_EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@attrs.frozen
class SmsSize:
    """What a text costs as an SMS.

    ``units`` are septets in GSM-7 and UTF-16 code units in UCS-2; ``outside`` lists, in order of
    first appearance, the characters that forced UCS-2 (empty in GSM-7). An empty text is still
    one message.
    """

    encoding: str
    units: int
    segments: int
    outside: tuple[str, ...] = ()

    @property
    def single_limit(self) -> int:
        """How many units one unsplit message holds in this encoding."""
        return GSM7_SINGLE if self.encoding == GSM7 else UCS2_SINGLE


def outside_gsm7(text: str) -> tuple[str, ...]:
    """The characters of ``text`` that GSM-7 cannot send, each once, in order of appearance."""
    return tuple(dict.fromkeys(c for c in text if c not in GSM_BASIC and c not in GSM_EXTENSION))


def _weights(text: str, encoding: str) -> list[int]:
    if encoding == GSM7:
        return [2 if c in GSM_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]  # a surrogate pair is two units


def sms_size(text: str, *, encoding: str | None = None) -> SmsSize:
    """The encoding, length and number of segments of ``text`` sent as one SMS.

    The encoding is GSM-7 unless a character is outside it; ``encoding=UCS2`` forces UCS-2 (to
    measure a text whose other variants need it). A concatenated message never splits an
    extension character or a surrogate pair across two segments, so it may take one segment
    more than ``units / 153`` suggests.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if encoding not in (None, GSM7, UCS2):
        raise ValueError(f"encoding must be {GSM7!r} or {UCS2!r}, not {encoding!r}")
    outside = outside_gsm7(text)
    if encoding is None:
        encoding = UCS2 if outside else GSM7
    elif encoding == GSM7 and outside:
        raise ValueError(f"text has characters outside GSM-7: {''.join(outside)!r}")
    weights = _weights(text, encoding)
    units = sum(weights)
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding == GSM7 else (UCS2_SINGLE, UCS2_PART)
    if units <= single:
        return SmsSize(encoding, units, 1, outside)
    segments, filled = 1, 0
    for weight in weights:
        if filled + weight > part:
            segments, filled = segments + 1, 0
        filled += weight
    return SmsSize(encoding, units, segments, outside)


__all__ = ["GSM7", "GSM_BASIC", "GSM_EXTENSION", "UCS2", "SmsSize", "outside_gsm7", "sms_size"]
