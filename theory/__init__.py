"""byzcomp's symbolic side: theorems as values, lower bounds, tables, the (G,B) frontier and PEP checks.

Never imports ``sims``.  Entry points:

* ``theory.registry``: ``get(key)``, ``for_algorithm(name)``, ``resolve(name)``, ``THEOREMS``;
* ``theory.theorem.Theorem``: statement + derived complexity, exponent, dependence, LaTeX, evaluator;
* ``theory.constants.complete``: constants that follow by definition (n_good, delta, c_delta, PP probabilities);
* ``theory.lower_bounds``, ``theory.tables``, ``theory.heterogeneity``, ``theory.pep``;
* ``theory.cli.register(subparsers, load_constants)``: the ``byzcomp bounds`` command.
"""
from .criteria import CRITERIA, convert_exponent
from .provenance import Provenance
from .registry import THEOREMS, UnknownTheoremError, for_algorithm, get, resolve
from .theorem import ConstantError, NamedConstant, Theorem

__all__ = [
    "CRITERIA", "convert_exponent", "Provenance", "THEOREMS", "UnknownTheoremError", "for_algorithm", "get",
    "resolve", "ConstantError", "NamedConstant", "Theorem",
]
