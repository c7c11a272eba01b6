"""--requirements: installed into the build folder with pip (a local wheel here: no network), reused while
the file is unchanged, and a failing install shown with its command."""

from __future__ import annotations

import base64
import hashlib
import os
import platform
import zipfile

import pytest

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.requirements import install_requirements, top_level_packages
from lambda_native.builder.target.glibc import host_glibc


def make_wheel(folder, version: str = "1.0", tag: str = "py3-none-any") -> str:
    """A minimal pure-Python wheel of `greeter` `version` tagged `tag`, written by hand."""
    info = f"greeter-{version}.dist-info"
    files = {
        "greeter/__init__.py": (
            f"VERSION = {version!r}\n\n\ndef greet(name):\n    return f'Hello, {{name}}!'\n".encode()
        ),
        "greeter/words.txt": b"hello\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: greeter\nVersion: {version}\n".encode(),
        f"{info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: {tag}\n".encode()
        ),
    }
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    path = os.path.join(folder, f"greeter-{version}-{tag}.whl")
    with zipfile.ZipFile(path, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
        wheel.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
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


@pytest.mark.skipif((host_glibc() or (0,)) < (2, 35), reason="needs a host that runs manylinux_2_35 wheels")
def test_wheels_are_chosen_for_the_targets_glibc_not_the_hosts(tmp_path):
    index = tmp_path / "index"
    index.mkdir()
    make_wheel(index, "1.0", f"py3-none-manylinux_2_17_{platform.machine()}")
    make_wheel(index, "2.0", f"py3-none-manylinux_2_35_{platform.machine()}")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"--no-index\n--find-links {index}\ngreeter\n")
    site = tmp_path / "site"
    install_requirements(str(requirements), str(site), (2, 34))
    assert "VERSION = '1.0'" in (site / "greeter" / "__init__.py").read_text()
    # This host runs the newer wheel itself, and a target as new as it gets it: the limit is the target's.
    install_requirements(str(requirements), str(site), (2, 35))
    assert "VERSION = '2.0'" in (site / "greeter" / "__init__.py").read_text()
    assert not (site / "_manylinux.py").exists()
