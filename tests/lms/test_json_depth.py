"""The nesting of untrusted JSON, counted before it is parsed (providers.parsing)."""

from __future__ import annotations

import pytest

from providers.parsing import MalformedResponse, json_depth, load_json


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"1", 0),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'{"a": "[[[{{{"}', 1),  # brackets in a string do not count
        (b'{"a": "x\\"[[[", "b": [{}]}', 3),  # nor after an escaped quote
        (b'["\\\\", ["]"]]', 2),  # an escaped backslash ends before the quote
        (b'{"s": "' + b"s000001" * 9_142 + b'"}', 1),  # 64 KB of suspend_data
        (b"[" * 100_000 + b"]" * 100_000, 100_000),
    ],
)
def test_json_depth_counts_brackets_outside_strings(body: bytes, depth: int):
    assert json_depth(body) == depth


def test_a_document_deeper_than_the_limit_is_refused_before_it_is_parsed():
    with pytest.raises(MalformedResponse, match="nests deeper than 32"):
        load_json(b"[" * 33 + b"]" * 33, what="commit")
    assert load_json(b"[" * 32 + b"]" * 32, what="commit") is not None


def test_a_document_with_few_brackets_is_not_counted_exactly(monkeypatch):
    """A commit's brackets are few whatever its size: the exact count is for the others."""

    def refuse(body: bytes) -> int:
        raise AssertionError("counted exactly")

    monkeypatch.setattr("providers.parsing.json_depth", refuse)
    commit = b'{"changes": {"cmi.suspend_data": "' + b"s000001" * 9_142 + b'"}, "result": {}}'
    assert load_json(commit, what="commit")["result"] == {}
    with pytest.raises(AssertionError, match="counted exactly"):
        load_json(b'["' + b"[" * 40 + b'"]', what="commit")


def test_brackets_in_strings_do_not_refuse_a_shallow_document():
    assert load_json(b'{"a": "' + b"[{" * 100 + b'"}', what="commit") == {"a": "[{" * 100}
