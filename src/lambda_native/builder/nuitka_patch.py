"""A patched copy of the pinned Nuitka whose executables import `inspect` when the program does, not at start.

Nuitka's generated `main()` calls `patchInspectModule()` (static_src/MainProgram.c), which imports `inspect`
and with it ~40 modules (`ast`, `dis`, `enum`, `re`, `tokenize`, ...) before the program runs: ~13 ms of every
cold start of a hello world. Upstream marks it "TODO: Change this into an import hook". This module makes
that change on a private copy of the installed Nuitka: the eager call is removed and the embedded-module
loader calls `patchInspectModule()` right after it loads `inspect`, so compiled functions still satisfy
`inspect` whenever a handler imports it. The patch is text replacement checked against one Nuitka version;
any other version, or text that does not match exactly once, builds with the unpatched Nuitka and says so.

The copy gives back the executable's pages of a module's bytecode once the module has unmarshalled it
(`madvise(MADV_DONTNEED)`, `RELEASE_BYTECODE`): libraries and the standard library ship as bytecode inside
the executable, and without this all of it (imported or not) stays resident beside the code objects made
from it. And it releases each bytecode module's code object once the module has run it: Nuitka leaked
that reference, keeping every module's top-level code and class bodies alive (2.4 MB for boto3).

It compiles in `_lambda_native_exactness` (builder/exactness.c), a built-in module the runtime's JSON codec
uses to check a value before orjson reads or writes it, in C where Python took ~0.6 ms per 1 MB event.

The copy also keeps CPython's recursion guards (include/nuitka/prelude.h), which Nuitka compiles out: without
them a runaway recursion in compiled code overflows the C stack and the runtime dies of SIGSEGV instead of the
handler raising `RecursionError`, as it does interpreted.

And it links the static libpython named by `LAMBDA_NATIVE_STATIC_LIBPYTHON` when that is set (an arm64
build's, from target_python) instead of the running Python's; without it nothing changes.

And it fixes a crash of Nuitka itself (plugins/Plugins.py): a module with code a plugin runs after it loads
(anyio.to_process, through the multiprocessing plugin), shipped as bytecode, comes back from Nuitka's
bytecode cache on a rebuild as an uncompiled module, which has no `getCompilationMode()`: every rebuild of
a FastAPI function died with AttributeError.

And it stops optimizing a module shipped as bytecode after three of Nuitka's micro passes
(optimizations/Optimization.py, BYTECODE_MICRO_PASSES): Nuitka optimizes such a module as if it compiled
it, until nothing changes, only to learn which modules it imports, then throws the result away and ships
the source's bytecode. That loop was most of a library-heavy build (~0.2 s a module); see docs/build-time.md.
"""

from __future__ import annotations

import hashlib
import os
import shutil

# The Nuitka version the replacements below were written against and tested with.
PINNED_VERSION = "4.3.3"

_MARK = "lambda-native"

# Gives back the executable's pages of a module's bytecode once the module has unmarshalled it. They are
# clean read-only file pages (a later read faults them in again from the page cache); kept, every loaded
# module's bytecode stays resident beside its code objects for the process's life, and the start-up walk
# over the blob's items (to find each module's bytecode) makes all of it resident, imported or not. A page
# fault maps more than its page: 64 KB around it ("fault-around"), or the whole large folio the page cache
# holds it in (up to 2 MB when the file was written in large chunks, as unzipping does), so the window
# given back is 2 MB aligned, and never leaves the whole pages of the bytecode blob.
RELEASE_BYTECODE = """\
// lambda-native: see lambda_native/builder/nuitka_patch.py, RELEASE_BYTECODE.
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#define LAMBDA_NATIVE_RELEASE_WINDOW ((uintptr_t)2097152)
static uintptr_t lambdaNativeBytecodeFirst = 0;
static uintptr_t lambdaNativeBytecodeEnd = 0;

static void lambdaNativeReleaseBytecode(void const *data, size_t size) {
    uintptr_t window = LAMBDA_NATIVE_RELEASE_WINDOW;
    uintptr_t start = (uintptr_t)data & ~(window - 1);
    uintptr_t end = ((uintptr_t)data + size + window - 1) & ~(window - 1);
    if (start < lambdaNativeBytecodeFirst) {
        start = lambdaNativeBytecodeFirst;
    }
    if (end > lambdaNativeBytecodeEnd) {
        end = lambdaNativeBytecodeEnd;
    }
    if (end > start) {
        madvise((void *)start, end - start, MADV_DONTNEED);
    }
}

static void lambdaNativeSetBytecodeBlob(void const *data, size_t size) {
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    lambdaNativeBytecodeFirst = ((uintptr_t)data + page - 1) & ~(page - 1);
    lambdaNativeBytecodeEnd = ((uintptr_t)data + size) & ~(page - 1);
    lambdaNativeReleaseBytecode(data, size);
}
#else
#define lambdaNativeReleaseBytecode(data, size)
#define lambdaNativeSetBytecodeBlob(data, size)
#endif
"""

# Micro passes Nuitka makes over a module shipped as bytecode, for what it imports. The first finds the
# import statements; the second sees the module's variables as the first left them (`TYPE_CHECKING`, a
# module imported at the top and used in a function) and turns a call of `__import__` or
# `importlib.import_module` with a constant name into an import; the third resolves that import
# (SQLAlchemy's dialect loader). Two passes shipped one module fewer of SQLAlchemy's; later passes fold
# code whose imports are already known. See docs/build-time.md.
BYTECODE_MICRO_PASSES = 3

# builder/exactness.c: the module `_lambda_native_exactness`, compiled into MainProgram.c and added to the
# interpreter's built-in modules before it starts, so the runtime's codec finds it with no file to load.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "exactness.c"), encoding="utf-8") as _file:
    EXACTNESS_SOURCE = _file.read()

# (file under nuitka/, text that must occur exactly once, replacement)
REPLACEMENTS = (
    (
        "build/static_src/MainProgram.c",
        "static void Nuitka_Py_Initialize(void) {\n",
        f"// {_MARK}: builder/exactness.c follows.\n{EXACTNESS_SOURCE}\n"
        "static void Nuitka_Py_Initialize(void) {\n",
    ),
    (
        "build/static_src/MainProgram.c",
        "    Nuitka_Py_Initialize();\n",
        f"    // {_MARK}: the runtime's codec checks values with it (builder/exactness.c).\n"
        '    PyImport_AppendInittab("_lambda_native_exactness", PyInit__lambda_native_exactness);\n'
        "    Nuitka_Py_Initialize();\n",
    ),
    (
        "build/static_src/MainProgram.c",
        '    NUITKA_PRINT_TRACE("main(): Calling patchInspectModule().");\n    patchInspectModule(tstate);\n',
        f"    // {_MARK}: patchInspectModule() runs on the first import of `inspect`"
        " (MetaPathBasedLoader.c).\n",
    ),
    (
        "build/static_src/MetaPathBasedLoader.c",
        "            loadPostLoadCode(tstate, module_name, name, result, entry);\n        }\n",
        "            loadPostLoadCode(tstate, module_name, name, result, entry);\n        }\n\n"
        "#if PYTHON_VERSION >= 0x300\n"
        f"        // {_MARK}: patch `inspect` for compiled functions once the program imports it,\n"
        "        // instead of importing it eagerly in main().\n"
        '        if (strcmp(name, "inspect") == 0) {\n'
        "            patchInspectModule(tstate);\n"
        "        }\n"
        "#endif\n",
    ),
    (
        "build/include/nuitka/prelude.h",
        "// Remove useless recursion control guards, except for testing mode, we do not\n"
        "// want them and we have no need for them as we are achieving deeper recursion\n"
        "// anyway.\n"
        "#undef Py_EnterRecursiveCall\n#define Py_EnterRecursiveCall(arg) (0)\n"
        "#undef Py_LeaveRecursiveCall\n#define Py_LeaveRecursiveCall()\n",
        f"// {_MARK}: recursion guards kept, so runaway recursion raises RecursionError rather than\n"
        "// overflowing the C stack. A compiled function calling another is worded as the interpreter words\n"
        '// a Python-to-Python call: "maximum recursion depth exceeded", with nothing after it.\n'
        "static inline const char *lambdaNativeRecursionWhere(const char *where) {\n"
        '    return strcmp(where, " while calling a Python object") == 0 ? "" : where;\n'
        "}\n"
        "#undef Py_EnterRecursiveCall\n"
        "#define Py_EnterRecursiveCall(arg) (Py_EnterRecursiveCall)(lambdaNativeRecursionWhere(arg))\n",
    ),
    (
        "build/SconsUtils.py",
        '    env.static_libpython = getArgumentDefaulted("static_libpython", "")\n',
        f"    # {_MARK}: a cross build links the target's libpython.\n"
        '    env.static_libpython = os.environ.get("LAMBDA_NATIVE_STATIC_LIBPYTHON")'
        ' or getArgumentDefaulted("static_libpython", "")\n',
    ),
    (
        "plugins/Plugins.py",
        '        if trigger_module.getCompilationMode() == "bytecode":\n',
        f"        # {_MARK}: a trigger of a module shipped as bytecode may come back from Nuitka's bytecode\n"
        "        # cache already uncompiled, which has no compilation mode (a warm rebuild crashed).\n"
        "        if (\n"
        "            trigger_module.isCompiledPythonModule()\n"
        '            and trigger_module.getCompilationMode() == "bytecode"\n'
        "        ):\n",
    ),
    (
        "build/static_src/HelpersConstantsBlob.c",
        "// Symbol to be assigned locally.\nunsigned char const *constant_bin = NULL;\n",
        "// Symbol to be assigned locally.\nunsigned char const *constant_bin = NULL;\n\n" + RELEASE_BYTECODE,
    ),
    (
        "build/static_src/HelpersConstantsBlob.c",
        "    unpackBlobConstants(tstate, output, w);\n}\n",
        f"    // {_MARK}: unpacked as unpackBlobConstants() does, keeping where the blob ends.\n"
        "    unsigned char const *start = w;\n"
        "    int count = (int)unpackValueUint16(&w);\n"
        "    unsigned char const *end = _unpackBlobConstants(tstate, &output, w, count);\n"
        '    if (strcmp(name, ".bytecode") == 0) {\n'
        "        lambdaNativeSetBytecodeBlob(start, (size_t)(end - start));\n"
        "    }\n"
        "}\n",
    ),
    (
        "optimizations/Optimization.py",
        "        # Otherwise we did stuff, so note that for return value.\n        touched = True\n",
        "        # Otherwise we did stuff, so note that for return value.\n        touched = True\n\n"
        f"        # {_MARK}: a module shipped as bytecode is optimized only to find its imports.\n"
        "        if (\n"
        f"            micro_pass >= {BYTECODE_MICRO_PASSES}\n"
        '            and module.getCompilationMode() == "bytecode"\n'
        "        ):\n"
        "            break\n",
    ),
    (
        "BytecodeCaching.py",
        "    hash_value.updateFromValues(version_string, sys.version)\n",
        "    hash_value.updateFromValues(version_string, sys.version)\n"
        f"    # {_MARK}: imports found in fewer micro passes are cached apart from Nuitka's.\n"
        f'    hash_value.updateFromValues("{_MARK}-micro-passes-{BYTECODE_MICRO_PASSES}")\n',
    ),
    (
        "build/static_src/MetaPathBasedLoader.c",
        "            (PyCodeObject *)PyMarshal_ReadObjectFromString(_bytecode_data[entry->bytecode_index], "
        "entry->bytecode_size);\n",
        "            (PyCodeObject *)PyMarshal_ReadObjectFromString(_bytecode_data[entry->bytecode_index], "
        "entry->bytecode_size);\n"
        f"        // {_MARK}: unmarshalled; this module's bytecode is not read again.\n"
        "        lambdaNativeReleaseBytecode(_bytecode_data[entry->bytecode_index], entry->bytecode_size);\n",
    ),
    (
        "build/static_src/MetaPathBasedLoader.c",
        "        return loadModuleFromCodeObject(tstate, module, module_name, code_object, entry);\n",
        f"        // {_MARK}: the module has run its code object, a new reference from\n"
        "        // PyMarshal_ReadObjectFromString that was never released: every bytecode module's\n"
        "        // top-level code and class bodies stayed alive for the process's life.\n"
        "        PyObject *loaded =\n"
        "            loadModuleFromCodeObject(tstate, module, module_name, code_object, entry);\n"
        "        Py_DECREF(code_object);\n"
        "        return loaded;\n",
    ),
)


class PatchResult:
    """Where the patched Nuitka is (a folder to put first on PYTHONPATH), or why there is none."""

    __slots__ = ("path", "reason")

    def __init__(self, path: str | None, reason: str) -> None:
        self.path = path
        self.reason = reason


def _fingerprint(version: str) -> str:
    """Names the patched copy after the Nuitka version and the patch text, so a change makes a new copy."""
    digest = hashlib.sha256(version.encode())
    for relative, old, new in REPLACEMENTS:
        digest.update(relative.encode() + old.encode() + new.encode())
    return f"nuitka-{version}-lambda-native-{digest.hexdigest()[:12]}"


def apply_replacements(nuitka_dir: str) -> str | None:
    """Patch the Nuitka package at `nuitka_dir` in place; None on success, else why it does not apply."""
    texts = {}
    for relative, old, _new in REPLACEMENTS:
        path = os.path.join(nuitka_dir, relative)
        try:
            with open(path, encoding="utf-8") as file:
                text = texts.get(relative) or file.read()
        except OSError as exc:
            return f"cannot read {relative}: {exc.strerror}"
        count = text.count(old)
        if count != 1:
            return f"{relative} has the text to replace {count} times, expected once"
        texts[relative] = text
    for relative, old, new in REPLACEMENTS:
        texts[relative] = texts[relative].replace(old, new)
    for relative, text in texts.items():
        with open(os.path.join(nuitka_dir, relative), "w", encoding="utf-8") as file:
            file.write(text)
    return None


def patched_nuitka(installed_dir: str, version: str, cache_dir: str) -> PatchResult:
    """A patched copy of the Nuitka package at `installed_dir` under `cache_dir`, made once and reused."""
    if version != PINNED_VERSION:
        return PatchResult(
            None, f"Nuitka {version} is not the version the patch was made for ({PINNED_VERSION})"
        )
    root = os.path.join(cache_dir, _fingerprint(version))
    target = os.path.join(root, "nuitka")
    if os.path.isdir(target):
        return PatchResult(root, "reused")
    staging = root + ".tmp"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(
        installed_dir, os.path.join(staging, "nuitka"), ignore=shutil.ignore_patterns("__pycache__")
    )
    problem = apply_replacements(os.path.join(staging, "nuitka"))
    if problem:
        shutil.rmtree(staging, ignore_errors=True)
        return PatchResult(None, problem)
    os.replace(staging, root)
    return PatchResult(root, "created")
