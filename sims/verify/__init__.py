"""sims.verify: hold simulations against theorem records (the one module importing theory and sims).

Public API (every check returns a frozen :class:`Check` with ``measured``, ``theory``, ``slack``,
``verdict`` and the numbers behind it in ``details``)::

    import theory
    from sims.verify import (Setting, BoundClaim, measure, bound_check, RateSetting, rate_check,
                             exponent_claim, typed_exponent, FloorSetting, FloorClaim, floor_check,
                             floor_level_check, implied_constant, format_table, write_report)

    th = theory.get("byz_vr_marina.thm2_1")
    s = Setting("quadratic", {"name": "quadratic", "d": 20, "G": 0.3, "oracle": "finite_sum", "batch": 2},
                {"name": "byz_vr_marina", "p": 0.25}, compressor={"name": "randk", "k": 5}, n=12, f=2, T=200)
    claim = BoundClaim(th)                     # the theorem's bound at the declared constants
    runs = measure(claim, s)                   # runs with the theorem's own step size, every attack
    ok = bound_check(claim, s, measured=runs)  # PASS iff the upper confidence end <= the bound
    bad = bound_check(claim.scaled(0.5), s, measured=runs)   # a perturbed claim on the same runs

* **Encode a claim**: :class:`BoundClaim` (``.scaled(k)``, ``.with_factors(kappa=0.1)``, ``named=``
  values of a theorem's unknown constants), :func:`exponent_claim` (sympy exponent under
  ``sqnorm_le_eps2``) or :func:`typed_exponent` (e.g. -3), :class:`FloorClaim` (``.of(theorem)``,
  ``.constant("G")`` for "independent of G").
* **Bound check** (:func:`bound_check`): left-hand side per seed from the theorem's ``averaging``,
  one-sided upper confidence end (:func:`upper_confidence`, Student-t by default, ``level`` 0.95,
  or percentile bootstrap), worst attack; PASS iff it is <= the claimed bound (and the theorem's
  conditions hold); slack = bound / mean.
* **Rate check** (:func:`rate_check` on a :class:`RateSetting`): rounds to the criterion per seed
  over an eps grid, theorem-prescribed hyper-parameters at each eps; slope of log rounds vs log eps
  with a bootstrap interval over seeds (:func:`bootstrap_slope`); PASS iff within ``tol`` (0.3) of
  the claim and the claim inside the interval widened by ``tol``.
* **Floor checks** (:class:`FloorSetting`): :func:`floor_level_check` compares the plateau with the
  claimed floor value (PASS = consistent, FAIL = refuted: a floor is an upper bound);
  :func:`floor_check` reports the plateau's slope against a knob ("G^2", "kappa", "d/k", "1/p")
  beside the claim's (INFO).
* **Power** (:mod:`sims.verify.power`): bound and floor-level checks re-evaluated on their own runs
  under standard wrong versions of the record (checks.json "power", "provenance").
* **At a setting** (:mod:`sims.verify.at`): any record at a TOML experiment file or its shipped
  example (``byzcomp verify NAME [--at FILE.toml]``).
* **Implied constants** (:func:`implied_constant`): the smallest value of a named constant
  consistent with all runs, and the run that binds it.
* **Suite and report**: :mod:`sims.verify.suite` (``items(quick)``, expected verdicts),
  :func:`format_table`, :func:`write_report` (markdown + plots); CLI ``byzcomp verify``.

Diverged runs count as +inf (never a crash): a bound check on them FAILs.
"""
from .bound import bound_check, lhs_rounds, measure
from .checks import Check, Verdict, format_table
from .claims import BoundClaim, ExponentClaim, FloorClaim, exponent_claim, typed_exponent
from .floor import FloorSetting, floor_check, floor_level_check, measure_floor
from .implied import implied_constant, smallest_constant
from .rate import RateSetting, measure_rates, rate_check, rounds_to_criterion
from .report import plot_check, write_report
from .runner import Setting, run_variants
from .stats import bootstrap_slope, fit_slope, upper_confidence

__all__ = [
    "BoundClaim", "Check", "ExponentClaim", "FloorClaim", "FloorSetting", "RateSetting", "Setting", "Verdict",
    "bootstrap_slope", "bound_check", "exponent_claim", "fit_slope", "floor_check", "floor_level_check",
    "format_table", "implied_constant", "lhs_rounds", "measure", "measure_floor", "measure_rates", "plot_check",
    "rate_check", "rounds_to_criterion", "run_variants", "smallest_constant", "typed_exponent", "upper_confidence",
    "write_report",
]
