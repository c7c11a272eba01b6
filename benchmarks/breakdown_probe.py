"""The child side of `python -m benchmarks.breakdown`: one measurement of importing `app`, in a fresh
interpreter. Run as `python -E -s -m benchmarks.breakdown_probe PART TASK` from the checkout; PART is:

- `load`: `import app` once; its total time and every module it loaded, with where it was found;
- `sources`: `import app` while recording every source `dataclasses` and `typing` compile (as the native
  build records them: lambda_native.builder.recorders);
- `find-and-read` (the two above as JSON on stdin): each Python module's lookup and `get_code()` (read +
  unmarshal) without executing it, each recorded source's `compile()`, and each shared-library module's
  import on its own.

The task folder takes the checkout's place first on sys.path, so the interpreter searches what it would
under `python -I` in the task folder. Modules loaded before `app` (runpy's, this module's) are not counted,
and neither is their cost. Prints one JSON document.
"""

import sys
import time


def load() -> dict:
    before = set(sys.modules)
    t0 = time.perf_counter()
    import app  # noqa: F401

    total = time.perf_counter() - t0
    modules = []
    for name, module in list(sys.modules.items()):
        if name in before:
            continue
        spec = getattr(module, "__spec__", None)
        if spec is None or spec.origin in (None, "built-in", "frozen") or not hasattr(module, "__file__"):
            continue
        parent = name.rpartition(".")[0]
        path = getattr(sys.modules.get(parent), "__path__", None) if parent else None
        modules.append([name, spec.origin, list(path) if path is not None else None])
    return {"total": total, "modules": modules}


def sources() -> list:
    # The checkout's recorders; by now the task folder is first on sys.path, and an interpreted task folder
    # holds a lambda_native of its own (the runtime alone), so they were imported before it (main).
    recorders = sys.modules["lambda_native.builder.recorders"]
    found = []
    recorders.install(lambda mode, source: found.append([mode, source]))
    import app  # noqa: F401

    return found


def find_and_read() -> dict:
    import contextlib
    import importlib.machinery
    import json

    loaded = json.loads(sys.stdin.read())
    modules = loaded["modules"]
    t0 = time.perf_counter()
    for mode, source in loaded["sources"]:
        compile(source, "<string>", mode, dont_inherit=True)
    generated = time.perf_counter() - t0
    python = extension = 0.0
    for name, origin, path in modules:
        if origin.endswith(".py"):
            t0 = time.perf_counter()
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is not None:  # None: loaded by another finder (six.moves makes its own modules)
                spec.loader.get_code(name)
            python += time.perf_counter() - t0
    for name, origin, _ in modules:
        if not origin.endswith(".py") and name not in sys.modules:
            t0 = time.perf_counter()
            # An upper bound either way: the time until a failing import failed still counts.
            with contextlib.suppress(Exception):
                __import__(name)
            extension += time.perf_counter() - t0
    return {
        "find_and_read": python,
        "extensions": extension,
        "generated": generated,
        "python_modules": sum(1 for module in modules if module[1].endswith(".py")),
    }


PARTS = {"load": load, "sources": sources, "find-and-read": find_and_read}


def main(argv: list) -> int:
    """Measure PART with TASK first on sys.path; print the JSON result."""
    if len(argv) != 3 or argv[1] not in PARTS:
        print(f"usage: python -m benchmarks.breakdown_probe {{{','.join(PARTS)}}} TASK", file=sys.stderr)
        return 2
    if argv[1] == "sources":
        import lambda_native.builder.recorders  # noqa: F401
    sys.path[0] = argv[2]
    result = PARTS[argv[1]]()
    import json

    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
