"""The target: the Lambda OS and CPU a build runs on, and the toolchain that gets it there (host compiler
or zig, the cross-built or glibc-pinned target CPython, Debian's sources and packages, ELF and glibc
checks)."""
