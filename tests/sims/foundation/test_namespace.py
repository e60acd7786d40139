"""``sims.backend.namespace`` returns array_api_compat's namespace for every input; its fast path
(one plain numpy array) gives the same module, and everything else goes through the dispatch."""
from __future__ import annotations

import numpy as np
import pytest
from array_api_compat import array_namespace

from sims.backend import namespace


@pytest.mark.parametrize("arrays", [(np.zeros(3),), (np.zeros((2, 2)), np.ones(2)), (np.ma.zeros(2),), (np.float64(1.0),)],
                         ids=["one array", "two arrays", "masked subclass", "numpy scalar"])
def test_the_same_namespace_as_array_api_compat(arrays):
    assert namespace(*arrays) is array_namespace(*arrays)


def test_torch_is_not_taken_for_numpy():
    torch = pytest.importorskip("torch")
    t = torch.zeros(2)
    assert namespace(t) is array_namespace(t) and namespace(t) is not namespace(np.zeros(2))


def test_mixing_numpy_and_torch_is_still_refused():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        namespace(np.zeros(2), torch.zeros(2))
