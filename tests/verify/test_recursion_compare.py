"""RecursionError: type and the common message are compared, not CPython's unstable suffix."""

from pyvorin.verify.compare import compare


def _raise(type_: str, message: str) -> dict:
    return {"kind": "raise", "type": type_, "message": message, "mutated": None}


def test_recursion_suffix_is_not_a_finding() -> None:
    a = _raise("RecursionError", "maximum recursion depth exceeded in comparison")
    b = _raise("RecursionError", "maximum recursion depth exceeded")
    assert not compare(a, b, 1.0)


def test_other_recursion_and_message_differences_are_findings() -> None:
    a = _raise("RecursionError", "maximum recursion depth exceeded")
    assert compare(a, _raise("RuntimeError", "maximum recursion depth exceeded"), 1.0)
    assert compare(a, _raise("RecursionError", "something else"), 1.0)
    assert compare(_raise("ValueError", "x"), _raise("ValueError", "y"), 1.0)
