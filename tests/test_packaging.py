"""The wheel installs one import namespace, peerkg, with its data files."""

import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_wheel_has_one_namespace_and_its_data(tmp_path):
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("peerkg-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"peerkg"}
    for expected in ("peerkg/ontology/peerkg.ttl", "peerkg/ontology/shapes.ttl",
                     "peerkg/ontology/imports/w3c-shim.ttl", "peerkg/queries/quotes.rq",
                     "peerkg/graph/studies/gillard2013/quotes.csv",
                     "peerkg/graph/studies/gillard2013/study.yaml",
                     "peerkg/graph/vocab/constructs.yaml", "peerkg/api/cli.py"):
        assert expected in names, expected
    assert not any(n.startswith("peerkg/tests") for n in names)


def test_editable_install_imports_from_the_checkout():
    import peerkg.graph
    import peerkg.queries

    assert peerkg.graph.__file__.startswith(str(ROOT / "graph"))
    assert peerkg.queries.__file__.startswith(str(ROOT / "queries"))
