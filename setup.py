from setuptools import find_namespace_packages, setup

# CKAN pins its own dependencies through the `requirements` extra; we pin what we add.
setup(
    name="ckanext-tangerang",
    version="0.1.0",
    description="Tangerang Satu Data: Satu Data, Satu Peta, PPID and accessibility on CKAN 2.12",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="AGPL-3.0-or-later",
    python_requires=">=3.10",
    package_dir={"": "ckanext-tangerang"},
    packages=find_namespace_packages(where="ckanext-tangerang", include=["ckanext.*"]),
    include_package_data=True,
    package_data={
        "ckanext.tangerang": [
            "config_declaration.yaml",
            "*/config_declaration.yaml",
            "*/config_declaration/*.yaml",
            "i18n/*/LC_MESSAGES/*.mo",
            # the merged catalogue CKAN builds its JavaScript strings from (i18n.build compile)
            "i18n/*/LC_MESSAGES/*.po",
            "i18n/own/*/*.po",
            "i18n/upstream/*/*.po",
            "city/**/*",
            "satudata/*.yaml",
            "satudata/codelists/*.csv",
            "*/templates/**/*",
            "*/assets/**/*",
            "*/public/**/*",
            "migration/*/*",
            "migration/*/versions/*",
            "satupeta/storemigration/script.py.mako",
        ],
    },
    install_requires=[
        "ckan[requirements]==2.12.0",
        "ckanext-spatial==2.3.2",
        "ckanext-scheming==3.1.0",
        "ckanext-dcat==2.4.4",
        "geoalchemy2==0.20.0",
        "shapely==2.1.2",
        "pyproj==3.7.2",
        "pyogrio==0.13.0",
        "pyarrow==26.0.1",
        "holidays==0.109",
        "orjson==3.13.0",
        "cachetools==8.0.2",
        "python-magic==0.4.27",
        "gunicorn==23.0.0",
        # abuse limits (security/limits.py): moving-window counters in Redis; the redis client
        # is CKAN's own pin, so not the `limits[redis]` extra (it would pin redis below 8)
        "limits==5.8.0",
        # the zip of a dataset's files, streamed (satudata/views.py)
        "zipstream-ng==1.9.3",
        # PPID: requesters' NIK, phone, address and files encrypted at rest (ppid/crypto.py)
        "cryptography==46.0.3",
        # tables (satudata/tables): XLSX, XLS and ODS sheets read by one reader; XLSX downloads
        "python-calamine==0.9.1",
        "openpyxl==3.1.5",
        # Standar Data: tables checked against the Walidata's Table Schemas (satudata/tables/standard.py)
        "frictionless==5.21.0",
        # Satu Peta's OGC API: CQL2 filters parsed (satupeta/cql.py), the WebMercatorQuad tile
        # matrix set and its tile limits (satupeta/ogc.py)
        "pygeofilter==0.4.0",
        "morecantile==7.1.0",
    ],
    extras_require={
        "dev": [
            "ckan[dev]==2.12.0",
            "aiosmtpd==1.4.6",
            "beautifulsoup4==4.15.0",  # the route walk reads forms (tests/walk)
            "ckanapi==4.11",
            # a second CKAN harvests our CSW with ckanext-spatial's csw harvester (tests/satupeta)
            "ckanext-harvest==1.6.3",
            "colorspacious==1.1.2",  # Satu Peta's palette checked under colour-vision deficiencies
            "hypothesis==6.170.17",  # the PPID workflow's property test
            "mapbox-vector-tile==2.2.0",  # Satu Peta's tile tests decode the tiles
            "OWSLib==0.32.1",
            "openapi-spec-validator==0.9.0",  # the OGC API's OpenAPI document (tests/satupeta)
            "playwright==1.65.2",
            "pyshacl==0.40.1",  # the DCAT output checked against our DCAT-AP 3 shapes (tests/satudata)
        ],
    },
    entry_points={
        "ckan.plugins": [
            "tangerang_satudata = ckanext.tangerang.satudata.plugin:SatudataPlugin",
            "tangerang_satupeta = ckanext.tangerang.satupeta.plugin:SatupetaPlugin",
            "tangerang_ppid = ckanext.tangerang.ppid.plugin:PpidPlugin",
            "tangerang_a11y = ckanext.tangerang.a11y.plugin:A11yPlugin",
            "tangerang_security = ckanext.tangerang.security.plugin:SecurityPlugin",
        ],
        "ckan.click_command": [
            "tangerang = ckanext.tangerang.cli:tangerang",
        ],
        "ckan.rdf.profiles": [
            "tangerang_satudata = ckanext.tangerang.satudata.dcat:SatudataProfile",
        ],
        "ckanext.tangerang.cli": [
            "satudata = ckanext.tangerang.satudata.cli:satudata",
            "search-index = ckanext.tangerang.satudata.cli:search_index",
            "satupeta = ckanext.tangerang.satupeta.cli:satupeta",
            "ppid = ckanext.tangerang.ppid.cli:ppid",
            "a11y = ckanext.tangerang.a11y.cli:a11y",
        ],
    },
    message_extractors={
        "ckanext-tangerang/ckanext": [
            ("**.py", "python", None),
            ("**.js", "javascript", None),
            ("**/templates/**.html", "ckan", None),
        ],
    },
)
