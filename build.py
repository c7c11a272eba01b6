"""`python build.py`: compile a Lambda handler and this runtime into one native `bootstrap` zip.

Same as `lambda-native build`; works from a checkout whether or not the package is installed.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))

from lambda_native.commands.build import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
