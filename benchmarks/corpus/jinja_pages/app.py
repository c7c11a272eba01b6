"""Jinja2 pages from templates shipped beside the function, rendered into an HTTP response."""

import os

from jinja2 import Environment, FileSystemLoader, select_autoescape

ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.path.dirname(os.path.abspath(__file__)))
env = Environment(loader=FileSystemLoader(os.path.join(ROOT, "templates")), autoescape=select_autoescape())


def handler(event, context):
    html = env.get_template("order.html").render(order=event)
    return {"statusCode": 200, "headers": {"content-type": "text/html"}, "body": html}
