"""The generic mechanisms that change what Nuitka compiles in, for cold-start time and memory: the
anti-bloat writer, lazy re-exports, lazy imports and the package-configuration writer. None names a
library: what each library gets is declared by its entry in builder/libraries/.
"""
