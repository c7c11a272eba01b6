"""A Starlette app behind Mangum, for API Gateway HTTP APIs and Function URLs."""

from mangum import Mangum
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request):
    name = request.path_params["name"]
    return JSONResponse({"greeting": f"hello {name}", "q": request.query_params.get("q")})


app = Starlette(routes=[Route("/hello/{name}", hello)])
handler = Mangum(app, lifespan="off")
