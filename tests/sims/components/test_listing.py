"""``byzcomp list`` shows every registered component with its declared constants, and the chains
whose composed kappa theory gives."""
from __future__ import annotations

import pytest

from sims import registry
from sims.cli import main


@pytest.mark.parametrize("kind", ["aggregators", "preaggregators", "attacks", "compressors"])
def test_list_names_every_registered_component(kind, capsys):
    assert main(["list", kind, "--n", "20", "--f", "4", "--d", "100"]) == 0
    out = capsys.readouterr().out
    for name in registry.names(kind[:-1]):
        assert f"  {name} " in out


def test_list_shows_declared_constants(capsys):
    main(["list", "aggregators", "--n", "20", "--f", "4"])
    out = capsys.readouterr().out
    assert "kappa(n=20, f=4) = 2.667" in out  # CWTM: 6q(1+q), q = 1/3
    assert "cwtm o nnm" in out and "kappa = 7.333" in out  # (8f/(n-f)) (kappa + 1)
    assert "cwtm o arc" in out and "kappa = 8 " in out  # 3 kappa
    main(["list", "compressors", "--d", "100"])
    out = capsys.readouterr().out
    assert "omega(d=100) = 0.125" in out and "bits(d=100) = 900" in out  # natural compression
    main(["list", "attacks", "--n", "20", "--f", "4"])
    assert "z(n=20, f=4) = 0.3853 (baruch rule)" in capsys.readouterr().out
