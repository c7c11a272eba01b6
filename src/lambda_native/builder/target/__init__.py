"""The target: the Lambda OS and CPU a build runs on, and the toolchain that gets it there (host compiler
or zig, the cross-built or glibc-pinned target CPython, Debian's sources and packages, ELF and glibc
checks). The pipeline reaches it only through `steps`: choose, prepare, compiler, require_patched,
finish, check_glibc, stdlib_from.
"""
