/*
 * spotstream.protocol.coinex._inflate: framing.inflate (bounded gunzip of one CoinEx frame)
 * in C, with ONE zlib stream per process.
 *
 * inflate(frame, limit=4194304) -> bytes | str
 *
 * Exactly what framing.inflate_python does, which is the reference (the tests run both on
 * the same frames): a str frame is returned as it is; a binary frame (any buffer) is one gzip
 * member, decompressed into at most ``limit`` bytes. Beyond that FrameTooLargeError is
 * raised after at most ``limit + 1`` bytes were produced: the output buffer grows by
 * doubling as zlib fills it, capped at limit + 1, and nothing a header or the stream claims
 * is ever allocated. What is not gzip raises DecodeError("not a gzip frame: Error <n> while
 * decompressing data: <zlib's message>", frame), with the text Python's zlib module gives; a
 * member cut short raises DecodeError("a gzip frame cut short", frame). Like
 * zlib.decompressobj, only the first member is read: bytes after its end (a second member,
 * trailing garbage) are ignored.
 *
 * Why C: zlib.decompressobj() allocates and frees zlib's state and its 32 KiB window for
 * every frame (~4-5 us of a ~190-byte frame on a slow VM). Here one z_stream is initialised
 * once (inflateInit2 with 16 + MAX_WBITS: a gzip container only) and inflateReset before
 * each frame, which keeps the window; the output goes to a scratch buffer that is kept
 * between calls (up to KEEP_SCRATCH bytes) and copied into the result.
 *
 * Threads: the stream and the scratch buffer are module-global. The GIL is held for the
 * whole call (frames are small: releasing it would cost more than it saves), and no Python
 * code can run while the stream is in use (the frame's buffer is taken before, the
 * exceptions are made after), so calls are serialised and cannot re-enter; a re-entered call
 * would raise RuntimeError rather than share the stream. The module uses single-phase
 * initialisation, so a free-threaded CPython re-enables the GIL when it imports it.
 *
 * The exception classes are looked up in spotstream.protocol.coinex.framing the first time
 * one is raised (framing imports this module, so it cannot be done at import).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <string.h>
#include <zlib.h>

#define DEFAULT_LIMIT (4 << 20)
#define FIRST_SCRATCH (16 << 10)  /* the scratch buffer's first size */
#define KEEP_SCRATCH (256 << 10)  /* a larger scratch buffer is freed after its call */
#define SHOWN (64)                /* bytes of a too-large frame its error carries */

static z_stream stream;
static int stream_ready; /* inflateInit2 succeeded */
static int busy;         /* the stream is in use (never seen set: see the header) */
static unsigned char *scratch;
static size_t scratch_size;
static PyObject *decode_error, *too_large; /* framing's classes, looked up on first use */

enum outcome { DONE, TOO_LARGE, CUT_SHORT, ZLIB_ERROR, NO_MEMORY };

/* Decompress buf[0:len] into the scratch buffer; *produced is the output's length. */
static enum outcome
run(const unsigned char *buf, Py_ssize_t len, size_t cap, size_t *produced, int *zerr)
{
    size_t out = 0;
    Py_ssize_t fed = 0;
    if (inflateReset(&stream) != Z_OK) {
        *zerr = Z_STREAM_ERROR;
        return ZLIB_ERROR;
    }
    stream.avail_in = 0;
    for (;;) {
        size_t room;
        int ret;
        if (stream.avail_in == 0 && fed < len) { /* feed at most UINT_MAX bytes at a time */
            Py_ssize_t chunk = len - fed;
            if ((size_t)chunk > UINT_MAX)
                chunk = (Py_ssize_t)UINT_MAX;
            stream.next_in = (unsigned char *)buf + fed;
            stream.avail_in = (uInt)chunk;
            fed += chunk;
        }
        if (out == scratch_size) { /* full but below cap: double it, never beyond cap */
            size_t grown = scratch_size ? scratch_size * 2 : FIRST_SCRATCH;
            unsigned char *bigger;
            if (grown > cap)
                grown = cap;
            bigger = PyMem_Realloc(scratch, grown);
            if (bigger == NULL) {
                *produced = out;
                return NO_MEMORY;
            }
            scratch = bigger;
            scratch_size = grown;
        }
        room = (cap < scratch_size ? cap : scratch_size) - out;
        if (room > UINT_MAX)
            room = UINT_MAX;
        stream.next_out = scratch + out;
        stream.avail_out = (uInt)room;
        ret = inflate(&stream, Z_NO_FLUSH);
        out += room - stream.avail_out;
        *produced = out;
        /* In the reference's order: zlib's error, then the size, then the end. */
        if (ret != Z_OK && ret != Z_BUF_ERROR && ret != Z_STREAM_END) {
            *zerr = ret;
            return ZLIB_ERROR;
        }
        if (out >= cap) /* limit + 1 bytes: too large, whatever comes next */
            return TOO_LARGE;
        if (ret == Z_STREAM_END)
            return DONE;
        if (stream.avail_out != 0 && stream.avail_in == 0 && fed == len)
            return CUT_SHORT; /* all input read, room left, no end of stream */
        if (ret == Z_BUF_ERROR && stream.avail_out != 0 && stream.avail_in != 0) {
            *zerr = ret; /* no progress with input and room: never seen */
            return ZLIB_ERROR;
        }
    }
}

/* Python's zlib module's text for an error (so that both paths say the same). */
static const char *
zlib_message(int err)
{
    if (err == Z_VERSION_ERROR)
        return "library version mismatch";
    if (stream.msg != NULL)
        return stream.msg;
    switch (err) {
    case Z_BUF_ERROR:
        return "incomplete or truncated stream";
    case Z_STREAM_ERROR:
        return "inconsistent stream state";
    case Z_DATA_ERROR:
        return "invalid input data";
    }
    return NULL;
}

static int
load_errors(void)
{
    PyObject *framing;
    if (decode_error != NULL)
        return 0;
    framing = PyImport_ImportModule("spotstream.protocol.coinex.framing");
    if (framing == NULL)
        return -1;
    decode_error = PyObject_GetAttrString(framing, "DecodeError");
    too_large = PyObject_GetAttrString(framing, "FrameTooLargeError");
    Py_DECREF(framing);
    if (decode_error == NULL || too_large == NULL) {
        Py_CLEAR(decode_error);
        Py_CLEAR(too_large);
        return -1;
    }
    return 0;
}

static PyObject *
raise_error(PyObject *cls, PyObject *message, PyObject *frame)
{
    PyObject *exc;
    if (message == NULL)
        return NULL;
    exc = PyObject_CallFunctionObjArgs(cls, message, frame, NULL);
    Py_DECREF(message);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

static PyObject *
fail(enum outcome outcome, int zerr, Py_ssize_t limit, PyObject *frame)
{
    if (outcome == NO_MEMORY)
        return PyErr_NoMemory();
    if (load_errors() < 0)
        return NULL;
    if (outcome == TOO_LARGE) {
        PyObject *shown = PySequence_GetSlice(frame, 0, SHOWN), *message;
        if (shown == NULL)
            return NULL;
        message = PyUnicode_FromFormat("a frame decompresses to more than %zd bytes", limit);
        raise_error(too_large, message, shown);
        Py_DECREF(shown);
        return NULL;
    }
    if (outcome == CUT_SHORT)
        return raise_error(decode_error, PyUnicode_FromString("a gzip frame cut short"), frame);
    {
        const char *zmsg = zlib_message(zerr);
        PyObject *message =
            zmsg == NULL
                ? PyUnicode_FromFormat("not a gzip frame: Error %d while decompressing data", zerr)
                : PyUnicode_FromFormat(
                      "not a gzip frame: Error %d while decompressing data: %.200s", zerr, zmsg);
        return raise_error(decode_error, message, frame);
    }
}

static PyObject *
inflate_frame(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *frame = NULL, *limit_arg = NULL, *result = NULL;
    Py_ssize_t limit = DEFAULT_LIMIT;
    Py_buffer view;
    size_t produced = 0;
    int zerr = 0;
    enum outcome outcome;

    if (nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "inflate() takes at most 2 arguments");
        return NULL;
    }
    if (nargs > 0)
        frame = args[0];
    if (nargs > 1)
        limit_arg = args[1];
    if (kwnames != NULL) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); i++) {
            PyObject *name = PyTuple_GET_ITEM(kwnames, i), *value = args[nargs + i];
            if (PyUnicode_CompareWithASCIIString(name, "frame") == 0 && frame == NULL)
                frame = value;
            else if (PyUnicode_CompareWithASCIIString(name, "limit") == 0 && limit_arg == NULL)
                limit_arg = value;
            else {
                PyErr_Format(PyExc_TypeError, "inflate() got an unexpected or repeated "
                             "keyword argument '%U'", name);
                return NULL;
            }
        }
    }
    if (frame == NULL) {
        PyErr_SetString(PyExc_TypeError, "inflate() missing required argument 'frame'");
        return NULL;
    }
    if (limit_arg != NULL) {
        limit = PyNumber_AsSsize_t(limit_arg, PyExc_OverflowError);
        if (limit == -1 && PyErr_Occurred())
            return NULL;
        if (limit < 0) {
            PyErr_SetString(PyExc_ValueError, "limit must not be negative");
            return NULL;
        }
    }
    if (PyUnicode_Check(frame))
        return Py_NewRef(frame);
    if (PyObject_GetBuffer(frame, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    if (busy) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_RuntimeError, "inflate() re-entered");
        return NULL;
    }
    if (!stream_ready) {
        memset(&stream, 0, sizeof stream);
        if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
            PyBuffer_Release(&view);
            return PyErr_NoMemory();
        }
        stream_ready = 1;
    }
    busy = 1;
    outcome = run(view.buf, view.len, (size_t)limit + 1, &produced, &zerr);
    busy = 0;
    PyBuffer_Release(&view);
    if (outcome == DONE)
        result = PyBytes_FromStringAndSize((const char *)scratch, (Py_ssize_t)produced);
    else
        result = fail(outcome, zerr, limit, frame);
    if (scratch_size > KEEP_SCRATCH) {
        PyMem_Free(scratch);
        scratch = NULL;
        scratch_size = 0;
    }
    return result;
}

static PyMethodDef methods[] = {
    {"inflate", (PyCFunction)(void (*)(void))inflate_frame, METH_FASTCALL | METH_KEYWORDS,
     "inflate(frame, limit=4194304): framing.inflate in C (see the module's source)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_inflate", "C accelerator for spotstream.protocol.coinex.framing",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__inflate(void)
{
    return PyModule_Create(&module);
}
