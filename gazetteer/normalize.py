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

Everything is built from precompiled translate tables and regular expressions: the gazetteer computes these keys
for every query, and must answer 100,000 queries a second. Latin names take two shortcuts that give the same keys:
plain ASCII is normalised with one ``bytes.translate``, and the skeleton is assembled from per-word pieces that are
remembered (report names share their words: *Kafr*, *Tal*, *Maarat*, *al*), since every step of the skeleton but
the article rule and the collapsing of doubled letters stays inside one word. Where ``pip install`` built it, the
compiled module ``gazetteer._keys`` (``gazetteer/_keys.c``) computes the exact key, the normal form and that
piecewise skeleton of plain ASCII names in C, step for step; the functions here remain the reference, and take every
other name.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["exact_key", "normalize_name", "skeleton_key", "fuzzy_key", "variant_keys", "is_arabic", "has_ayn",
           "ayn_spelling"]

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
_DROP_VOWEL_BYTES = b"aeiouwy "
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
_GLUED_START = re.compile(_GLUED_ARTICLE[2:])  # the glued article without its leading \b
# _DIGRAPHS in three parts for one word, same order and result: x -> ks; the two- and three-letter digraphs (all
# but dj have an h, so a word without h needs only dj); the one-letter swaps q, c, v, which come last and never make
# another swapped letter, as one translate.
_H_DIGRAPHS = tuple((old, new) for old, new in _DIGRAPHS if len(old) > 1)
_SWAPS_LIST = tuple((old, new) for old, new in _DIGRAPHS[1:] if len(old) == 1)
assert (_DIGRAPHS == (("x", "ks"), *_H_DIGRAPHS, *_SWAPS_LIST)
        and [old for old, _ in _H_DIGRAPHS if "h" not in old] == ["dj"]
        and not {new for _, new in _SWAPS_LIST} & {old for old, _ in _SWAPS_LIST}
        and {old for old, _ in _SWAPS_LIST} == {"q", "c", "v"}), "update _word_piece"
_SWAPS = str.maketrans(dict(_SWAPS_LIST))
# word -> (first letter, last letter, vowel-less piece) of its skeleton piece; emptied when full.
_PIECES: dict[str, tuple[str, str, str]] = {}
_MAX_PIECES = 1 << 16


def is_arabic(text: str) -> bool:
    """True when ``text`` contains Arabic-script letters."""
    return _ARABIC_RANGE.search(text) is not None


def exact_key(name: str) -> str:
    """The name as written, only case- and whitespace-insensitive: the key of the exact tier."""
    return _exact_key(name)


def _python_exact_key(name: str) -> str:
    """:func:`exact_key` in Python (the compiled module computes it for ASCII names)."""
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
    if norm.isascii():
        return _ascii_skeleton(norm)
    if is_arabic(norm):
        return _arabic_key(norm)
    return _whole_skeleton(norm)


def _ascii_skeleton(norm: str) -> str:
    """The skeleton of an ASCII normal form: from word pieces where every word is simple, else whole."""
    key = _piecewise_skeleton(norm)
    return _whole_skeleton(norm) if key is None else key


def _whole_skeleton(norm: str) -> str:
    """The skeleton of a Latin normal form, computed on the whole string (the reference for the pieces)."""
    # A vowel that starts a word is kept (as "A"): "eastern" and "southern", "Idlib" and "Dalb" stay apart.
    text = _mark_consonants(_DOUBLED.sub("", _WORD_VOWEL.sub("A", _spaced(norm)).replace(" ", "")))
    if text.isascii():
        return text.encode().translate(None, _DROP_VOWEL_BYTES).decode()
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


def _word_piece(word: str) -> tuple[str, str, str] | None:
    """``(first, last, piece)`` of one simple word, or None for a word the piecewise path cannot take.

    The piece is the word's skeleton with its doubled letters collapsed and W/Y marked, before the vowels go;
    ``first`` and ``last`` are its first and last letters at that stage (to collapse across word boundaries).
    """
    # Only words of [a-z0-9]: there the regular expressions' word boundaries fall exactly at the spaces (anything
    # else takes the whole-string path). String predicates say it without a regex: ASCII letters and digits, and
    # either some lower-case letter and no upper-case one, or only digits.
    if not (word.isascii() and word.isalnum() and (word.islower() or word.isdigit())):
        return None
    # The steps of _spaced and _WORD_VOWEL, each reduced to what it can do inside one word of [a-z0-9] (where a
    # regex word boundary is only the start or the end), with string methods instead of regex passes.
    text = word
    # the article pattern, on one word, can only strip a glued "al"/"el" at its start
    if text.startswith(("al", "el")) and _GLUED_START.match(text):
        text = text[2:]
    # the ending rule can only remove a final h after a vowel
    if text[-1] == "h" and len(text) > 1 and text[-2] in "aeiou":
        text = text[:-1]
    if "ou" in text:
        text = _FRENCH_W.sub("w", text)
    if "x" in text:
        text = text.replace("x", "ks")
    if "h" in text:
        for old, new in _H_DIGRAPHS:
            if old in text:
                text = text.replace(old, new)
    elif "dj" in text:
        text = text.replace("dj", "j")
    if "q" in text or "c" in text or "v" in text:  # _SWAPPED, spelled out: three substring tests beat a set's
        text = text.translate(_SWAPS)
    # the word's first vowels become "A"
    rest = text.lstrip("aeiouwy")
    if len(rest) != len(text):
        text = "A" + rest
    text = _mark_consonants(_DOUBLED.sub("", text))
    piece = (text[0], text[-1], text.encode().translate(None, _DROP_VOWEL_BYTES).decode())
    if len(_PIECES) >= _MAX_PIECES:
        _PIECES.clear()
    _PIECES[word] = piece
    return piece


def _piecewise_skeleton(norm: str) -> str | None:
    """The skeleton of an ASCII normal form assembled from remembered word pieces; None when a word is not simple.

    Same result as :func:`_whole_skeleton`: on single-spaced words of ``[a-z0-9]`` the article rule drops whole
    words (an article word that is not the last) or a glued prefix, and the ending, ``ou``, digraph and word-vowel
    rules never reach across a space. Doubled letters are collapsed inside each piece and then across the joins;
    a piece never starts with a lower-case vowel, w or y (a word's first vowels became ``A``), so collapsing at a
    join drops a letter that survives vowel-dropping, and the W/Y lookarounds never need the neighbouring word.
    """
    words = norm.split(" ")
    if words[-1] in _ARTICLE_WORDS:
        # an article word that ends the name is a word, not an article (rare: the whole-string path takes it)
        return None
    out = []
    prev = ""
    for word in words:
        if word in _ARTICLE_WORDS:
            continue
        piece = _PIECES.get(word)
        if piece is None:
            piece = _word_piece(word)
            if piece is None:
                return None
        first, end, consonants = piece
        out.append(consonants[1:] if first == prev else consonants)
        prev = end
    return "".join(out)


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
    return _variant_keys(name)


def _python_keys(name: str) -> tuple[str, str]:
    """:func:`variant_keys` in Python: the reference, and the path of the names the compiled module leaves (of those,
    a name whose normal form is ASCII, accents gone, still gets its skeleton from the compiled module)."""
    if type(name) is str and name.isascii():
        # the path of nearly every query, without the checks that other scripts need
        norm = _ascii_normal(name)
        return norm, _ascii_skeleton(norm)
    norm = normalize_name(name)
    if _KEYS_MODULE is not None and norm.isascii():
        # accents gone, a Latin name is ASCII: its skeleton is the compiled one (ascii_keys of a normal form keeps it)
        keys = _KEYS_MODULE.ascii_keys(norm)
        if keys is not None and keys[0] == norm:
            return keys
    return norm, skeleton_key(norm, normalized=True)


def _compiled_keys():
    """The compiled module ``gazetteer._keys`` (built by ``pip install``), configured with this module's tables and
    :func:`_python_keys` and :func:`_python_exact_key` for the names it leaves; None where it was not built (no C
    compiler)."""
    try:
        from . import _keys
    except ImportError:
        return None
    fold = bytearray(_ASCII_FOLD)
    for byte in _ASCII_DELETE:
        fold[byte] = 0xFF  # bytes.translate deletes before it maps
    _keys.configure(bytes(fold), tuple(sorted(_ARTICLE_WORDS)), _python_keys, _python_exact_key)
    return _keys


_KEYS_MODULE = _compiled_keys()
#: variant_keys without a Python call in front: compiled for plain ASCII names where the module was built. The
#: gazetteer calls it for every query.
_variant_keys = _python_keys if _KEYS_MODULE is None else _KEYS_MODULE.variant_keys
#: exact_key, likewise
_exact_key = _python_exact_key if _KEYS_MODULE is None else _KEYS_MODULE.exact_key
