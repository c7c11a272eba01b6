"""`python -m lambda_native`: the runtime loop, interpreted."""

from lambda_native.runtime.loop import main

main()
