"""Powertools for AWS Lambda: packages whose `__init__` re-exports every submodule load each on first use.

`aws_lambda_powertools.event_handler` imports all eleven resolvers (AppSync's brings in asyncio and ssl)
and `utilities.data_classes` every event class (CodePipeline's brings in zipfile), though a function uses
one or two: 12% of a Powertools function's import time and 3.2 MB of its memory, interpreted or native.
Both only re-export what their submodules define: importing one later changes nothing but when it runs.
"""

from lambda_native.builder.source_changes.records import Library

LIBRARY = Library(
    name="aws-lambda-powertools",
    lazy_exports=(
        "aws_lambda_powertools.event_handler",
        "aws_lambda_powertools.utilities.data_classes",
    ),
)
