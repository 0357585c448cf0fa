"""Column names: the seeds' spellings map to our symbols, and no spelling to a wrong one."""

from __future__ import annotations

import pytest
from conftest import REPO

from tui_backprop.core import PRESETS, UPDATE, build_program, load_network
from tui_backprop.sheets.columns import EPOCH, Columns, spellings

NETWORKS = {**{name: factory for name, factory in PRESETS.items()},
            "tanh-3-layer": lambda: load_network(REPO / "examples" / "tanh-3-layer.toml")}


def columns(name="mazur"):
    return Columns(build_program(NETWORKS[name]()))


# The spellings of the write-ups in /work/shared/seeds: 000 and 004 write a_h1, E_total,
# ∂E_total/∂w5; 001 writes out_h1, E_Total, 𝟃E/𝟃w5 and η; 003 writes x1, H1, H1out, y1,
# y1out, Etot, ∂E/∂w1, ∂E/∂H1out and ∂H1out/∂H1; the issue adds E_tot, dE/dw1, E_total/w1.
SEED_SPELLINGS = [
    ("a_h1", "a_h1"), ("out_h1", "a_h1"), ("H1out", "a_h1"), ("h1out", "a_h1"), ("out_o2", "a_o2"),
    ("y1out", "a_o1"), ("y2out", "a_o2"), ("H1", "h1"), ("y1", "o1"), ("x1", "i1"), ("x2", "i2"),
    ("E_total", "E_total"), ("E_Total", "E_total"), ("E_tot", "E_total"), ("Etot", "E_total"), ("E", "E_total"),
    ("E1", "E1"), ("∂E_total/∂w5", "dE_total/dw5"), ("𝟃E/𝟃w5", "dE_total/dw5"), ("∂E/∂w1", "dE_total/dw1"),
    ("dE/dw1", "dE_total/dw1"), ("E_total/w1", "dE_total/dw1"), ("dE_total/dw1", "dE_total/dw1"),
    ("∂E / ∂W1", "dE_total/dw1"), ("∂E/∂H1out", "dE_total/da_h1"), ("∂E/∂y1out", "dE_total/da_o1"),
    ("∂H1out/∂H1", "da_h1/dh1"), ("∂y1out/∂y1", "da_o1/do1"), ("∂(a_o1)/∂(o1)", "da_o1/do1"),
    ("η", "lr"), ("eta", "lr"), ("Learning rate", "lr"), ("LR", "lr"), ("learning_rate", "lr"),
    ("t1", "t1"), ("target2", "t2"), ("w8", "w8"), ("b1", "b1"),
    ("epoch", EPOCH), ("Iteration", EPOCH), ("row", EPOCH),
]


@pytest.mark.parametrize(("spelling", "symbol"), SEED_SPELLINGS)
def test_the_seeds_spellings(spelling, symbol):
    assert columns().symbol(spelling) == symbol


@pytest.mark.parametrize("spelling", ["w9", "b3", "notes", "h3", "dE/dh1", "a_o3", "E3", ""])
def test_names_the_network_does_not_have(spelling):
    assert columns().symbol(spelling) is None


def test_per_sample_and_deep_names():
    names = columns("tanh-3-layer")
    assert names.symbol("h2_1[2]") == "h2_1[2]"
    assert names.symbol("out_h2_1[2]") == "a_h2_1[2]"
    assert names.symbol("∂E/∂w3[1]") == "dE_total/dw3[1]"
    assert names.symbol("dE/dw3") == "dE_total/dw3"
    assert names.symbol("∂E/∂b_o1") == "dE_total/db_o1"


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_every_symbol_names_itself_and_no_spelling_names_another(name):
    program = build_program(NETWORKS[name]())
    names = Columns(program)
    symbols = list(program.free) + [q.symbol for q in program.quantities if q.phase != UPDATE]
    for symbol in symbols:
        assert names.symbol(symbol) == symbol
        assert names.symbol(f"  {symbol} ") == symbol
        for spelling in spellings(symbol):
            assert names.symbol(spelling) in (symbol, None), (symbol, spelling)


# -- one alias table (issue 11.7) and Mazur's own names (issue 12.9) ---------------------------------


def test_the_readme_table_of_column_names_is_the_one_made_from_the_alias_table():
    from tui_backprop.sheets.columns import alias_markdown

    readme = (REPO / "docs" / "command-line.md").read_text(encoding="utf-8")
    start = readme.index("<!-- column names:")
    start = readme.index("\n", start) + 1
    end = readme.index("<!-- end of column names -->")
    assert readme[start:end] == alias_markdown()


def test_check_help_lists_the_alias_table(capsys):
    from tui_backprop import cli
    from tui_backprop.sheets.columns import alias_help

    with pytest.raises(SystemExit):
        cli.main(["check", "--help"])
    assert alias_help() in capsys.readouterr().out


def test_every_documented_spelling_names_its_symbol():
    from tui_backprop.sheets.columns import DERIVATIVE_EXAMPLES, alias_rows

    names = columns("mazur")
    for symbol, forms in alias_rows():
        groups = forms.split("; ")
        targets = symbol.split(", ")
        for target, group in zip(targets, groups):
            for spelling in group.split(", "):
                expected = EPOCH if target == "(the epoch)" else target
                if target == "dE_total/dw1":
                    assert names.symbol(spelling) is not None and "/" in names.symbol(spelling), spelling
                else:
                    assert names.symbol(spelling) == expected, (spelling, expected)
    assert [names.symbol(s) for s in DERIVATIVE_EXAMPLES[-2:]] == ["dE_total/da_h1", "da_h1/dh1"]


@pytest.mark.parametrize(("spelling", "symbol"), [("net h1", "h1"), ("net o1", "o1"), ("net_h2", "h2"),
                                                  ("∂out o1/∂net o1", "da_o1/do1"), ("out h2", "a_h2")])
def test_mazurs_own_names(spelling, symbol):
    assert columns().symbol(spelling) == symbol
