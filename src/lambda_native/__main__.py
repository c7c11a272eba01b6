"""`python -m lambda_native`: the runtime loop, interpreted."""

from lambda_native.runtime.bootstrap import main

main()
