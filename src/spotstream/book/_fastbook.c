/*
 * spotstream.book._fastbook: the per-level loop of BookSide.apply, in C.
 *
 * apply_levels(keys, qtys, texts, levels, price_precision, qty_precision, sign, source,
 *              separator)
 *
 * ``keys``/``qtys``/``texts`` are a book side's parallel lists (sort keys best first, qty
 * units, checksum texts). Each level has ``price`` and ``qty`` holding the text of a JSON
 * number (any buffer: msgspec.Raw, bytes), or of a JSON string holding one (``"0.05"``,
 * quotes included, as venues that quote their numbers send them: the quotes are not part of
 * the number). Every number must be a plain non-negative
 * decimal with at most ``*_precision`` decimals; it becomes its scaled-integer digits
 * (without leading zeros), which give the integer. The level's checksum text is price,
 * ``separator`` (bytes), qty: as those digits when ``source`` is SOURCE_UNITS, as the
 * numbers' text as received when it is SOURCE_RECEIVED (l2.TextSource holds the values).
 *
 * Returns the smallest list index the levels touched (PY_SSIZE_T_MAX when none), or -2
 * when any level is not of that simple shape: then NOTHING was changed, and the caller runs
 * the pure-Python path, which handles (or rejects, with its own error) every other case.
 * This module is an accelerator only: spotstream/book/l2.py is the reference, and the tests
 * run both on the same inputs.
 *
 * crc_join(first, second, watch, separator)
 *
 * The CRC32 (zlib's) of ``separator.join(first[:watch] + second[:watch])``: two book sides'
 * cached level texts (lists of bytes) joined, without building the joined bytes object. The
 * texts are copied into a buffer (on the stack for a book of up to STACK_TEXT bytes) and
 * CRC'd in one call. l2.crc_join_python is the reference.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#define MAX_DIGITS 40
#define MAX_TEXT 64 /* longer received text (leading zeros, padding) takes the Python path */
#define STACK_LEVELS 8 /* a message of at most this many levels per side needs no malloc */
#define FALLBACK (-2)
#define SOURCE_UNITS 0
#define SOURCE_RECEIVED 1
#define STACK_TEXT 8192 /* joined text that needs no malloc */

/* One number: its scaled-integer digits, and (received text only) its text as received. */
typedef struct {
    char digits[MAX_DIGITS + 1];
    Py_ssize_t digits_len;
    char text[MAX_TEXT];
    Py_ssize_t text_len;
} ParsedNumber;

typedef struct {
    ParsedNumber price;
    ParsedNumber qty;
} ParsedLevel;

static PyObject *price_name, *qty_name; /* "price" and "qty", interned at import */

/* How a level's checksum text is made (see the header). */
typedef struct {
    int received;
    const char *separator;
    Py_ssize_t separator_len;
} TextRule;

/* Digits of text x 10^precision without leading zeros into out; length, or -1 if the text
   is not a plain decimal with at most `precision` decimals (or is too long). */
static Py_ssize_t
scaled_digits(const char *text, Py_ssize_t len, int precision, char *out)
{
    Py_ssize_t i = 0, n = 0, frac = 0;
    int seen_dot = 0, started = 0;
    if (len == 0)
        return -1;
    for (i = 0; i < len; i++) {
        char c = text[i];
        if (c == '.') {
            if (seen_dot || i == 0 || i == len - 1)
                return -1;
            seen_dot = 1;
            continue;
        }
        if (c < '0' || c > '9')
            return -1;
        if (seen_dot && ++frac > precision)
            return -1;
        if (!started && c == '0')
            continue;
        started = 1;
        if (n >= MAX_DIGITS)
            return -1;
        out[n++] = c;
    }
    if (started) {
        for (; frac < precision; frac++) {
            if (n >= MAX_DIGITS)
                return -1;
            out[n++] = '0';
        }
    }
    out[n] = '\0';
    return n;
}

/* 1 when parsed, 0 when the Python path must take it, -1 on an error (raised). */
static int
parse_number(PyObject *level, PyObject *name, int precision, int keep_text, ParsedNumber *out)
{
    Py_buffer view;
    int ok;
    PyObject *value = PyObject_GetAttr(level, name);
    if (value == NULL)
        return -1;
    if (PyObject_GetBuffer(value, &view, PyBUF_SIMPLE) < 0) {
        Py_DECREF(value);
        PyErr_Clear();
        return 0; /* a Decimal or other non-text number: fall back */
    }
    const char *text = (const char *)view.buf;
    Py_ssize_t len = view.len;
    if (len >= 2 && text[0] == '"' && text[len - 1] == '"') { /* a quoted number */
        text++;
        len -= 2;
    }
    out->digits_len = scaled_digits(text, len, precision, out->digits);
    ok = out->digits_len >= 0;
    if (ok && keep_text) {
        ok = len <= MAX_TEXT;
        if (ok) {
            memcpy(out->text, text, len);
            out->text_len = len;
        }
    }
    PyBuffer_Release(&view);
    Py_DECREF(value);
    return ok;
}

/* The level's checksum text: price, separator, qty (digits or received text). */
static PyObject *
level_text(const ParsedLevel *lv, const TextRule *rule)
{
    const char *price = rule->received ? lv->price.text : lv->price.digits;
    const char *qty = rule->received ? lv->qty.text : lv->qty.digits;
    Py_ssize_t price_len = rule->received ? lv->price.text_len : lv->price.digits_len;
    Py_ssize_t qty_len = rule->received ? lv->qty.text_len : lv->qty.digits_len;
    PyObject *text = PyBytes_FromStringAndSize(NULL, price_len + rule->separator_len + qty_len);
    char *out;
    if (text == NULL)
        return NULL;
    out = PyBytes_AS_STRING(text);
    memcpy(out, price, price_len);
    memcpy(out + price_len, rule->separator, rule->separator_len);
    memcpy(out + price_len + rule->separator_len, qty, qty_len);
    return text;
}

static PyObject *
digits_to_int(const char *digits, Py_ssize_t len)
{
    if (len == 0)
        return PyLong_FromLong(0);
    if (len <= 18) {
        long long v = 0;
        for (Py_ssize_t i = 0; i < len; i++)
            v = v * 10 + (digits[i] - '0');
        return PyLong_FromLongLong(v);
    }
    return PyLong_FromString(digits, NULL, 10);
}

/* bisect_left on a list of ints */
static Py_ssize_t
bisect_left(PyObject *list, PyObject *key)
{
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(list);
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        int less = PyObject_RichCompareBool(PyList_GET_ITEM(list, mid), key, Py_LT);
        if (less < 0)
            return -1;
        if (less)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int
apply_one(PyObject *keys, PyObject *qtys, PyObject *texts, const ParsedLevel *lv, long sign,
          const TextRule *rule, Py_ssize_t *touched)
{
    int status = -1, equal = 0;
    PyObject *price = NULL, *key = NULL, *qty = NULL, *text = NULL;
    Py_ssize_t i;

    price = digits_to_int(lv->price.digits, lv->price.digits_len);
    if (price == NULL)
        goto done;
    if (sign < 0) {
        key = PyNumber_Negative(price);
        if (key == NULL)
            goto done;
    }
    else {
        key = price;
        Py_INCREF(key);
    }
    i = bisect_left(keys, key);
    if (i < 0 && PyErr_Occurred())
        goto done;
    if (i < PyList_GET_SIZE(keys)) {
        equal = PyObject_RichCompareBool(PyList_GET_ITEM(keys, i), key, Py_EQ);
        if (equal < 0)
            goto done;
    }
    if (lv->qty.digits_len == 0) { /* a delete */
        if (equal) {
            if (PyList_SetSlice(keys, i, i + 1, NULL) < 0 ||
                PyList_SetSlice(qtys, i, i + 1, NULL) < 0 ||
                PyList_SetSlice(texts, i, i + 1, NULL) < 0)
                goto done;
            if (i < *touched)
                *touched = i;
        }
        status = 0;
        goto done;
    }
    qty = digits_to_int(lv->qty.digits, lv->qty.digits_len);
    if (qty == NULL)
        goto done;
    text = level_text(lv, rule);
    if (text == NULL)
        goto done;
    if (equal) {
        if (PyList_SetItem(qtys, i, qty) < 0) { qty = NULL; goto done; }
        qty = NULL; /* stolen */
        if (PyList_SetItem(texts, i, text) < 0) { text = NULL; goto done; }
        text = NULL;
    }
    else if (PyList_Insert(keys, i, key) < 0 || PyList_Insert(qtys, i, qty) < 0 ||
             PyList_Insert(texts, i, text) < 0) {
        goto done;
    }
    if (i < *touched)
        *touched = i;
    status = 0;
done:
    Py_XDECREF(price);
    Py_XDECREF(key);
    Py_XDECREF(qty);
    Py_XDECREF(text);
    return status;
}

static PyObject *
apply_levels(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *keys, *qtys, *texts, *levels, *seq = NULL, *result = NULL;
    ParsedLevel stack[STACK_LEVELS], *parsed = NULL;
    int price_precision, qty_precision;
    long sign;
    TextRule rule;
    Py_ssize_t count, touched = PY_SSIZE_T_MAX;

    if (nargs != 9) {
        PyErr_SetString(PyExc_TypeError, "apply_levels takes 9 arguments");
        return NULL;
    }
    keys = args[0]; qtys = args[1]; texts = args[2]; levels = args[3];
    if (!PyList_Check(keys) || !PyList_Check(qtys) || !PyList_Check(texts)) {
        PyErr_SetString(PyExc_TypeError, "keys, qtys and texts must be lists");
        return NULL;
    }
    if (!PyBytes_Check(args[8])) {
        PyErr_SetString(PyExc_TypeError, "separator must be bytes");
        return NULL;
    }
    {
        long pp = PyLong_AsLong(args[4]), qp = PyLong_AsLong(args[5]);
        long source = PyLong_AsLong(args[7]);
        sign = PyLong_AsLong(args[6]);
        if (PyErr_Occurred())
            return NULL;
        if (pp < 0 || pp > MAX_DIGITS || qp < 0 || qp > MAX_DIGITS)
            return PyLong_FromLong(FALLBACK);
        if (source != SOURCE_UNITS && source != SOURCE_RECEIVED) {
            PyErr_SetString(PyExc_ValueError, "unknown text source");
            return NULL;
        }
        price_precision = (int)pp;
        qty_precision = (int)qp;
        rule.received = source == SOURCE_RECEIVED;
        rule.separator = PyBytes_AS_STRING(args[8]);
        rule.separator_len = PyBytes_GET_SIZE(args[8]);
    }

    seq = PySequence_Fast(levels, "levels must be iterable");
    if (seq == NULL)
        return NULL;
    count = PySequence_Fast_GET_SIZE(seq);
    if (count == 0) {
        Py_DECREF(seq);
        return PyLong_FromSsize_t(touched);
    }
    parsed = count <= STACK_LEVELS ? stack : PyMem_Malloc(sizeof(ParsedLevel) * count);
    if (parsed == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* Pass 1: parse everything; any unusual number means nothing is applied here. */
    for (Py_ssize_t n = 0; n < count; n++) {
        PyObject *level = PySequence_Fast_GET_ITEM(seq, n);
        int ok = parse_number(level, price_name, price_precision, rule.received,
                              &parsed[n].price);
        if (ok > 0)
            ok = parse_number(level, qty_name, qty_precision, rule.received, &parsed[n].qty);
        if (ok < 0)
            goto done;
        if (ok == 0 || parsed[n].price.digits_len == 0) {
            result = PyLong_FromLong(FALLBACK);
            goto done;
        }
    }
    /* Pass 2: apply in order. */
    for (Py_ssize_t n = 0; n < count; n++) {
        if (apply_one(keys, qtys, texts, &parsed[n], sign, &rule, &touched) < 0)
            goto done;
    }
    result = PyLong_FromSsize_t(touched);
done:
    if (parsed != stack)
        PyMem_Free(parsed);
    Py_DECREF(seq);
    return result;
}

/* --- CRC32 (zlib's: IEEE, reflected) by carry-less multiplication ------------------------------
 *
 * On x86-64 with PCLMULQDQ, whole 64-byte blocks are folded in four 128-bit accumulators, as
 * polynomials over GF(2) modulo the CRC's P: with bytes loaded little-endian, a 64-bit lane
 * holds a polynomial bit-reflected (bit i is the coefficient of x^(63-i)), and the carry-less
 * product of two such lanes is their product times x, bit-reflected over 128 bits. So an
 * accumulator X = H x^64 + L (H: its low lane) moves F bits further as
 * clmul(H, x^(F+63) mod P) ^ clmul(L, x^(F-1) mod P), congruent to X x^F. The folded 16
 * bytes and the last (< 16) bytes then go through zlib's crc32, which finishes the
 * remainder: no Barrett step. The constants are computed at import, and the path is used only
 * if the CPU has the instruction and it agrees with zlib on a self-test; else zlib does it
 * all. (Nothing here is specific to a venue: the book's checksum text is just bytes.)
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_CLMUL 1
#include <immintrin.h>

static int use_clmul;
static uint64_t fold512[2], fold128[2]; /* reflected x^(F+63) mod P, x^(F-1) mod P */

static uint32_t
xn_mod_p(unsigned n) /* x^n mod P, not reflected (bit i: x^i) */
{
    uint64_t r = 1;
    while (n--) {
        r <<= 1;
        if (r & 0x100000000ULL)
            r ^= 0x104C11DB7ULL;
    }
    return (uint32_t)r;
}

static uint64_t
reflected_lane(uint32_t k) /* a polynomial of degree < 32 as a reflected 64-bit lane */
{
    uint32_t r = 0;
    for (int i = 0; i < 32; i++)
        if (k & (1u << i))
            r |= 1u << (31 - i);
    return (uint64_t)r << 32;
}

__attribute__((target("pclmul,sse2"))) static inline __m128i
fold(__m128i x, __m128i k)
{
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

/* zlib's crc32(crc, buf, len) for len >= 64. */
__attribute__((target("pclmul,sse2"))) static uint32_t
crc32_clmul(uint32_t crc, const unsigned char *buf, size_t len)
{
    const __m128i k512 = _mm_set_epi64x((long long)fold512[1], (long long)fold512[0]);
    const __m128i k128 = _mm_set_epi64x((long long)fold128[1], (long long)fold128[0]);
    __m128i x0 = _mm_loadu_si128((const __m128i *)buf);
    __m128i x1 = _mm_loadu_si128((const __m128i *)(buf + 16));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(buf + 32));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(buf + 48));
    unsigned char last[32];
    /* zlib's register starts at ~crc: the same as xoring it into the first 4 bytes. */
    x0 = _mm_xor_si128(x0, _mm_cvtsi32_si128((int)~crc));
    buf += 64;
    len -= 64;
    for (; len >= 64; buf += 64, len -= 64) {
        x0 = _mm_xor_si128(fold(x0, k512), _mm_loadu_si128((const __m128i *)buf));
        x1 = _mm_xor_si128(fold(x1, k512), _mm_loadu_si128((const __m128i *)(buf + 16)));
        x2 = _mm_xor_si128(fold(x2, k512), _mm_loadu_si128((const __m128i *)(buf + 32)));
        x3 = _mm_xor_si128(fold(x3, k512), _mm_loadu_si128((const __m128i *)(buf + 48)));
    }
    x1 = _mm_xor_si128(fold(x0, k128), x1);
    x2 = _mm_xor_si128(fold(x1, k128), x2);
    x3 = _mm_xor_si128(fold(x2, k128), x3);
    for (; len >= 16; buf += 16, len -= 16)
        x3 = _mm_xor_si128(fold(x3, k128), _mm_loadu_si128((const __m128i *)buf));
    /* The message is now congruent to x3's 16 bytes followed by the tail: CRC those, from
       a register of 0 (zlib's crc32 starts from ~crc: pass ~0) and zlib's final xor. */
    _mm_storeu_si128((__m128i *)last, x3);
    memcpy(last + 16, buf, len);
    return (uint32_t)crc32(0xFFFFFFFFUL, last, (uInt)(16 + len));
}

static void
clmul_init(void)
{
    unsigned char test[1000];
    fold512[0] = reflected_lane(xn_mod_p(512 + 63));
    fold512[1] = reflected_lane(xn_mod_p(512 - 1));
    fold128[0] = reflected_lane(xn_mod_p(128 + 63));
    fold128[1] = reflected_lane(xn_mod_p(128 - 1));
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("pclmul") || !__builtin_cpu_supports("sse2"))
        return;
    for (size_t i = 0; i < sizeof test; i++)
        test[i] = (unsigned char)(i * 131 + (i >> 3));
    for (size_t n = 64; n <= sizeof test; n += 13) /* every tail length, several blocks */
        if (crc32_clmul(0x12345678u, test, n) != (uint32_t)crc32(0x12345678UL, test, (uInt)n))
            return;
    use_clmul = 1;
}
#endif

static long
use_clmul_now(void) /* 1 when crc_join folds by carry-less multiplication */
{
#ifdef HAVE_CLMUL
    return use_clmul;
#else
    return 0;
#endif
}

/* zlib's crc32(crc, buf, len), by carry-less multiplication where it can. */
static unsigned long
crc32_any(unsigned long crc, const unsigned char *buf, Py_ssize_t len)
{
#ifdef HAVE_CLMUL
    if (use_clmul && len >= 64)
        return crc32_clmul((uint32_t)crc, buf, (size_t)len);
#endif
    for (Py_ssize_t done = 0; done < len;) { /* zlib's crc32 takes a uInt length */
        Py_ssize_t chunk = len - done > (1 << 30) ? (1 << 30) : len - done;
        crc = crc32(crc, buf + done, (uInt)chunk);
        done += chunk;
    }
    return crc;
}

/* memcpy, inlined for a level's usual 16-32 bytes: two fixed 16-byte copies that overlap
   (both within in[0:size] and out[0:size]); a call otherwise. */
static inline void
copy_text(char *out, const char *in, Py_ssize_t size)
{
    if (size >= 16 && size <= 32) {
        memcpy(out, in, 16);
        memcpy(out + size - 16, in + size - 16, 16);
    }
    else
        memcpy(out, in, size);
}

/* Append the texts of list[:watch] to buf[len:] while they fit in cap bytes, a separator
   before each but the very first (*first: none written yet); the length of everything so
   far, or -1 with TypeError when an item is not bytes. */
static Py_ssize_t
join_into(PyObject *list, Py_ssize_t watch, const char *sep, Py_ssize_t sep_len, char *buf,
          Py_ssize_t cap, Py_ssize_t len, int *first)
{
    Py_ssize_t n = PyList_GET_SIZE(list);
    if (n > watch)
        n = watch;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *text = PyList_GET_ITEM(list, i);
        Py_ssize_t size;
        if (!PyBytes_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "level texts must be bytes");
            return -1;
        }
        size = PyBytes_GET_SIZE(text);
        if (!*first) {
            if (len + sep_len <= cap) {
                if (sep_len == 1)
                    buf[len] = sep[0];
                else
                    memcpy(buf + len, sep, sep_len);
            }
            len += sep_len;
        }
        *first = 0;
        if (len + size <= cap)
            copy_text(buf + len, PyBytes_AS_STRING(text), size);
        len += size;
    }
    return len;
}

static PyObject *
crc_join(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    char stack[STACK_TEXT], *buf = stack;
    const char *sep;
    Py_ssize_t watch, sep_len, len;
    unsigned long crc = 0;
    int first = 1;
    PyObject *result;

    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "crc_join takes 4 arguments");
        return NULL;
    }
    if (!PyList_Check(args[0]) || !PyList_Check(args[1]) || !PyBytes_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "crc_join(list, list, int, bytes)");
        return NULL;
    }
    watch = PyLong_AsSsize_t(args[2]);
    if (watch == -1 && PyErr_Occurred())
        return NULL;
    if (watch < 0) {
        PyErr_SetString(PyExc_ValueError, "watch must not be negative");
        return NULL;
    }
    sep = PyBytes_AS_STRING(args[3]);
    sep_len = PyBytes_GET_SIZE(args[3]);
    /* Into the stack buffer; a larger text is copied again into one of its size (the lists
       cannot change meanwhile: no Python code runs here). */
    len = join_into(args[0], watch, sep, sep_len, buf, STACK_TEXT, 0, &first);
    if (len >= 0)
        len = join_into(args[1], watch, sep, sep_len, buf, STACK_TEXT, len, &first);
    if (len < 0)
        return NULL;
    if (len > STACK_TEXT) {
        if ((buf = PyMem_Malloc(len)) == NULL)
            return PyErr_NoMemory();
        first = 1;
        join_into(args[1], watch, sep, sep_len, buf, len,
                  join_into(args[0], watch, sep, sep_len, buf, len, 0, &first), &first);
    }
    crc = crc32_any(0, (const unsigned char *)buf, len);
    result = PyLong_FromUnsignedLong(crc);
    if (buf != stack)
        PyMem_Free(buf);
    return result;
}

static PyMethodDef methods[] = {
    {"apply_levels", (PyCFunction)(void (*)(void))apply_levels, METH_FASTCALL,
     "Apply text-number levels to a book side's parallel lists (see module source)."},
    {"crc_join", (PyCFunction)(void (*)(void))crc_join, METH_FASTCALL,
     "CRC32 of separator.join(first[:watch] + second[:watch]) (see module source)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastbook", "C accelerator for spotstream.book.l2", -1, methods,
};

PyMODINIT_FUNC
PyInit__fastbook(void)
{
    /* The attribute names, interned once (not per call: this is the per-message path). */
    if (price_name == NULL && (price_name = PyUnicode_InternFromString("price")) == NULL)
        return NULL;
    if (qty_name == NULL && (qty_name = PyUnicode_InternFromString("qty")) == NULL)
        return NULL;
    PyObject *m;
#ifdef HAVE_CLMUL
    clmul_init();
#endif
    m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "CLMUL", use_clmul_now()) < 0)
        Py_CLEAR(m);
    return m;
}
