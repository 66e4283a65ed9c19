"""Accuracy of the parser on its corpus (tests/unit/parsing/corpus/): a wrong match must be
rarer than an unmatched line, and most lines must match correctly."""

from __future__ import annotations

from tests.unit.parsing.corpus import corpus_pdfs, corpus_texts, evaluate

FLOOR = 0.90  # lines matched correctly / lines that name a subcategory


def test_the_corpus_has_the_promised_size() -> None:
    assert len(corpus_texts()) >= 25
    assert len(corpus_pdfs()) >= 3


def test_accuracy_on_the_corpus() -> None:
    tally = evaluate(corpus_texts() + corpus_pdfs())
    unmatched = tally.missed + tally.rightly_unmatched
    assert tally.wrong < unmatched, tally.problems
    assert tally.correct / (tally.correct + tally.missed + tally.wrong) >= FLOOR, tally.problems
    assert tally.rightly_unmatched >= 10  # the corpus has near misses, and they stay unmatched
    assert tally.spurious == 0, tally.problems
    assert tally.discipline_errors == 0, tally.problems
    assert tally.date_errors <= 1, tally.problems
    assert tally.credit_errors == 0, tally.problems
