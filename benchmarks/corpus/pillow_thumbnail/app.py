"""A Pillow thumbnailer: a base64 PNG in, the thumbnail's size and its PNG's first bytes out."""

import base64
import io

from PIL import Image


def handler(event, context):
    image = Image.open(io.BytesIO(base64.b64decode(event["png"])))
    image.thumbnail((event["max"], event["max"]))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return {"size": list(image.size), "mode": image.mode, "png": out.getvalue()[:8].hex()}
