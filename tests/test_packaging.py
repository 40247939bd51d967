"""The package as a wheel (a deployment that does not install from the source tree) carries every
file the portal reads at run time: the city profile, the code lists, the dataset schema, the
templates, the catalogues and the migrations."""
from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
# read by no one at run time
NOT_NEEDED = {".gitkeep", "README.md"}


def test_the_wheel_carries_every_data_file(tmp_path):
    tracked = subprocess.run(["git", "ls-files", "setup.py", "pyproject.toml", "README.md",
                              "ckanext-tangerang"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    # built from a copy of the tracked files: setuptools' build folder keeps what an older build copied
    source = tmp_path / "source"
    for path in tracked:
        if (ROOT / path).is_file():
            (source / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / path, source / path)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(source)], check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    wanted = {path.removeprefix("ckanext-tangerang/") for path in tracked
              if path.startswith("ckanext-tangerang/ckanext/tangerang/") and not path.endswith(".py")
              and pathlib.Path(path).name not in NOT_NEEDED}
    assert "ckanext/tangerang/satudata/codelists/urusan.csv" in wanted
    assert sorted(wanted - packed) == []
