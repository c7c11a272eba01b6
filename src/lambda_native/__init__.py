"""lambda-native: Python functions on AWS Lambda that start like native code.

Nothing is imported here: this package is on the runtime's cold-start path.
"""

__version__ = "0.1.0"
