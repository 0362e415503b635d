"""The HCL encoder's layout and escaping, checked without Terraform (python-hcl2 parses every output)."""

from __future__ import annotations

import hcl2
import pytest

from clusterwiz.core import hcl


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", '"plain"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("${var.x}", '"$${var.x}"'),
        ("%{ if x }", '"%%{ if x }"'),
        ("line\nbreak\ttab", '"line\\nbreak\\ttab"'),
        ("bell\x07", '"bell\\u0007"'),
        ("ünïcode", '"ünïcode"'),
    ],
)
def test_quote_escapes_what_hcl_would_interpret(text, expected):
    assert hcl.quote(text) == expected


def test_keys_are_bare_only_when_hcl_reads_them_literally():
    assert hcl.object_key("instance_type") == "instance_type"
    assert hcl.object_key("clusterwiz:cluster") == '"clusterwiz:cluster"'
    assert hcl.object_key("null") == '"null"'
    assert hcl.object_key("2fast") == '"2fast"'


def test_attributes_align_like_terraform_fmt():
    text = hcl.attributes({"a": 1, "long_name": "x", "block": {"k": True}, "after": None})
    assert text == 'a         = 1\nlong_name = "x"\nblock = {\n  k = true\n}\nafter = null\n'


def test_output_parses_as_hcl():
    value = {"tags": {"Name": 'q"uote ${x}', "a b": "c"}, "list": [1, 2.5, None, False, {"n": "m"}]}
    parsed = hcl2.loads(hcl.attributes({"v": value}))
    assert parsed["v"]["list"][:2] == [1, 2.5]


@pytest.mark.parametrize("bad", [float("nan"), object(), {1: "x"}])
def test_values_without_hcl_form_are_refused(bad):
    with pytest.raises(hcl.HclEncodeError):
        hcl.encode(bad)
