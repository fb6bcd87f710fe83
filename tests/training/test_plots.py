from kerasseq.training.plots import wrapped


def test_long_legend_labels_break_after_separators_and_keep_every_character():
    label = "orthogonal:parametrization=cayley:negative_ones=95:use_bias=false"
    lines = wrapped(label, width=20).split("\n")
    assert lines == ["orthogonal:", "parametrization=cayley:",
                     "negative_ones=95:", "use_bias=false"]
    assert "".join(lines) == label
    assert wrapped("lstm") == "lstm"
    assert wrapped("a,b,c", width=3) == "a,\nb,c"  # "a,b," is 4 wide
