"""Seeded mutation fuzzing of study packages (tests/fuzz.py): every damaged copy of the invented
mini study and of the bundled Gillard et al. 2013 package is either loaded or refused with a
user error naming its place (a file, line or node), and a refused load leaves the store exactly
as it was. ``PEERKG_FUZZ=N`` sets how many mutants of the mini study are tried (a tenth as many
of the larger bundled one); ``make fuzz`` runs 2,000."""

import os

import pytest

from peerkg.graph import loader
from peerkg.graph.base.iris import ID
from peerkg.graph.readers.study import bundled_studies
from peerkg.graph.store import open_store

from .conftest import ROOT
from .fuzz import run

COUNT = int(os.environ.get("PEERKG_FUZZ", "16"))
PACKAGES = {"mini-study": (ROOT / "tests" / "data" / "mini-study", COUNT),
            "gillard2013": (bundled_studies()[0], max(COUNT // 10, 2))}


@pytest.mark.slow
@pytest.mark.parametrize("name", PACKAGES)
def test_no_damaged_package_crashes_the_loader_or_changes_the_store(name, tmp_path):
    package, count = PACKAGES[name]
    with open_store(":memory:") as store:
        loader.load(store, [package])

        def places(folder):  # a file of the package, its folder, or a node of its graph
            return [p.name for p in package.iterdir()] + [str(folder), ID]

        outcome = run(lambda folder: loader.load(store, [folder]), store.dump, places, package,
                      tmp_path, range(count))
    print(f"{name}: {count} mutants, {outcome.loaded} loaded, {outcome.refused} refused, "
          f"{len(outcome.crashes)} crashes")
    assert outcome.crashes == []
    assert outcome.refused > 0
