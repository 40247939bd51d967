"""The city profile holds what is Tangerang's; another city's folder works the same way."""
import shutil

import pytest

from ckanext.tangerang import city


def test_tangerang_profile_has_its_13_kecamatan_with_kemendagri_codes():
    profile = city.load("tangerang")
    names = {r.name for r in profile.kecamatan}
    assert len(profile.kecamatan) == 13
    assert {"Batuceper", "Benda", "Cibodas", "Ciledug", "Cipondoh", "Jatiuwung", "Karang Tengah",
            "Karawaci", "Larangan", "Neglasari", "Periuk", "Pinang", "Tangerang"} == names
    assert all(r.code.startswith("36.71.") and r.parent == "36.71" for r in profile.kecamatan)
    assert len({r.code for r in profile.kecamatan}) == 13


def test_tangerang_profile_names_its_walidata_among_the_opds():
    profile = city.load("tangerang")
    assert profile.meta["walidata_org"] in {o.name for o in profile.opds}
    assert len(profile.opds) >= 12
    minx, miny, maxx, maxy = profile.bbox
    assert 106 < minx < maxx < 107 and -7 < miny < maxy < -6


def test_another_city_is_a_folder_away(tmp_path):
    folder = tmp_path / "kota-contoh"
    shutil.copytree(city.PROFILES / "tangerang", folder)
    text = (folder / "city.yaml").read_text().replace("Kota Tangerang", "Kota Contoh")
    (folder / "city.yaml").write_text(text)
    profile = city.load(str(folder))
    assert profile.meta["name"] == "Kota Contoh"


def test_a_broken_profile_says_what_is_wrong(tmp_path):
    folder = tmp_path / "rusak"
    shutil.copytree(city.PROFILES / "tangerang", folder)
    (folder / "city.yaml").write_text("name: Kota Rusak\n")
    with pytest.raises(city.ProfileError, match="missing portal_title"):
        city.load(str(folder))
    with pytest.raises(city.ProfileError, match="no city.yaml"):
        city.load(str(tmp_path / "nowhere"))


def test_tangerang_profile_has_the_104_kelurahan_under_their_kecamatan():
    profile = city.load("tangerang")
    kelurahan = [r for r in profile.regions if r.level == "kelurahan"]
    assert len(kelurahan) == 104
    kecamatan = {r.code: r.name for r in profile.kecamatan}
    assert all(k.parent in kecamatan and k.code.startswith(k.parent + ".1") for k in kelurahan)
    jatiuwung = sorted(k.name for k in kelurahan if kecamatan[k.parent] == "Jatiuwung")
    assert jatiuwung == ["Alam Jaya", "Gandasari", "Jatake", "Keroncong", "Manis Jaya", "Pasir Jaya"]


@pytest.mark.services  # the ckan CLI loads the portal, which connects to its database
def test_wilayah_command_writes_another_citys_regions_from_the_national_list(tmp_path):
    """Another city (here Kota Tangerang Selatan, 36.74) gets its wilayah.csv by one command."""
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[1]
    output = tmp_path / "wilayah.csv"
    run = subprocess.run([str(pathlib.Path(sys.executable).parent / "ckan"), "-c", str(root / "config" / "test.ini"),
                          "tangerang", "city", "wilayah", "--code", "36.74", "--output", str(output),
                          "--source", str(root / "node_modules" / "idn-area-data" / "data")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "1 kota, 7 kecamatan" in run.stdout
    folder = tmp_path / "kota-tangsel"
    shutil.copytree(city.PROFILES / "tangerang", folder)
    shutil.copy(output, folder / "wilayah.csv")
    profile = city.load(str(folder))
    assert {r.name for r in profile.kecamatan} >= {"Serpong", "Pamulang", "Ciputat"}
    assert all(r.parent == "36.74" for r in profile.kecamatan)

    unknown = subprocess.run([str(pathlib.Path(sys.executable).parent / "ckan"), "-c",
                              str(root / "config" / "test.ini"), "tangerang", "city", "wilayah",
                              "--code", "99.99", "--output", str(output),
                              "--source", str(root / "node_modules" / "idn-area-data" / "data")],
                             capture_output=True, text=True, timeout=120)
    assert unknown.returncode != 0 and "no regency 99.99" in unknown.stderr
