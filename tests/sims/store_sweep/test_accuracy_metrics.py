"""Classification problems report training ``accuracy`` and held-out ``test_accuracy`` as metric
columns and in the summary (logistic, logistic_real, cnn_digits; arrays in test_arrays_problem)."""
from __future__ import annotations

from sims import ExperimentConfig, run

BASE = {"algorithm": {"name": "robust_dshb", "lr": 0.5, "beta": 0.5}, "workers": {"n": 6, "f": 0},
        "run": {"T": 60, "seeds": 2, "record_every": 30, "progress": False}}


def test_classification_problems_report_train_and_test_accuracy():
    for problem in ({"name": "logistic", "d": 5, "m": 40, "het": 0.0},
                    {"name": "logistic_real", "dataset": "breast_cancer", "test_fraction": 0.25, "lam": 0.01}):
        result = run(ExperimentConfig.from_dict({**BASE, "problem": problem}))
        first = result.records[result.records["round"] == 0]
        for column in ("accuracy", "test_accuracy"):
            assert result.summary[column].between(0, 1).all()
            assert result.summary[column].mean() > first[column].mean()  # training improves both


def test_the_cnn_reports_held_out_accuracy_and_keeps_its_split_without_one():
    base = {**BASE, "workers": {"n": 5, "f": 0}, "run": {"T": 40, "seeds": 1, "record_every": 40, "progress": False}}
    plain = ExperimentConfig.from_dict({**base, "problem": {"name": "cnn_digits", "channels": 1, "n_probe": 2}})
    held = ExperimentConfig.from_dict({**base, "problem": {"name": "cnn_digits", "channels": 1, "n_probe": 2,
                                                          "test_fraction": 0.3}})
    P, labels = plain.problem.worker_data(4)
    assert P.shape[:2] == (4, 1797 // 4) and plain.problem.test_data() is None
    (Pt, lt), (Ph, lh) = held.problem.test_data(), held.problem.worker_data(4)
    assert len(lt) == round(0.3 * 1797) and Ph.shape[1] == (1797 - len(lt)) // 4
    train = {p.tobytes() for p in Ph.reshape(-1, 36 * 9)}
    assert not any(p.tobytes() in train for p in Pt.reshape(-1, 36 * 9))  # held out: no training image
    result = run(held)
    first = result.records[result.records["round"] == 0]
    assert result.summary["test_accuracy"].between(0, 1).all()
    assert result.summary["test_accuracy"].mean() > first["test_accuracy"].mean() + 0.2
