"""A fake runtime for the harness tests: sleeps a known time before its first `/next`, then echoes events.

Usage: python slow_runtime.py SECONDS [LOG NAME] (with LOG, appends NAME to that file for every event)
"""

import http.client
import os
import sys
import time

time.sleep(float(sys.argv[1]))
host, _, port = os.environ["AWS_LAMBDA_RUNTIME_API"].partition(":")
api = http.client.HTTPConnection(host, int(port))
while True:
    api.request("GET", "/2018-06-01/runtime/invocation/next")
    reply = api.getresponse()
    event = reply.read()
    if len(sys.argv) > 3:
        with open(sys.argv[2], "a") as log:
            log.write(sys.argv[3] + "\n")
    request_id = reply.getheader("Lambda-Runtime-Aws-Request-Id")
    api.request("POST", f"/2018-06-01/runtime/invocation/{request_id}/response", body=event)
    api.getresponse().read()
