"""Helpers shared by every test folder.

`fake_api.FakeRuntimeAPI` is the one fake of the Lambda side of the Runtime API: real HTTP/1.1 on
127.0.0.1 that can also misbehave on purpose (trickled writes, truncated bodies, chunked or lower-case
headers, scripted status codes). Tests that need Lambda's faithful behaviour use the emulator
(`lambda_native.emulator`) instead.
"""
