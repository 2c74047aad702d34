"""The evaluation protocol of issue 22 on a small fixed data set with hand-computed figures:
the filters, the split and the next basket, NDCG@10 and Recall@10 (all items, new items only),
the baselines' rankings, and the command's errors naming what to fix."""

import math
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from stay.recommendations.baselines import (
    CoOccurrence,
    Neighbourhood,
    Popularity,
    Repurchase,
    TunedNeighbourhood,
    UserPopularity,
)
from stay.recommendations.evaluation import Basket, evaluate, ndcg_at, read_baskets, recall_at, split_at

HEADER = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
LINES = [
    # ann buys A and B twice before the split, then A and C
    "1,A,,1,2010-09-01 10:00:00,1.0,ann,UK",
    "1,B,,2,2010-09-01 10:00:00,1.0,ann,UK",
    "2,A,,1,2010-09-15 10:00:00,1.0,ann,UK",
    "2,B,,1,2010-09-15 10:00:00,1.0,ann,UK",
    "7,A,,1,2010-10-02 10:00:00,1.0,ann,UK",
    "7,C,,1,2010-10-02 10:00:00,1.0,ann,UK",
    "9,D,,1,2010-10-20 10:00:00,1.0,ann,UK",  # a later basket: not the target
    # bo buys A and C, then D
    "3,A,,1,2010-09-03 10:00:00,1.0,bo,UK",
    "3,C,,1,2010-09-03 10:00:00,1.0,bo,UK",
    "8,D,,3,2010-10-05 10:00:00,2.0,bo,UK",
    # left out: a cancellation, a return, a free line, a guest; cy has no basket after the split
    "C4,B,,-1,2010-09-04 10:00:00,1.0,ann,UK",
    "5,E,,-2,2010-09-05 10:00:00,1.0,bo,UK",
    "6,F,,1,2010-09-06 10:00:00,0,bo,UK",
    "10,A,,1,2010-10-06 10:00:00,1.0,,UK",
    "11,B,,1,2010-09-07 10:00:00,1.0,cy,UK",
]


def data_file(tmp_path: Path, lines: list[str] = LINES) -> Path:
    path = tmp_path / "invoices.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n")
    return path


@pytest.fixture
def split(tmp_path):
    return split_at(read_baskets(data_file(tmp_path)), datetime(2010, 10, 1))


def test_the_filters_the_split_and_the_next_basket(split):
    assert sorted(split.history) == ["ann", "bo", "cy"]
    assert [sorted(b.items) for b in split.history["ann"]] == [["A", "B"], ["A", "B"]]
    assert [sorted(b.items) for b in split.history["bo"]] == [["A", "C"]]  # E and F left out
    assert split.targets == {"ann": frozenset({"A", "C"}), "bo": frozenset({"D"})}


def test_ndcg_and_recall_by_hand():
    target = frozenset({"A", "C"})
    # A at rank 1, C at rank 3: DCG = 1 + 1/log2(4); ideal over two items = 1 + 1/log2(3)
    assert ndcg_at(["A", "B", "C"], target) == pytest.approx((1 + 1 / 2) / (1 + 1 / math.log2(3)))
    assert recall_at(["A", "B", "C"], target) == 1.0
    assert ndcg_at(["B", "D"], target) == 0.0 and recall_at(["B"], target) == 0.0
    many = frozenset(str(n) for n in range(12))  # the ideal DCG counts at most 10 items
    assert ndcg_at([str(n) for n in range(10)], many) == pytest.approx(1.0)
    assert recall_at([str(n) for n in range(10)], many) == pytest.approx(10 / 12)


def test_the_baselines_rank_as_they_should(split):
    popular = Popularity()
    popular.fit(split.history)
    assert popular.rank("ann", 2) == ["A", "B"]  # A in 3 baskets, B in 3 (ann's two, cy's): then by name
    assert popular.rank("nobody", 1) == ["A"]  # a shopper never seen: the popular items
    again = Repurchase()
    again.fit(split.history)
    assert again.rank("bo", 3) == ["A", "C", "B"]  # their own first, then the popular rest
    assert again.rank("bo", 3, exclude=frozenset({"A", "C"})) == ["B"]  # new items only
    together = CoOccurrence()
    together.fit(split.history)
    assert together.rank("cy", 1, exclude=frozenset({"B"})) == ["A"]  # B was always bought with A
    near = Neighbourhood(neighbours=1)
    near.fit(split.history)
    assert near.rank("cy", 3)[0] == "B"


def test_up_cf_by_hand(split):
    """cy bought B. ann ({A, B}) has one item in common: 1 / (1^0.5 * 2^0.5); cy themself 1.
    The votes are each one's share of their last basket: A 0.707 (ann's), B 0.707 + 1."""
    model = UserPopularity(recent=1, locality=1, asymmetry=0.5)
    model.fit(split.history)
    scores = model.scores(model.customers["cy"])
    assert scores[model.index["A"]] == pytest.approx(1 / math.sqrt(2), abs=1e-5)
    assert scores[model.index["B"]] == pytest.approx(1 + 1 / math.sqrt(2), abs=1e-5)
    assert model.rank("cy", 2) == ["B", "A"]
    assert model.rank("cy", 2, exclude=frozenset({"B"})) == ["A", "C"]  # C: popularity only
    squared = UserPopularity(recent=1, locality=2, asymmetry=0.5)  # the locality sharpens the votes
    squared.fit(split.history)
    assert squared.scores(squared.customers["cy"])[squared.index["A"]] == pytest.approx(0.5, abs=1e-5)


def test_a_new_items_list_leans_on_the_names_of_what_the_shopper_buys():
    """ann's neighbour bo bought a polka-dot cup and a retrospot mug as often: their votes tie.
    The mug's name shares words with ann's retrospot bag, so with the names it comes first."""
    at = datetime(2010, 1, 4)
    history = {
        "ann": [Basket("ann", at, "1", frozenset({"A"}))],
        "bo": [Basket("bo", at, "2", frozenset({"A", "B", "C"}))],
    }
    titles = {"A": "RED RETROSPOT BAG", "B": "BLUE POLKADOT CUP", "C": "RED RETROSPOT MUG"}
    for names, first in ((None, "B"), (titles, "C")):
        tuned = TunedNeighbourhood(neighbours=1)
        tuned.fit(history, names)
        assert tuned.rank("ann", 2, exclude=frozenset({"A"})) == [first, "BC".replace(first, "")]
        assert tuned.rank("ann", 1) == ["A"]  # "for you" is not swayed: their own first


def test_the_evaluation_by_hand(split):
    report = evaluate(Repurchase(), split)
    # ann: [A, B, C] against {A, C}: (1 + 1/2) / (1 + 1/log2 3); bo: [A, C, B] against {D}: 0
    ann = (1 + 1 / 2) / (1 + 1 / math.log2(3))
    assert report.shoppers == 2 and report.ndcg == pytest.approx(ann / 2)
    assert report.recall == pytest.approx(0.5)
    # new items: ann's {C} on a list without A and B: [C] -> 1; bo's {D}: [B] -> 0
    assert report.new_shoppers == 2 and report.new_ndcg == pytest.approx(0.5)


def test_the_command_reports_and_names_what_to_fix(tmp_path, capsys):
    call_command("recommendations", "eval", str(data_file(tmp_path)), "--split", "2010-10-01", "--model", "repurchase")
    out = capsys.readouterr().out
    assert (
        "2 of them with a next basket" in out and "repurchase" in out and "NDCG@10 0.460" in out
    )  # (ann + bo) / 2, as above
    with pytest.raises(CommandError, match="line 3: Quantity 'two' is not a number"):
        call_command(
            "recommendations",
            "eval",
            str(data_file(tmp_path, [LINES[0], "1,B,,two,2010-09-01 10:00:00,1,a,UK"])),
            "--split",
            "2010-10-01",
        )
    with pytest.raises(CommandError, match="--split"):
        call_command("recommendations", "eval", str(data_file(tmp_path)), "--split", "October")
    with pytest.raises(CommandError, match="no shopper has a basket on both sides"):
        call_command("recommendations", "eval", str(data_file(tmp_path)), "--split", "2011-01-01")
    bad = tmp_path / "bad.csv"
    bad.write_text("Invoice,StockCode\n1,A\n")
    with pytest.raises(CommandError, match="line 1: the header lacks Quantity"):
        call_command("recommendations", "eval", str(bad), "--split", "2010-10-01")
