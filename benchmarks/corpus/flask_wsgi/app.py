"""A Flask app behind a WSGI adapter (apig-wsgi), for API Gateway HTTP APIs and Function URLs."""

from apig_wsgi import make_lambda_handler
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/hello/<name>")
def hello(name):
    return jsonify(greeting=f"hello {name}", q=request.args.get("q"))


handler = make_lambda_handler(app)
