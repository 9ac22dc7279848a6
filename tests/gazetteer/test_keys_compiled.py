"""The compiled keys (gazetteer/_keys.c) against the Python reference in gazetteer/normalize.py."""

import random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import gazetteer
from gazetteer import Gazetteer, core, normalize
from gazetteer.normalize import _ascii_normal, _ascii_skeleton, _python_exact_key, _python_keys, exact_key, variant_keys

keys_module = normalize._KEYS_MODULE

# Letters in both cases with every letter a rule looks at, digits, the ASCII apostrophes and separators, and the
# whitespace str.split() knows (with \x1c-\x1f, which bytes.split() does not), plus a NUL.
ASCII = ("aeiouwyhkqxcvsdjtgpbflmnrz" "AEIOUWYHKQXCVSDJ" "0129" "'`\"" "-_.,;:/\\()[]{}|+&!?*#~" " \t\n\x0b\x1c\x1f\x00"
         "@<>")
# Words built from the pieces the rules act on: articles, endings, digraphs, French ou, doubled letters.
PIECES = ["al", "el", "an", "ash", "at", "l", "b", "sh", "sch", "ch", "kh", "gh", "dj", "dh", "th", "ph", "x", "q",
          "c", "v", "ou", "w", "y", "aa", "ee", "i", "u", "o", "eh", "ah", "h", "rr", "t", "n", "m", "-", " ", "'", "1"]


def test_the_compiled_module_is_built():
    # pip install builds it (setup.py); without it every query takes the slower Python path
    assert keys_module is not None, "gazetteer._keys was not built: reinstall idpmap with a C compiler present"


def _reference(name):
    norm = _ascii_normal(name)
    return norm, _ascii_skeleton(norm)


@settings(max_examples=3000)
@given(st.text(alphabet=ASCII, max_size=30))
@example("Maarat Al-Nouman")
@example("Ouadi Haoua")
@example("Elbab")
@example("Schaykh Xirbet")
@example("al bab al")  # an article word ends the name: Python's whole-string path
@example("")
@example("  \x1c ")
@example("12 11")
def test_compiled_keys_are_the_python_keys(name):
    compiled = keys_module.ascii_keys(name)
    assert compiled is None or compiled == _reference(name)
    assert keys_module.variant_keys(name) == _python_keys(name)
    assert keys_module.exact_key(name) == _python_exact_key(name)


@settings(max_examples=3000)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join))
def test_compiled_keys_follow_every_rule(name):
    # names made of the pieces the rules act on, so that each rule and their order are exercised
    compiled = keys_module.ascii_keys(name)
    assert compiled is None or compiled == _reference(name)
    assert keys_module.variant_keys(name) == _python_keys(name)


@given(st.text(max_size=20))
def test_any_text_gets_the_python_keys(name):
    # Arabic script, accents, other scripts: the compiled module hands them to Python, or takes their ASCII normal form
    assert variant_keys(name) == _python_keys(name)
    assert exact_key(name) == _python_exact_key(name)
    norm = normalize.normalize_name(name)
    assert _python_keys(name) == (norm, normalize.skeleton_key(norm, normalized=True))


def test_the_names_of_the_gazetteer_and_their_variants_take_the_compiled_path():
    rng = random.Random(3)
    names = [n for p in Gazetteer.default().places for n in (p.name, *p.alt_names) if n.isascii()]
    variants = [n.replace("a", "aa", 1).replace("q", "k").replace("-", " ").upper() for n in names]
    typos = [n[:i] + rng.choice("abhkqsy") + n[i + 1:] for n in names for i in [rng.randrange(len(n))]]
    compiled = 0
    for name in names + variants + typos:
        keys = keys_module.ascii_keys(name)
        if keys is not None:
            compiled += 1
            assert keys == _reference(name), name
        assert variant_keys(name) == _python_keys(name)
    # only names with other characters than letters, digits, spaces and the separators go to Python
    assert compiled >= 0.97 * len(names + variants + typos)


@pytest.mark.parametrize("name", ["x" * 300, "Saraqib", "Maarat al-Numan", "Kafr Nubl"])
def test_long_names_go_to_python_and_short_ones_do_not(name):
    keys = keys_module.ascii_keys(name)
    assert (keys is None) == (len(name) > 256)
    assert variant_keys(name) == _python_keys(name)


def test_a_str_subclass_and_a_non_str_get_the_python_answer():
    class Name(str):
        pass

    assert keys_module.ascii_keys(Name("Saraqib")) is None
    assert variant_keys(Name("Saraqib")) == variant_keys("Saraqib")
    assert exact_key(Name(" Saraqib  Town")) == exact_key("saraqib town") == "saraqib town"
    with pytest.raises(TypeError, match="expected a place name as str, got None"):
        variant_keys(None)
    with pytest.raises(AttributeError):
        exact_key(None)  # as the Python function: no str method on None


@pytest.mark.parametrize("table, articles, fallback, error", [
    (b"\x00" * 10, (), _python_keys, "256-byte table"),
    (bytes([200]) * 256, (), _python_keys, "expected ASCII or 0xFF"),
    (bytes(range(128)) * 2, ("alif" * 3,), _python_keys, "article words of under"),
    (bytes(range(128)) * 2, (1,), _python_keys, "ASCII article words"),
    (bytes(range(128)) * 2, (), None, "callable fallbacks"),
])
def test_a_bad_configuration_is_refused_and_leaves_the_module_as_it_was(table, articles, fallback, error):
    with pytest.raises((ValueError, TypeError), match=error):
        keys_module.configure(table, articles, fallback, _python_exact_key)
    assert keys_module.ascii_keys("Maarat Al-Nouman") == ("maarat al nouman", "mrtnmn")
    assert keys_module.exact_key("Maarat  Al-Nouman") == "maarat al-nouman"


def test_without_the_compiled_module_the_gazetteer_computes_the_same_keys_in_python(monkeypatch):
    # as on a machine without a C compiler: the import fails, and variant_keys is the Python one
    monkeypatch.delattr(gazetteer, "_keys")
    monkeypatch.setitem(__import__("sys").modules, "gazetteer._keys", None)
    assert normalize._compiled_keys() is None
    monkeypatch.setattr(normalize, "_KEYS_MODULE", None)
    monkeypatch.setattr(normalize, "_variant_keys", _python_keys)
    monkeypatch.setattr(core, "_variant_keys", _python_keys)
    monkeypatch.setattr(normalize, "_exact_key", _python_exact_key)
    monkeypatch.setattr(core, "_exact_key", _python_exact_key)
    names = ["Maarat Al-Nouman", "Maaret al-Numaan", "Nāḩiyat Kafr Nubl", "معرة النعمان", "Idleb", "Sarakeb"]
    for name in names:
        assert variant_keys(name) == (normalize.normalize_name(name), normalize.skeleton_key(name))
    # a gazetteer built and queried on the Python keys gives the answers of the compiled ones
    compiled = Gazetteer.default()
    python_only = Gazetteer(compiled.places)
    core._forget_query_keys()
    assert [python_only.resolve(n) for n in names] == [compiled.resolve(n) for n in names]
