"""Normalisation of place names written in any transliteration of Arabic (English, French) or in Arabic script.

Journalists and agencies spell one town many ways: *Maarat al-Numan*, *Ma'arrat an-Nu'man*, *Maaret al-Numaan*,
*Maarat Al-Nouman* (French), *Marratinnuman* (words run together), *معرة النعمان*. The gazetteer compares names
through three forms computed here:

``normalize_name(s)``
    a readable normal form: lower case, diacritics and apostrophes gone, hyphens as spaces, Arabic script with one
    alef, no harakat or tatweel, ta marbuta as ha and alef maqsura as ya. Two spellings that differ only in
    typography share it.
``skeleton_key(s)``
    a consonant skeleton for the *variant* tier: the Arabic article is dropped, the letters that transliterations
    swap are merged (q/k, gh/g, kh/h, sh/ch, dj/j, th/t, dh/d, w and y count as vowels), the feminine endings
    -eh/-ah/-a/-e are unified, doubled letters are collapsed, then every vowel is dropped except one that starts a
    word (kept as ``A`` so that *Idlib* and *Dalb*, *eastern* and *southern* stay apart). Run-together forms reach
    the same skeleton because the assimilated article (*-at-t-*, *-in-n-*) leaves only a doubled consonant, which
    collapses.
``fuzzy_key(s)``
    the skeleton before the vowels are dropped, with every vowel run written ``a``: the string the *fuzzy* tier
    compares with rapidfuzz, so that vowel spellings cost nothing and consonant typos cost a little.

Everything is built from translate tables and regular expressions compiled once; plain ASCII (nearly every
query) is normalised with one ``bytes.translate``. Computing both keys of a name takes a few microseconds.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["exact_key", "normalize_name", "skeleton_key", "fuzzy_key", "spelled_key", "variant_keys", "is_arabic",
           "has_ayn", "ayn_spelling"]

# Apostrophe family (ayn and hamza signs, quotes, primes): dropped, since "Nu'man" and "Numan" are one word.
_APOSTROPHES = "'’‘`´ʿʾʼʻʹʺ′″\"“”«»"
# The ones that write the consonants ayn and hamza (the rest are quotation marks).
_AYN_MARKS = "'’‘`´ʿʾʼʻ′"
# ...written as one letter in ayn_spelling(): a character no normalisation step touches.
_AYN = "ʕ"
_AYN_TABLE = str.maketrans({c: _AYN for c in _AYN_MARKS})
_AYN_SEARCH = re.compile("[" + re.escape(_AYN_MARKS) + "]").search
# Characters that separate words: hyphens of every width, underscores, dots, commas, slashes, brackets.
_SEPARATORS = "-‐‑‒–—―_.,;:/\\()[]{}|+&!?*#~"
# Latin letters that NFKD does not decompose into ASCII.
_LATIN_SPECIAL = {"ı": "i", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ð": "d", "þ": "th",
                  "ħ": "h", "ŧ": "t", "ŋ": "n", "ə": "e"}

_LATIN_TABLE = str.maketrans(
    {**{c: None for c in _APOSTROPHES}, **{c: " " for c in _SEPARATORS}, **_LATIN_SPECIAL}
)

# Arabic script: harakat, superscript alef and tatweel vanish; hamza and alef forms become one alef; ta marbuta ->
# ha, alef maqsura -> ya; Persian/Urdu keheh and farsi yeh -> Arabic kaf and ya; Arabic-Indic digits -> ASCII.
_ARABIC_TABLE = str.maketrans(
    {
        **{chr(c): None for c in range(0x064B, 0x0660)},  # fathatan .. harakat, shadda, sukun, madda/hamza marks
        "\u0670": None,  # superscript alef
        "\u0640": None,  # tatweel
        "\u0621": None,  # lone hamza
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
        "ؤ": "و", "ئ": "ي", "ى": "ي", "ی": "ي", "ې": "ي", "ة": "ه", "ۀ": "ه", "ک": "ك", "گ": "ك",
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        "،": " ", "؛": " ", "؟": " ",
    }
)
_ARABIC_RANGE = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_COMBINING = re.compile(r"[\u0300-\u036F\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F]")

# The article as a separate word: al-, el-, il-, ul- and the sun-letter assimilations (an-, as-, ash-, ad-, at-,
# ar-, az-, adh-, ath-, with e/i/u for a). Dropped only when another word follows: "As" alone stays a name.
_ARTICLE_WORDS = frozenset(
    v + c
    for v in "aeiu"
    for c in ("l", "n", "s", "sh", "ch", "d", "t", "r", "z", "dh", "th", "ts", "dz")
) - {"is", "in", "us", "un", "ut", "id", "it", "ir"}  # rare as articles, common as short words
# "Alnuman", "Albab", "Elbab": the article glued to a word starting with a consonant (not "Aleppo", "Alma").
_GLUED_ARTICLE = r"\b[ae]l(?=[bcdfghjklmnpqrstvxz][a-z]{2,})"
# One pass removes both: an article word before another word, and an article glued to its word.
_ARTICLE = re.compile(
    r"\b(?:" + "|".join(sorted(_ARTICLE_WORDS, key=len, reverse=True)) + r") (?=\S)|" + _GLUED_ARTICLE
)
# Feminine endings -eh, -ah, -ih after a vowel (Atmeh, Atmah -> Atme/Atma); vowels are unified later anyway.
_TA_MARBUTA = re.compile(r"(?<=[aeiou])h\b")
# Digraphs and letters that transliterations use for one Arabic sound, applied in this order on the spaced form (so
# that "Ras Hamad" does not become "sh"): a written x becomes ks before x stands for sh/ch; sch before sh.
_DIGRAPHS = (
    ("x", "ks"),
    ("sch", "x"),
    ("sh", "x"),
    ("ch", "x"),
    ("kh", "h"),
    ("gh", "g"),
    ("dj", "j"),
    ("dh", "d"),
    ("th", "t"),
    ("ph", "f"),
    ("q", "k"),
    ("c", "k"),
    ("v", "f"),
)
# A letter followed by the same letter is dropped: "maarrat" -> "marat" (faster than a backreference template).
_DOUBLED = re.compile(r"(.)(?=\1)")
_VOWELS_TO_A = re.compile(r"[aeiouwy]+")
_DROP_VOWELS = str.maketrans("", "", "aeiouwy ")
_CONSONANT_W = re.compile(r"w(?=[aeiou])")
_CONSONANT_Y = re.compile(r"(?<=[aeou])y(?=[aeiou])")
_WORD_VOWEL = re.compile(r"\b[aeiouwy]+")
# French "ou" before a vowel is the consonant w (Ouadi, Haoua); before a consonant it is the vowel u (Nouman).
_FRENCH_W = re.compile(r"ou(?=[aei])")
# Arabic article at the start of a word (al-), written joined in Arabic script.
_ARABIC_ARTICLE = re.compile(r"(?:(?<=\s)|^)ال(?=\S{2,})")

# ASCII names (nearly every query) are normalised in one bytes.translate: upper case folded, the ASCII apostrophes
# deleted and the ASCII separators turned into spaces, exactly what lower() and _LATIN_TABLE do to them.
_ASCII_FOLD = bytes.maketrans(
    bytes(range(ord("A"), ord("Z") + 1)) + "".join(c for c in _SEPARATORS if c.isascii()).encode(),
    bytes(range(ord("a"), ord("z") + 1)) + b" " * sum(c.isascii() for c in _SEPARATORS),
)
_ASCII_DELETE = "".join(c for c in _APOSTROPHES if c.isascii()).encode()


def is_arabic(text: str) -> bool:
    """True when ``text`` contains Arabic-script letters."""
    return _ARABIC_RANGE.search(text) is not None


def exact_key(name: str) -> str:
    """The name as written, only case- and whitespace-insensitive: the key of the exact tier."""
    if not name.isascii():
        name = unicodedata.normalize("NFC", name)
    return " ".join(name.casefold().split())


def normalize_name(name: str) -> str:
    """The readable normal form of a place name.

    Lower case; diacritics (ā ḥ ṣ ḍ ṭ ẓ é ...) and the apostrophe family (’ ‘ ` ´ ʿ ʾ ') removed; hyphens and
    punctuation become spaces; runs of spaces collapse. Arabic script loses harakat and tatweel, and its hamza /
    alef forms, ta marbuta and alef maqsura are unified. Idempotent, and never raises on a ``str``.

    Parameters
    ----------
    name : str
        A place name in any spelling or script.

    Returns
    -------
    str
        The normal form (``""`` for a name with no letters or digits).

    Examples
    --------
    >>> normalize_name("Ma‘arrat an-Nu‘mān")
    'maarrat an numan'
    >>> normalize_name("مَعَرّة النُّعمان")
    'معره النعمان'
    """
    if not isinstance(name, str):
        raise TypeError(f"expected a place name as str, got {name!r}")
    if name.isascii():
        return _ascii_normal(name)
    text = name.lower()
    if not text.isascii():
        # Apostrophes first: NFKD would turn the acute accent sign into a space plus a combining mark.
        text = unicodedata.normalize("NFKD", text.translate(_LATIN_TABLE))
        text = _COMBINING.sub("", text)
        if is_arabic(text):
            # NFKD splits Arabic presentation forms and lam-alef ligatures; NFC re-joins hamza carriers first.
            text = unicodedata.normalize("NFC", text).translate(_ARABIC_TABLE)
        text = text.lower()
    text = text.translate(_LATIN_TABLE)
    return " ".join(text.split())


def _ascii_normal(name: str) -> str:
    """:func:`normalize_name` of an ASCII name, in one ``bytes.translate``."""
    # str.split() after decoding, not bytes.split(): only str counts \x1c-\x1f as whitespace
    return " ".join(name.encode().translate(_ASCII_FOLD, _ASCII_DELETE).decode().split())


def has_ayn(name: str) -> bool:
    """True when ``name`` writes an ayn or hamza with an apostrophe-like mark (*A'zaz*, *Ma‘arrat*)."""
    return _AYN_SEARCH(name) is not None


def ayn_spelling(name: str) -> str:
    """The normal form with each ayn or hamza mark kept as one letter (``ʕ``): ``"I‘zāz"`` gives ``"iʕzaz"``.

    The marks write consonants (ع, ء): for the fuzzy tier they are letters when both spellings write them, so that a
    typo in a short name such as *A'zaz* weighs what it weighs in the spelling as written.
    """
    return normalize_name(name.translate(_AYN_TABLE))


def _latin_words(norm: str) -> str:
    """The normal form without the article, still spaced."""
    if "l" in norm or " " in norm:
        norm = _ARTICLE.sub("", norm)
    return norm


def _spaced(norm: str) -> str:
    """Article dropped, endings unified, digraphs merged; words still spaced."""
    text = _latin_words(norm)
    if "h" in text:
        text = _TA_MARBUTA.sub("", text)
    if "ou" in text:
        text = _FRENCH_W.sub("w", text)
    for old, new in _DIGRAPHS:
        if old in text:
            text = text.replace(old, new)
    return text


def _merged(norm: str) -> str:
    """The spaced form run together, doubled letters collapsed."""
    return _DOUBLED.sub("", _spaced(norm).replace(" ", ""))


def spelled_key(name: str, *, normalized: bool = False) -> str:
    """The name as spelt, less what transliterations vary in: article, ending, digraphs, doubled letters.

    Vowels stay, so ``"Saraqeb"`` (``"sarakeb"``) and ``"Saraqib"`` (``"sarakib"``) differ by one letter, and
    ``"Sara"`` and ``"Syria"`` by two: the variant tier scores how alike two names are spelt on this form.
    Arabic-script names give their Arabic key.
    """
    norm = name if normalized else normalize_name(name)
    if not norm.isascii() and is_arabic(norm):
        return _arabic_key(norm)
    return _merged(norm)


def _arabic_key(norm: str) -> str:
    """Arabic-script key: normal form without the article and spaces (المعرة النعمان -> معرهنعمان)."""
    return _ARABIC_ARTICLE.sub("", norm).replace(" ", "")


def skeleton_key(name: str, *, normalized: bool = False) -> str:
    """The consonant skeleton used by the variant tier.

    Parameters
    ----------
    name : str
        A place name, or its :func:`normalize_name` form when ``normalized`` is true.
    normalized : bool
        Skip normalisation (the caller already has the normal form).

    Returns
    -------
    str
        E.g. ``"mrtnmn"`` for Maarat al-Numan, Marratinnuman and Maarat Al-Nouman alike; ``"Adlb"`` for Idlib and
        Idleb. Arabic-script names get an Arabic key instead. ``""`` for a name without letters.
    """
    norm = name if normalized else normalize_name(name)
    if not norm.isascii() and is_arabic(norm):
        return _arabic_key(norm)
    return _latin_skeleton(norm)


def _latin_skeleton(norm: str) -> str:
    """The skeleton of a Latin normal form."""
    # A vowel that starts a word is kept (as "A"): "eastern" and "southern", "Idlib" and "Dalb" stay apart.
    text = _mark_consonants(_DOUBLED.sub("", _WORD_VOWEL.sub("A", _spaced(norm)).replace(" ", "")))
    return text.translate(_DROP_VOWELS)


def _mark_consonants(text: str) -> str:
    """Mark the consonant w and y (collapsed skeleton text, before its vowels go)."""
    # w before a vowel and y between vowels are consonants (Zawiya, Hayan, Kanayes), kept as W and Y; elsewhere
    # they spell vowels (Shaykh = Sheikh, Kafriya = Kafria, Sweida = Suwayda).
    if "w" in text:
        text = _CONSONANT_W.sub("W", text)
    if "y" in text:
        text = _CONSONANT_Y.sub("Y", text)
    return text


def fuzzy_key(name: str, *, normalized: bool = False) -> str:
    """The string the fuzzy tier compares: the merged form with every vowel run written ``a``.

    ``"Khan Shaykhun"`` and ``"Khan Sheikhoun"`` both give ``"hanxahan"``; a typo such as ``"Khan Shaykoun"``
    (``"hanxakan"``) stays one edit away.
    """
    norm = name if normalized else normalize_name(name)
    if not norm.isascii() and is_arabic(norm):
        return _arabic_key(norm)
    return _VOWELS_TO_A.sub("a", _merged(norm))


def variant_keys(name: str) -> tuple[str, str]:
    """``(normal form, skeleton)`` of a name: the keys the variant tier looks up, strictest first."""
    norm = normalize_name(name)
    return norm, skeleton_key(norm, normalized=True)
