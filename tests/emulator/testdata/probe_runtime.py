"""A scripted custom runtime (stdlib only) probing the Runtime API's answers; it prints what it got.

The event says what to do: {"probe": "<name>"}; see PROBES. The reply to every probing call is printed
as `probe <what>: <status> <body>` so the test reads it from the invoke's captured logs.
"""

import base64
import http.client
import json
import os
import sys
import time

HOST, PORT = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
BASE = "/2018-06-01/runtime"


def call(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(HOST, int(PORT))
    conn.request(method, BASE + path, body=body, headers=headers or {})
    reply = conn.getresponse()
    data = reply.read()
    conn.close()
    return reply.status, data, dict(reply.getheaders())


def report(what, status, body):
    print(f"probe {what}: {status} {body.decode()}", flush=True)


def streaming(request_id, parts, trailers=None):
    """POST a chunked streaming response, with trailers, by hand."""
    conn = http.client.HTTPConnection(HOST, int(PORT))
    conn.putrequest("POST", f"{BASE}/invocation/{request_id}/response")
    conn.putheader("Lambda-Runtime-Function-Response-Mode", "streaming")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.putheader("Content-Type", "text/plain")
    conn.putheader("Trailer", "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body")
    conn.endheaders()
    for part in parts:
        conn.send(b"%x\r\n%s\r\n" % (len(part), part))
        time.sleep(0.05)
    tail = "".join(f"{k}: {v}\r\n" for k, v in (trailers or {}).items())
    conn.send(b"0\r\n" + tail.encode() + b"\r\n")
    reply = conn.getresponse()
    data = reply.read()
    conn.close()
    return reply.status, data


if os.environ.get("PROBE_INIT_ERROR"):
    kind = "Runtime.ProbeInitError"
    doc = {"errorMessage": "cannot start", "errorType": kind, "requestId": "", "stackTrace": []}
    typed = {"Lambda-Runtime-Function-Error-Type": kind}
    status, body, _ = call("POST", "/init/error", json.dumps(doc), typed)
    report("init-error", status, body)
    sys.exit(1)

while True:
    status, event, headers = call("GET", "/invocation/next")
    rid = headers["Lambda-Runtime-Aws-Request-Id"]
    probe = json.loads(event).get("probe", "echo")
    if probe == "echo":
        call("POST", f"/invocation/{rid}/response", event)
    elif probe == "headers":
        call("POST", f"/invocation/{rid}/response", json.dumps(headers))
    elif probe == "unknown-id":
        report("unknown-id", *call("POST", "/invocation/not-a-request-id/response", b"{}")[:2])
        call("POST", f"/invocation/{rid}/response", b'"ok"')
    elif probe == "second-reply":
        report("first", *call("POST", f"/invocation/{rid}/response", b'"first"')[:2])
        report("second", *call("POST", f"/invocation/{rid}/response", b'"second"')[:2])
        report("error-after", *call("POST", f"/invocation/{rid}/error", b"{}")[:2])
    elif probe == "too-large":
        report("too-large", *call("POST", f"/invocation/{rid}/response", b"x" * (6 * 1024 * 1024 + 101))[:2])
    elif probe == "init-error-late":
        report("init-error-late", *call("POST", "/init/error", b"{}")[:2])
        call("POST", f"/invocation/{rid}/response", b'"ok"')
    elif probe == "bad-mode":
        headers = {"Lambda-Runtime-Function-Response-Mode": "bogus"}
        report("bad-mode", *call("POST", f"/invocation/{rid}/response", b'"x"', headers)[:2])
    elif probe == "error-header":
        doc = json.dumps({"errorMessage": "m", "errorType": "Custom", "requestId": rid, "stackTrace": []})
        typed = {"Lambda-Runtime-Function-Error-Type": "Function.Custom"}
        call("POST", f"/invocation/{rid}/error", doc, typed)
    elif probe == "stream":
        report("stream", *streaming(rid, [b"one,", b"two,", b"three"]))
    elif probe == "stream-too-large":
        report("stream-too-large", *streaming(rid, [b"y" * (1024 * 1024)] * 7))
    elif probe == "stream-error":
        doc = json.dumps({"errorMessage": "mid-stream", "errorType": "StreamBroke"}).encode()
        trailers = {
            "Lambda-Runtime-Function-Error-Type": "StreamBroke",
            "Lambda-Runtime-Function-Error-Body": base64.b64encode(doc).decode(),
        }
        report("stream-error", *streaming(rid, [b"partial"], trailers))
    elif probe == "pid":
        request = json.loads(event)
        time.sleep(request.get("sleep", 0))
        while "gate" in request and not os.path.exists(request["gate"]):
            time.sleep(0.01)
        call("POST", f"/invocation/{rid}/response", json.dumps({"pid": os.getpid()}))
    elif probe == "stream-gated":
        gate = json.loads(event)["gate"]
        conn = http.client.HTTPConnection(HOST, int(PORT))
        conn.putrequest("POST", f"{BASE}/invocation/{rid}/response")
        conn.putheader("Lambda-Runtime-Function-Response-Mode", "streaming")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.putheader("Content-Type", "text/plain")
        conn.endheaders()
        conn.send(b"6\r\nbefore\r\n")
        while not os.path.exists(gate):
            time.sleep(0.01)
        conn.send(b"5\r\nafter\r\n0\r\n\r\n")
        report("stream-gated", conn.getresponse().status, b"")
        conn.close()
    elif probe == "redeliver":
        status2, event2, headers2 = call("GET", "/invocation/next")
        same = headers2["Lambda-Runtime-Aws-Request-Id"] == rid and event2 == event
        call("POST", f"/invocation/{rid}/response", json.dumps({"redelivered": same}))
