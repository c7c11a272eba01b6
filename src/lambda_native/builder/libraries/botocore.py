"""botocore: its data loader in a native bootstrap (a code hook changing `botocore.loaders`), and its
documenters imported when a docstring is first read.

`botocore.docs.docstring` imports the whole documentation generator (reStructuredText writers, every
documenter, html.parser), which runs only when someone reads a client method's `__doc__`, and
`botocore.docs` its service documenter for `generate_docs` (lazy imports).

Creating a boto3 client or resource reads botocore's JSON data (the service's model and endpoint rules,
the ~1.2 MB `endpoints.json`, ...) and lists the services its data folders hold. Both are work every cold
start repeats identically:

- `JSONFileLoader` parses with `json.loads(payload, object_pairs_hook=OrderedDict)`, the json module's
  slow path (a Python call per object): ~18 ms of a cold start that makes S3, SQS and DynamoDB clients.
  The changed loader parses with orjson (shipped with the runtime) and falls back to the json module for
  what orjson refuses (NaN, integers beyond 64 bits...), which then answers or fails as before. The
  objects are `dict`, not `OrderedDict`: same keys, values and order (both keep insertion order), equal
  to what botocore made; only `type()`, `repr()` and an order-sensitive `==` between two OrderedDicts tell
  them apart.
- `Loader.list_available_services` walks every folder of its search path: ~450 service folders,
  ~1,000 `listdir` and ~2,000 `stat` calls for botocore's data, once per kind of file a cold start asks
  for (`service-2`, `endpoint-rule-set-1`, boto3's `resources-1`...). The build lists the data folders it
  ships (botocore's and boto3's) as the walk would, and the changed loader answers from that table for
  those folders; any other folder of the search path (`AWS_DATA_PATH`, `~/.aws/models`) is walked as before,
  and so is every folder when the file loader is not botocore's own.

Each change is made only when the installed botocore still has the text it replaces and relies on
(`notes` says what is lost otherwise), and the build checks that the data folders it shipped list as
the table says (`check_shipped`).
"""

from __future__ import annotations

import os

from lambda_native.builder.search_path import first_on_path
from lambda_native.builder.source_changes.anti_bloat import anti_bloat_entry
from lambda_native.builder.source_changes.records import Hook, Library

LOADERS = os.path.join("botocore", "loaders.py")
# The packages whose `data` folder botocore's Loader searches: its own, and boto3's (which boto3's
# Session appends to the search path).
DATA_PACKAGES = ("botocore", "boto3")
# What JSONFileLoader.exists tries, in order: the file names a service's data may have.
EXTENSIONS = (".json", ".json.gz")

JSON_PARSE = "        return json.loads(payload, object_pairs_hook=OrderedDict)\n"

WALK = """\
        services = set()
        for possible_path in self._potential_locations():
            # Any directory in the search path is potentially a service.
            # We'll collect any initial list of potential services,
            # but we'll then need to further process these directories
            # by searching for the corresponding type_name in each
            # potential directory.
            possible_services = [
                d
                for d in os.listdir(possible_path)
                if os.path.isdir(os.path.join(possible_path, d))
            ]
            for service_name in possible_services:
                full_dirname = os.path.join(possible_path, service_name)
                api_versions = os.listdir(full_dirname)
                for api_version in api_versions:
                    full_load_path = os.path.join(
                        full_dirname, api_version, type_name
                    )
                    if self.file_loader.exists(full_load_path):
                        services.add(service_name)
                        break
        return sorted(services)
"""
# The walk's first lines, which the lookup follows (YAML keys stay short; the whole WALK is checked).
WALK_ANCHOR = (
    "        for possible_path in self._potential_locations():\n"
    "            # Any directory in the search path is potentially a service.\n"
)
WALK_LOOKUP = (
    "            listed = _lambda_native_listed(self, possible_path, type_name)\n"
    "            if listed is not None:\n"
    "                services.update(listed)\n"
    "                continue\n"
)
# What the table assumes of the walk's `self.file_loader.exists` (checked at run time: botocore's own
# JSONFileLoader, these extensions).
EXISTS = """\
        for ext in _JSON_OPEN_METHODS:
            if os.path.isfile(file_path + ext):
                return True
        return False
"""

# `_lambda_native_listings` maps each shipped data folder, found beside botocore's package folder as in
# the bootstrap, to {type_name: the services holding a file of that type, sorted}.
APPENDED = """
# lambda-native: JSON models parsed by orjson, and the services of the data folders shipped with this
# bootstrap listed at build time (lambda_native/builder/libraries/botocore.py).
from orjson import loads as _lambda_native_orjson_loads


def _lambda_native_loads(payload):
    try:
        return _lambda_native_orjson_loads(payload)
    except ValueError:
        return json.loads(payload, object_pairs_hook=OrderedDict)


_lambda_native_listings = {{
    os.path.join(os.path.dirname(BOTOCORE_ROOT), _package, "data"): _listing
    for _package, _listing in {listings}.items()
}}
_lambda_native_exists = JSONFileLoader.exists


def _lambda_native_listed(loader, path, type_name):
    if (
        type(loader.file_loader) is not JSONFileLoader
        or JSONFileLoader.exists is not _lambda_native_exists
        or tuple(_JSON_OPEN_METHODS) != {extensions}
        or type(type_name) is not str
        or os.sep in type_name
    ):
        return None
    listing = _lambda_native_listings.get(path)
    return None if listing is None else listing.get(type_name, ())
"""


def services_by_type(folder: str) -> dict[str, tuple[str, ...]]:
    """{type_name: the services of data folder `folder` that `list_available_services(type_name)` finds
    there}, for every type_name it finds anything for: a service is a folder holding an API-version
    folder that holds a file `<type_name><extension>`."""
    found: dict[str, set[str]] = {}
    for service in os.listdir(folder):
        service_folder = os.path.join(folder, service)
        if not os.path.isdir(service_folder):
            continue
        for version in os.listdir(service_folder):
            version_folder = os.path.join(service_folder, version)
            if not os.path.isdir(version_folder):
                continue
            for name in os.listdir(version_folder):
                for extension in EXTENSIONS:
                    if name.endswith(extension) and os.path.isfile(os.path.join(version_folder, name)):
                        found.setdefault(name[: -len(extension)], set()).add(service)
    return {kind: tuple(sorted(services)) for kind, services in sorted(found.items())}


def _source(python_path: list[str]) -> tuple[str | None, str]:
    """The path and text of the installed botocore.loaders ('' when botocore is not installed)."""
    path = first_on_path(LOADERS, python_path)
    if path is None:
        return None, ""
    with open(path, encoding="utf-8") as file:
        return path, file.read()


def listings(python_path: list[str]) -> dict[str, dict[str, tuple[str, ...]]]:
    """{package: services_by_type of its data folder} for each of DATA_PACKAGES installed on
    `python_path`."""
    found = {}
    for package in DATA_PACKAGES:
        folder = first_on_path(os.path.join(package, "data"), python_path, folder=True)
        if folder is not None:
            found[package] = services_by_type(folder)
    return found


def config(python_path: list[str]) -> str:
    """The package-configuration entry changing botocore.loaders as installed on `python_path` ('' when
    botocore is not there or its loader no longer has the text the changes replace)."""
    _, text = _source(python_path)
    replacements = {}
    if JSON_PARSE in text:
        replacements[JSON_PARSE] = "        return _lambda_native_loads(payload)\n"
    if WALK in text and EXISTS in text:
        replacements[WALK_ANCHOR] = WALK_ANCHOR + WALK_LOOKUP
    if not replacements:
        return ""
    table = listings(python_path) if WALK_ANCHOR in replacements else {}
    appended = APPENDED.format(listings=repr(table), extensions=repr(EXTENSIONS))
    return anti_bloat_entry(
        "botocore.loaders",
        "models parsed by orjson, shipped data folders listed at build time",
        replacements,
        appended,
    )


def notes(python_path: list[str]) -> list[str]:
    """A note for each change the installed botocore.loaders no longer has the text for."""
    path, text = _source(python_path)
    if path is None:
        return []
    lost = []
    if JSON_PARSE not in text:
        lost.append("its JSON models are parsed by the json module (~18 ms of a cold start)")
    if WALK not in text or EXISTS not in text:
        lost.append("the services on disk are listed on every cold start (~5 ms a kind of file)")
    return [f"note: {path} changed, so botocore.loaders is not changed by lambda-native: {x}" for x in lost]


def check_shipped(dist: str, python_path: list[str]) -> str | None:
    """What differs between the data folders shipped in `dist` and the table the build compiled in from
    `python_path` (None when nothing does, or when no table was compiled in)."""
    _, text = _source(python_path)
    if WALK not in text or EXISTS not in text:
        return None
    for package, listing in listings(python_path).items():
        folder = os.path.join(dist, package, "data")
        shipped = services_by_type(folder) if os.path.isdir(folder) else {}
        if shipped != listing:
            return (
                "the services botocore lists in the bootstrap would be wrong: "
                f"{folder} does not hold the services the build listed from {package}'s installed data"
            )
    return None


LIBRARY = Library(
    name="botocore",
    lazy_imports={
        "botocore.docs": ("botocore.docs.service",),
        "botocore.docs.docstring": (
            "botocore.docs.bcdoc.restdoc",
            "botocore.docs.method",
            "botocore.docs.paginator",
            "botocore.docs.waiter",
        ),
    },
    hooks=(Hook(config=config, notes=notes, check_shipped=check_shipped),),
)
