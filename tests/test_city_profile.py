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
