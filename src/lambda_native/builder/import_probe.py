"""Run in a child interpreter by the build: import the function's libraries and say what that loaded.

`python -m lambda_native.builder.import_probe RESULT.json [CODES.marshal]` runs each import statement
read (as a JSON list) from stdin, and writes to RESULT.json the modules the statements loaded (with
where each was found) and each statement that raised, with its error. With CODES.marshal it also records
the sources `dataclasses` and `typing` compile meanwhile (builder/recorders.py), and the regular
expressions, and writes the marshalled table there (builder/precompile.py): {(mode, source): code object,
("re", pattern, flags): the arguments re's compiler gave `_sre.compile`}.

Modules loaded before the statements run (the interpreter's, runpy's and this module's own) are not
reported: the build's static scan sees every import statement of the standard library that loads them.
Results go to a file, not stdout, which a library may print on.
"""

import array
import builtins
import contextlib
import json
import marshal
import sys


def _origin(module) -> str:
    """Where a module was loaded from: its file, "built-in", or "" (a namespace package, or unknown)."""
    spec = getattr(module, "__spec__", None)
    return (getattr(spec, "origin", None) or "") if spec is not None else ""


def main(argv: list) -> int:
    """Run the statements from stdin; write the results; 0 unless the arguments are wrong."""
    if len(argv) not in (2, 3):
        print(
            "usage: python -m lambda_native.builder.import_probe RESULT.json [CODES.marshal]", file=sys.stderr
        )
        return 2
    statements = json.loads(sys.stdin.read())
    codes = {}
    if len(argv) == 3:
        from lambda_native.builder import recorders

        def keep(mode, source):
            if (mode, source) not in codes:
                with contextlib.suppress(SyntaxError):
                    codes[mode, source] = builtins.compile(source, "<string>", mode, dont_inherit=True)

        def keep_regex(pattern, flags, arguments):
            # The program (the one list among the arguments) is kept as 32-bit words: (the other
            # arguments, its position, its bytes), as runtime/precompiled.py rebuilds it. What marshal
            # cannot write (a flags enum passed straight to re's compiler) is left out.
            programs = [i for i, argument in enumerate(arguments) if type(argument) is list]
            if type(flags) is not int or ("re", pattern, flags) in codes or len(programs) != 1:
                return
            (position,) = programs
            with contextlib.suppress(ValueError, OverflowError):
                program = array.array("I", arguments[position]).tobytes()
                others = (*arguments[:position], None, *arguments[position + 1 :])
                marshal.dumps(others)
                codes["re", pattern, flags] = (others, position, program)

        recorders.install(keep)
        recorders.install_regex(keep_regex)
    before = set(sys.modules)
    failed = []
    for statement in statements:
        try:
            builtins.exec(statement, {"__name__": "__lambda_native_build__"})
        except BaseException as exc:  # a library's import may raise anything, SystemExit included
            failed.append([statement, f"{type(exc).__name__}: {exc}"])
    loaded = [[name, _origin(module)] for name, module in list(sys.modules.items()) if name not in before]
    if len(argv) == 3:
        recorders.uninstall()
        recorders.uninstall_regex()
        with open(argv[2], "wb") as out:
            out.write(marshal.dumps(codes))
    with open(argv[1], "w", encoding="utf-8") as out:
        json.dump({"loaded": loaded, "failed": failed, "codes": len(codes)}, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
