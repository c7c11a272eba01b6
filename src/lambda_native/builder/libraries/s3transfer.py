"""s3transfer: multiprocessing (and ten of its modules) imported only by the process-pool downloader.

`s3transfer.compat` re-exports multiprocessing's `BaseManager` for that downloader alone.
"""

from lambda_native.builder.source_changes.records import Library

LIBRARY = Library(
    name="s3transfer",
    lazy_imports={"s3transfer.compat": ("multiprocessing.managers",)},
)
