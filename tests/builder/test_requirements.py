"""--requirements: installed into the build folder with pip (a local wheel here: no network), reused while
the file is unchanged, and a failing install shown with its command."""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile

import pytest

from lambda_native.builder.errors import BuildError
from lambda_native.builder.requirements import install_requirements, top_level_packages


def make_wheel(folder) -> str:
    """A minimal pure-Python wheel of `greeter` 1.0, written by hand."""
    files = {
        "greeter/__init__.py": b"def greet(name):\n    return f'Hello, {name}!'\n",
        "greeter/words.txt": b"hello\n",
        "greeter-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: greeter\nVersion: 1.0\n",
        "greeter-1.0.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("greeter-1.0.dist-info/RECORD,,")
    path = os.path.join(folder, "greeter-1.0-py3-none-any.whl")
    with zipfile.ZipFile(path, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
        wheel.writestr("greeter-1.0.dist-info/RECORD", "\n".join(record) + "\n")
    return path


def test_installs_then_reuses_until_the_file_changes(tmp_path):
    wheel = make_wheel(tmp_path)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(wheel + "\n")
    site = str(tmp_path / "site")
    assert install_requirements(str(requirements), site) is True
    assert top_level_packages(site) == ["greeter"]
    assert os.path.exists(os.path.join(site, "greeter", "words.txt"))
    assert not [name for _, _, files in os.walk(site) for name in files if name.endswith(".pyc")]
    assert install_requirements(str(requirements), site) is False
    requirements.write_text(wheel + "\n# changed\n")
    assert install_requirements(str(requirements), site) is True


def test_a_failing_install_shows_pip_and_its_command(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(str(tmp_path / "missing-1.0-py3-none-any.whl") + "\n")
    with pytest.raises(BuildError) as error:
        install_requirements(str(requirements), str(tmp_path / "site"))
    message = str(error.value)
    assert f"installing --requirements {requirements} failed" in message
    assert "-m pip install" in message and "--target" in message
    assert "missing-1.0-py3-none-any.whl" in message
