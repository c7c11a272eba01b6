"""A Lambda TOKEN authorizer: PyJWT and cryptography verify an RS256 token against a shipped public key."""

import os

import jwt

with open(os.path.join(os.environ.get("LAMBDA_TASK_ROOT", "."), "public_key.pem"), "rb") as file:
    PUBLIC_KEY = file.read()
ISSUER = "https://auth.example.com"


def handler(event, context):
    token = event["authorizationToken"].removeprefix("Bearer ")
    try:
        claims = jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"], issuer=ISSUER)
        effect, principal = "Allow", claims["sub"]
    except jwt.InvalidTokenError:
        effect, principal, claims = "Deny", "anonymous", {}
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}],
        },
        "context": {"scope": claims.get("scope", "")},
    }
