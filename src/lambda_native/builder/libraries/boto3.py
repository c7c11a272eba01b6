"""boto3: the customisations its Session imports by name compiled in, and its documenters imported when
a docstring is first read.

boto3's Session registers its resource and client customisations as strings
(`lazy_call("boto3.dynamodb.transform.register_high_level_interface")`), imported when a client or
resource of that service is made. `boto3.docs.docstring` imports its documenters, which run only when
someone reads a method's `__doc__`, and `boto3.docs` its service documenter for `generate_docs`.
"""

from lambda_native.builder.source_changes.records import Library

LIBRARY = Library(
    name="boto3",
    implicit_imports={
        "boto3.session": (
            "boto3.dynamodb.table",
            "boto3.dynamodb.transform",
            "boto3.ec2.createtags",
            "boto3.ec2.deletetags",
            "boto3.s3.inject",
        ),
    },
    lazy_imports={
        "boto3.docs": ("boto3.docs.service",),
        "boto3.docs.docstring": (
            "boto3.docs.action",
            "boto3.docs.attr",
            "boto3.docs.collection",
            "boto3.docs.subresource",
            "boto3.docs.waiter",
        ),
    },
)
