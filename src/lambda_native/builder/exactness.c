/*
 * exactness.c: the module `_lambda_native_exactness`, compiled into every native `bootstrap` (the patched
 * Nuitka adds it to the interpreter's built-in modules: builder/nuitka_patch.py). It answers, in one pass
 * of C over a value, the two questions the runtime's JSON codec (runtime/codec.py) asks of every large
 * payload before it trusts orjson with it, where Python needed a walk of its own (~0.4 ms for a 1 MB
 * event) and a marshal.dumps (~0.2 ms for the reply):
 *
 *   inexact(value) -> bool: does orjson's result `value` hold a float of magnitude 2**63 or more? orjson
 *     reads an integer token beyond 64 bits as such a float; simplejson reads it exactly.
 *   shape(value) -> int: 1 when `value` is made only of dict (str keys), list, tuple, str, int, float,
 *     bool and None, exactly those types, every float finite; 2 the same but some float is a NaN or an
 *     infinity (orjson writes null, simplejson NaN/Infinity); 0 for anything else, nesting deeper than
 *     MAX_DEPTH (perhaps a cycle) included. The codec decides those values in Python, as before.
 *
 * Both are pure functions of the value: they read it and keep nothing. Without this module (the
 * interpreted runtime, another Nuitka version) the codec answers the same questions in Python.
 */
#include <Python.h>

/* Deeper than orjson reads or writes (1024): such a value goes the slow way, which words the error. */
#define LAMBDA_NATIVE_MAX_DEPTH 1100
#define LAMBDA_NATIVE_INEXACT_FLOAT 9223372036854775808.0 /* 2**63 */

static int lambdaNativeInexact(PyObject *value, int depth) {
    PyTypeObject *type = Py_TYPE(value);
    if (type == &PyFloat_Type) {
        double number = PyFloat_AS_DOUBLE(value);
        return !(number > -LAMBDA_NATIVE_INEXACT_FLOAT && number < LAMBDA_NATIVE_INEXACT_FLOAT);
    }
    if (type != &PyList_Type && type != &PyDict_Type) {
        return 0;
    }
    if (depth >= LAMBDA_NATIVE_MAX_DEPTH) {
        return 1;
    }
    if (type == &PyList_Type) {
        PyObject **items = PySequence_Fast_ITEMS(value);
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(value); i++) {
            if (lambdaNativeInexact(items[i], depth + 1)) {
                return 1;
            }
        }
        return 0;
    }
    Py_ssize_t position = 0;
    PyObject *key, *item;
    while (PyDict_Next(value, &position, &key, &item)) {
        if (lambdaNativeInexact(item, depth + 1)) {
            return 1;
        }
    }
    return 0;
}

#define LAMBDA_NATIVE_OTHER 0
#define LAMBDA_NATIVE_PLAIN 1
#define LAMBDA_NATIVE_NOT_FINITE 2

/* The shape of `value` (see above); `found` is LAMBDA_NATIVE_PLAIN or LAMBDA_NATIVE_NOT_FINITE so far. */
static int lambdaNativeShape(PyObject *value, int depth, int found) {
    PyTypeObject *type = Py_TYPE(value);
    if (type == &PyUnicode_Type || type == &PyLong_Type || type == &PyBool_Type || value == Py_None) {
        return found;
    }
    if (type == &PyFloat_Type) {
        return isfinite(PyFloat_AS_DOUBLE(value)) ? found : LAMBDA_NATIVE_NOT_FINITE;
    }
    if (depth >= LAMBDA_NATIVE_MAX_DEPTH) {
        return LAMBDA_NATIVE_OTHER;
    }
    if (type == &PyList_Type || type == &PyTuple_Type) {
        PyObject **items = PySequence_Fast_ITEMS(value);
        Py_ssize_t size = PySequence_Fast_GET_SIZE(value);
        for (Py_ssize_t i = 0; i < size && found != LAMBDA_NATIVE_OTHER; i++) {
            found = lambdaNativeShape(items[i], depth + 1, found);
        }
        return found;
    }
    if (type == &PyDict_Type) {
        Py_ssize_t position = 0;
        PyObject *key, *item;
        while (found != LAMBDA_NATIVE_OTHER && PyDict_Next(value, &position, &key, &item)) {
            if (Py_TYPE(key) != &PyUnicode_Type) {
                return LAMBDA_NATIVE_OTHER;
            }
            found = lambdaNativeShape(item, depth + 1, found);
        }
        return found;
    }
    return LAMBDA_NATIVE_OTHER;
}

static PyObject *lambdaNativeInexactFunction(PyObject *module, PyObject *value) {
    (void)module;
    return PyBool_FromLong(lambdaNativeInexact(value, 0));
}

static PyObject *lambdaNativeShapeFunction(PyObject *module, PyObject *value) {
    (void)module;
    return PyLong_FromLong(lambdaNativeShape(value, 0, LAMBDA_NATIVE_PLAIN));
}

static PyMethodDef lambdaNativeExactnessMethods[] = {
    {"inexact", lambdaNativeInexactFunction, METH_O,
     "Whether orjson's result holds a float of magnitude 2**63 or more (maybe an integer beyond 64 bits)."},
    {"shape", lambdaNativeShapeFunction, METH_O,
     "1: only exact JSON built-ins, floats finite; 2: the same with a NaN or infinity; 0: anything else."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef lambdaNativeExactnessModule = {
    PyModuleDef_HEAD_INIT,
    "_lambda_native_exactness",
    "What lambda-native's JSON codec asks of a value before orjson reads or writes it (builder/exactness.c).",
    -1,
    lambdaNativeExactnessMethods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__lambda_native_exactness(void) { return PyModule_Create(&lambdaNativeExactnessModule); }
