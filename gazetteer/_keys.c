/*
 * gazetteer._keys: the variant tier's keys of a plain ASCII name, compiled.
 *
 * ascii_keys(name) returns what gazetteer.normalize.variant_keys(name) returns, (normal form, consonant skeleton),
 * for the names nearly every query is: ASCII, with every word of the normal form made of [a-z0-9]. For any other
 * name it returns None; variant_keys(name) then calls the Python code that normalize.py configured. exact_key(name)
 * is normalize.exact_key for ASCII names, likewise. The steps below follow _ascii_normal,
 * _piecewise_skeleton and _word_piece in normalize.py one for one; tests/gazetteer/test_keys_compiled.py checks the
 * two give the same keys, on the bundled names and on generated ones.
 *
 * The byte tables (case folding, separators, apostrophes) and the article words are handed over by normalize.py
 * through configure(), so that the data lives in one place.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* Longer names take the Python path (buffers live on the stack). */
#define MAX_NAME 256
/* x -> ks at most doubles a word. */
#define MAX_WORD (2 * MAX_NAME + 2)
#define DELETED 0xFF
#define MAX_ARTICLES 128
#define MAX_ARTICLE_LEN 8

static unsigned char fold_table[256];
/* A-Z to a-z, the rest unchanged: exact_key's casefold() on ASCII */
static unsigned char lower_table[256];
static char article_words[MAX_ARTICLES][MAX_ARTICLE_LEN];
static Py_ssize_t article_lengths[MAX_ARTICLES];
static Py_ssize_t article_count = 0;
static int configured = 0;
/* normalize._python_keys: variant_keys() hands it every name ascii_keys() does not take */
static PyObject *fallback = NULL;
/* normalize._python_exact_key: exact_key() hands it every name that is not plain ASCII */
static PyObject *exact_fallback = NULL;

/* Character classes, filled once at import. */
static unsigned char is_space[256];      /* str.split() whitespace among ASCII characters */
static unsigned char is_simple[256];     /* [a-z0-9]: a word of these takes the piecewise path */
static unsigned char is_vowel[256];      /* aeiouwy: dropped from the skeleton (lower case only) */
static unsigned char is_aeiou[256];
static unsigned char is_aei[256];
static unsigned char is_aeou[256];
static unsigned char is_lower[256];      /* [a-z] */
static unsigned char is_glued_next[256]; /* the consonant after a glued al-/el- (_GLUED_ARTICLE) */

static void
fill(unsigned char *table, const char *chars)
{
    for (; *chars; chars++) {
        table[(unsigned char)*chars] = 1;
    }
}

static int
is_article(const unsigned char *word, Py_ssize_t len)
{
    for (Py_ssize_t i = 0; i < article_count; i++) {
        if (article_lengths[i] == len && memcmp(article_words[i], word, (size_t)len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* str.replace(old, new) on buf[0:*len], in place (buf has room for MAX_WORD bytes). */
static void
replace_all(unsigned char *buf, Py_ssize_t *len, const char *old, const char *new_text)
{
    Py_ssize_t old_len = (Py_ssize_t)strlen(old), new_len = (Py_ssize_t)strlen(new_text);
    unsigned char out[MAX_WORD];
    Py_ssize_t n = 0, i = 0, found = 0;
    while (i < *len) {
        if (i + old_len <= *len && memcmp(buf + i, old, (size_t)old_len) == 0) {
            memcpy(out + n, new_text, (size_t)new_len);
            n += new_len;
            i += old_len;
            found = 1;
        }
        else {
            out[n++] = buf[i++];
        }
    }
    if (found) {
        memcpy(buf, out, (size_t)n);
        *len = n;
    }
}

/* The digraphs of _H_DIGRAPHS, in their order. */
static const char *const digraphs[][2] = {
    {"sch", "x"}, {"sh", "x"}, {"ch", "x"}, {"kh", "h"}, {"gh", "g"}, {"dj", "j"}, {"dh", "d"}, {"th", "t"},
    {"ph", "f"},
};

/*
 * _word_piece: the word's text before its vowels go, in buf (len returned). The word is non-empty and [a-z0-9].
 */
static Py_ssize_t
word_text(const unsigned char *word, Py_ssize_t word_len, unsigned char *buf)
{
    Py_ssize_t len = word_len, i, n;
    unsigned char tmp[MAX_WORD];

    memcpy(buf, word, (size_t)len);
    /* a glued article: al-/el- before a consonant and two more letters */
    if (len >= 5 && (buf[0] == 'a' || buf[0] == 'e') && buf[1] == 'l' && is_glued_next[buf[2]] && is_lower[buf[3]]
        && is_lower[buf[4]]) {
        memmove(buf, buf + 2, (size_t)(len - 2));
        len -= 2;
    }
    /* the ending: a final h after a vowel */
    if (len > 1 && buf[len - 1] == 'h' && is_aeiou[buf[len - 2]]) {
        len--;
    }
    /* French ou before a, e, i is w */
    n = 0;
    for (i = 0; i < len;) {
        if (buf[i] == 'o' && i + 2 < len && buf[i + 1] == 'u' && is_aei[buf[i + 2]]) {
            tmp[n++] = 'w';
            i += 2;
        }
        else {
            tmp[n++] = buf[i++];
        }
    }
    memcpy(buf, tmp, (size_t)n);
    len = n;
    /* x is ks */
    if (memchr(buf, 'x', (size_t)len) != NULL) {
        replace_all(buf, &len, "x", "ks");
    }
    /* digraphs, in order (all but dj have an h) */
    if (memchr(buf, 'h', (size_t)len) != NULL) {
        for (size_t d = 0; d < sizeof(digraphs) / sizeof(digraphs[0]); d++) {
            replace_all(buf, &len, digraphs[d][0], digraphs[d][1]);
        }
    }
    else {
        replace_all(buf, &len, "dj", "j");
    }
    /* the one-letter swaps */
    for (i = 0; i < len; i++) {
        if (buf[i] == 'q' || buf[i] == 'c') {
            buf[i] = 'k';
        }
        else if (buf[i] == 'v') {
            buf[i] = 'f';
        }
    }
    /* the word's first vowels are one A */
    for (i = 0; i < len && is_vowel[buf[i]]; i++) {
    }
    if (i > 0) {
        buf[0] = 'A';
        memmove(buf + 1, buf + i, (size_t)(len - i));
        len = len - i + 1;
    }
    /* doubled letters collapse */
    n = 0;
    for (i = 0; i < len; i++) {
        if (i + 1 == len || buf[i] != buf[i + 1]) {
            buf[n++] = buf[i];
        }
    }
    len = n;
    /* consonant w (before a vowel) and y (between vowels); neither W nor Y is a vowel of either test */
    for (i = 0; i < len; i++) {
        if (buf[i] == 'w' && i + 1 < len && is_aeiou[buf[i + 1]]) {
            buf[i] = 'W';
        }
    }
    for (i = 1; i + 1 < len; i++) {
        if (buf[i] == 'y' && is_aeou[buf[i - 1]] && is_aeiou[buf[i + 1]]) {
            buf[i] = 'Y';
        }
    }
    return len;
}

static PyObject *
ascii_text(const unsigned char *bytes, Py_ssize_t len)
{
    PyObject *text = PyUnicode_New(len, 127);
    if (text != NULL) {
        memcpy(PyUnicode_1BYTE_DATA(text), bytes, (size_t)len);
    }
    return text;
}

/*
 * Each byte of an ASCII name through table (DELETED: dropped), then str.split() and " ".join(): runs of whitespace
 * become one space, none at either end. out has room for len bytes; returns the length written.
 */
static Py_ssize_t
fold_words(PyObject *name, const unsigned char *table, unsigned char *out)
{
    const unsigned char *data = PyUnicode_1BYTE_DATA(name);
    Py_ssize_t len = PyUnicode_GET_LENGTH(name), n = 0;
    int pending_space = 0;

    for (Py_ssize_t i = 0; i < len; i++) {
        unsigned char c = table[data[i]];
        if (c == DELETED) {
            continue;
        }
        if (is_space[c]) {
            pending_space = n > 0;
            continue;
        }
        if (pending_space) {
            out[n++] = ' ';
            pending_space = 0;
        }
        out[n++] = c;
    }
    return n;
}

/* The keys of name, or Py_None (a new reference) when the Python code must compute them. */
static PyObject *
compute_keys(PyObject *name)
{
    unsigned char norm[MAX_NAME], skeleton[MAX_NAME * 2 + 2], text[MAX_WORD];
    Py_ssize_t norm_len, skel_len = 0, len, i, start, end;
    int prev = -1;

    if (!PyUnicode_CheckExact(name) || !PyUnicode_IS_ASCII(name) || PyUnicode_GET_LENGTH(name) > MAX_NAME) {
        Py_RETURN_NONE;
    }
    /* _ascii_normal: fold case, separators to spaces, drop apostrophes; then str.split() and " ".join() */
    norm_len = fold_words(name, fold_table, norm);
    if (norm_len == 0) {
        Py_RETURN_NONE;
    }
    /* _piecewise_skeleton: a name that ends with an article word, or has a word not of [a-z0-9], goes to Python */
    for (start = norm_len; start > 0 && norm[start - 1] != ' '; start--) {
    }
    if (is_article(norm + start, norm_len - start)) {
        Py_RETURN_NONE;
    }
    for (start = 0; start < norm_len; start = end + 1) {
        for (end = start; end < norm_len && norm[end] != ' '; end++) {
            if (!is_simple[norm[end]]) {
                Py_RETURN_NONE;
            }
        }
        if (is_article(norm + start, end - start)) {
            continue;
        }
        len = word_text(norm + start, end - start, text);
        /* the piece: the text without its vowels; its first letter goes when the last word ended with it */
        for (i = (text[0] == prev) ? 1 : 0; i < len; i++) {
            if (!is_vowel[text[i]]) {
                skeleton[skel_len++] = text[i];
            }
        }
        prev = text[len - 1];
    }
    {
        PyObject *norm_text = ascii_text(norm, norm_len), *skel_text, *keys;
        if (norm_text == NULL) {
            return NULL;
        }
        skel_text = ascii_text(skeleton, skel_len);
        if (skel_text == NULL) {
            Py_DECREF(norm_text);
            return NULL;
        }
        keys = PyTuple_New(2);
        if (keys == NULL) {
            Py_DECREF(norm_text);
            Py_DECREF(skel_text);
            return NULL;
        }
        PyTuple_SET_ITEM(keys, 0, norm_text);
        PyTuple_SET_ITEM(keys, 1, skel_text);
        return keys;
    }
}

static PyObject *
ascii_keys(PyObject *module, PyObject *name)
{
    (void)module;
    if (!configured) {
        PyErr_SetString(PyExc_RuntimeError, "gazetteer._keys is not configured");
        return NULL;
    }
    return compute_keys(name);
}

static PyObject *
variant_keys(PyObject *module, PyObject *name)
{
    PyObject *keys;

    (void)module;
    if (!configured) {
        PyErr_SetString(PyExc_RuntimeError, "gazetteer._keys is not configured");
        return NULL;
    }
    keys = compute_keys(name);
    if (keys != Py_None) {
        return keys;
    }
    Py_DECREF(keys);
    return PyObject_CallOneArg(fallback, name);
}

/* normalize.exact_key: " ".join(name.casefold().split()), for an ASCII str (casefold is lower() there). */
static PyObject *
exact_key(PyObject *module, PyObject *name)
{
    unsigned char key[MAX_NAME];
    Py_ssize_t key_len;

    (void)module;
    if (!configured) {
        PyErr_SetString(PyExc_RuntimeError, "gazetteer._keys is not configured");
        return NULL;
    }
    if (!PyUnicode_CheckExact(name) || !PyUnicode_IS_ASCII(name) || PyUnicode_GET_LENGTH(name) > MAX_NAME) {
        return PyObject_CallOneArg(exact_fallback, name);
    }
    key_len = fold_words(name, lower_table, key);
    return ascii_text(key, key_len);
}

static PyObject *
configure(PyObject *module, PyObject *args)
{
    Py_buffer fold;
    PyObject *articles, *seq, *python_keys, *python_exact, *old;
    unsigned char table[256];
    char words[MAX_ARTICLES][MAX_ARTICLE_LEN];
    Py_ssize_t lengths[MAX_ARTICLES], count, i;

    (void)module;
    if (!PyArg_ParseTuple(args, "y*OOO:configure", &fold, &articles, &python_keys, &python_exact)) {
        return NULL;
    }
    if (fold.len != 256) {
        PyBuffer_Release(&fold);
        PyErr_Format(PyExc_ValueError, "expected a 256-byte table, got %zd bytes", fold.len);
        return NULL;
    }
    memcpy(table, fold.buf, 256);
    PyBuffer_Release(&fold);
    for (i = 0; i < 128; i++) {
        /* names are ASCII; their normal form must stay ASCII: it is built as a 7-bit string */
        if (table[i] >= 128 && table[i] != DELETED) {
            PyErr_Format(PyExc_ValueError, "table maps byte %zd to %d, expected ASCII or 0xFF", i, table[i]);
            return NULL;
        }
    }
    if (!PyCallable_Check(python_keys) || !PyCallable_Check(python_exact)) {
        PyErr_Format(PyExc_TypeError, "expected callable fallbacks, got %R and %R", python_keys, python_exact);
        return NULL;
    }
    seq = PySequence_Fast(articles, "expected a sequence of article words");
    if (seq == NULL) {
        return NULL;
    }
    count = PySequence_Fast_GET_SIZE(seq);
    if (count > MAX_ARTICLES) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError, "expected at most %d article words, got %zd", MAX_ARTICLES, count);
        return NULL;
    }
    for (i = 0; i < count; i++) {
        PyObject *word = PySequence_Fast_GET_ITEM(seq, i);
        Py_ssize_t len;
        const char *bytes;
        if (!PyUnicode_Check(word) || !PyUnicode_IS_ASCII(word)) {
            PyErr_Format(PyExc_ValueError, "expected ASCII article words, got %R", word);
            Py_DECREF(seq);
            return NULL;
        }
        bytes = PyUnicode_AsUTF8AndSize(word, &len);
        if (bytes == NULL) {
            Py_DECREF(seq);
            return NULL;
        }
        if (len >= MAX_ARTICLE_LEN) {
            PyErr_Format(PyExc_ValueError, "expected article words of under %d letters, got %R", MAX_ARTICLE_LEN,
                         word);
            Py_DECREF(seq);
            return NULL;
        }
        memcpy(words[i], bytes, (size_t)len);
        lengths[i] = len;
    }
    Py_DECREF(seq);
    /* all checked: take the new configuration at once */
    memcpy(fold_table, table, sizeof(table));
    memcpy(article_words, words, sizeof(words));
    memcpy(article_lengths, lengths, sizeof(lengths));
    article_count = count;
    old = fallback;
    Py_INCREF(python_keys);
    fallback = python_keys;
    Py_XDECREF(old);
    old = exact_fallback;
    Py_INCREF(python_exact);
    exact_fallback = python_exact;
    Py_XDECREF(old);
    configured = 1;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"ascii_keys", ascii_keys, METH_O,
     "ascii_keys(name) -> (normal form, skeleton) of a plain ASCII name, or None: see normalize.variant_keys."},
    {"variant_keys", variant_keys, METH_O,
     "variant_keys(name) -> (normal form, skeleton): ascii_keys(name), else the fallback's keys."},
    {"exact_key", exact_key, METH_O,
     "exact_key(name) -> the exact tier's key (case and spaces folded); other than ASCII, the fallback's."},
    {"configure", configure, METH_VARARGS,
     "configure(fold_table, article_words, keys_fallback, exact_fallback): the 256-byte ASCII folding table "
     "(0xFF: delete), the article words, and the functions that compute the keys of the names the module does "
     "not take."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "gazetteer._keys",
    "Compiled keys of the gazetteer's variant tier for plain ASCII names (see gazetteer/_keys.c).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__keys(void)
{
    for (int c = 0; c < 256; c++) {
        is_space[c] = (c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f));
        is_simple[c] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        is_lower[c] = (c >= 'a' && c <= 'z');
        lower_table[c] = (unsigned char)((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
    }
    fill(is_vowel, "aeiouwy");
    fill(is_aeiou, "aeiou");
    fill(is_aei, "aei");
    fill(is_aeou, "aeou");
    fill(is_glued_next, "bcdfghjklmnpqrstvxz");
    return PyModule_Create(&module_def);
}
