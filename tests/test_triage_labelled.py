"""The shipped triage rules against a labelled set of realistic tickets and logs
(`tests/data/triage_labelled.jsonl`: every cause, negatives and near-misses, English and
German). Prints precision and recall per cause; fails below 0.9 precision or 0.8 recall
overall."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tierdesk.kb import seed as kb_seed
from tierdesk.triage import seed as triage_seed
from tierdesk.triage.engine import diagnose
from tierdesk.triage.models import Cause, Rule
from tierdesk.triage.selectors import active_rules, text_sources

DATA = Path(__file__).parent / "data" / "triage_labelled.jsonl"


@pytest.fixture(autouse=True)
def _seeded(db):
    """The seed articles and rules (a data migration installs them; a transactional test
    elsewhere in the suite may have flushed them)."""
    kb_seed.load()
    triage_seed.load()


def labelled() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]


def test_the_labelled_set_is_broad_enough():
    # given the labelled set
    rows = labelled()
    causes = Counter(c for row in rows for c in row["causes"])
    # then it has at least 80 texts, every cause, many negatives, English and German
    assert len(rows) >= 80
    assert set(causes) == set(Cause.values)
    assert all(n >= 5 for n in causes.values()), causes
    assert sum(1 for row in rows if not row["causes"]) >= 20
    assert {row["lang"] for row in rows} == {"en", "de"}


@pytest.mark.django_db
def test_precision_and_recall_of_the_shipped_rules(capsys):
    # given the rules the data migration installs
    rules = active_rules()
    assert len(rules) == Rule.objects.count() >= 7
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    wrong = []
    # when every labelled text is diagnosed
    for row in labelled():
        found = {f.cause for f in diagnose(text_sources(row["text"], row["log"]), rules)}
        expected = set(row["causes"])
        for cause in found & expected:
            tp[cause] += 1
        for cause in found - expected:
            fp[cause] += 1
        for cause in expected - found:
            fn[cause] += 1
        if found != expected:
            wrong.append((row["id"], sorted(expected), sorted(found)))
    # then precision and recall are printed per cause and overall
    lines = [f"{'cause':<14} {'precision':>9} {'recall':>7}  tp fp fn"]
    for cause in Cause.values:
        p = tp[cause] / ((tp[cause] + fp[cause]) or 1)
        r = tp[cause] / ((tp[cause] + fn[cause]) or 1)
        lines.append(
            f"{cause:<14} {p:>9.2f} {r:>7.2f}  {tp[cause]:>2} {fp[cause]:>2} {fn[cause]:>2}"
        )
    precision = sum(tp.values()) / ((sum(tp.values()) + sum(fp.values())) or 1)
    recall = sum(tp.values()) / ((sum(tp.values()) + sum(fn.values())) or 1)
    lines.append(f"{'overall':<14} {precision:>9.2f} {recall:>7.2f}")
    lines.extend(f"  row {i}: expected {e}, found {f}" for i, e, f in wrong)
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert precision >= 0.9, "\n".join(lines)
    assert recall >= 0.8, "\n".join(lines)


@pytest.mark.django_db
def test_every_rule_recognises_its_own_examples():
    # given the shipped rules with their example texts
    for rule in Rule.objects.all():
        # then each example is recognised (the admin refuses a change that breaks one)
        rule.full_clean()
        assert rule.examples.strip(), rule.code
