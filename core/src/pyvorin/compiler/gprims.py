"""The generic tier's primitive operations: one C-API (or runtime) call each.

An entry is ``(template, result)``: ``template`` is C with ``{0}``, ``{1}``... for the
operands; ``result`` says what the call returns and how failure shows:

- ``obj``: a new reference, NULL on error;
- ``cint``: a C int, negative on error;
- ``cint_ok``: a C int that cannot fail;
- ``obj_ok``: a new reference that cannot fail;
- ``void``: a statement that cannot fail;
- ``fail``: a statement that always leaves an exception set (raise).

These are the same functions the interpreter calls for the corresponding bytecode, so
the compiled code's behaviour is the interpreter's by construction. Operators, truth
tests, subscripts and ``in`` go through the exact-type fast paths of
``runtime/pv_fast.h`` (``pv_add``, ``pv_richcompare``, ``pv_getitem``...), which compute
exact ints, floats, strs, dicts, lists and tuples inline as the types' own slots do and
call the same C-API function for every other operand.
"""

from __future__ import annotations

BINARY = {
    "Add": "PyNumber_Add",
    "Sub": "PyNumber_Subtract",
    "Mult": "PyNumber_Multiply",
    "Div": "PyNumber_TrueDivide",
    "FloorDiv": "PyNumber_FloorDivide",
    "Mod": "PyNumber_Remainder",
    "LShift": "PyNumber_Lshift",
    "RShift": "PyNumber_Rshift",
    "BitAnd": "PyNumber_And",
    "BitOr": "PyNumber_Or",
    "BitXor": "PyNumber_Xor",
    "MatMult": "PyNumber_MatrixMultiply",
}
INPLACE = {
    "Add": "PyNumber_InPlaceAdd",
    "Sub": "PyNumber_InPlaceSubtract",
    "Mult": "PyNumber_InPlaceMultiply",
    "Div": "PyNumber_InPlaceTrueDivide",
    "FloorDiv": "PyNumber_InPlaceFloorDivide",
    "Mod": "PyNumber_InPlaceRemainder",
    "LShift": "PyNumber_InPlaceLshift",
    "RShift": "PyNumber_InPlaceRshift",
    "BitAnd": "PyNumber_InPlaceAnd",
    "BitOr": "PyNumber_InPlaceOr",
    "BitXor": "PyNumber_InPlaceXor",
    "MatMult": "PyNumber_InPlaceMatrixMultiply",
}
COMPARE = {
    "Lt": "Py_LT",
    "LtE": "Py_LE",
    "Gt": "Py_GT",
    "GtE": "Py_GE",
    "Eq": "Py_EQ",
    "NotEq": "Py_NE",
}

# Operators with exact-type fast paths (runtime/pv_fast.h): pv_<name>(a, b) and the
# in-place pv_i<name>(a, b) compute exact ints, floats and strs inline and call the
# function above for every other operand.
FAST_BINARY = {
    "Add": "add",
    "Sub": "sub",
    "Mult": "mul",
    "Div": "truediv",
    "FloorDiv": "floordiv",
    "Mod": "mod",
    "LShift": "lshift",
    "RShift": "rshift",
    "BitAnd": "and",
    "BitOr": "or",
    "BitXor": "xor",
}

PRIMS: dict[str, tuple[str, str]] = {}

for _op, _fn in BINARY.items():
    _fn = f"pv_{FAST_BINARY[_op]}" if _op in FAST_BINARY else _fn
    PRIMS[f"bin_{_op}"] = (f"{_fn}({{0}}, {{1}})", "obj")
for _op, _fn in INPLACE.items():
    _fn = f"pv_i{FAST_BINARY[_op]}" if _op in FAST_BINARY else _fn
    PRIMS[f"inplace_{_op}"] = (f"{_fn}({{0}}, {{1}})", "obj")
for _op, _c in COMPARE.items():  # pv_richcompare: PyObject_RichCompare with fast paths
    PRIMS[f"cmp_{_op}"] = (f"pv_richcompare({{0}}, {{1}}, {_c})", "obj")

PRIMS.update(
    {
        # `x += y` / `x = x + y` on a fast local x: {0} is x's register, {1} the value x
        # was read as, {2} the operand (both consumed); exact strs are appended to x in
        # place as CPython's BINARY_OP_INPLACE_ADD_UNICODE does (pv_fast.h)
        "iadd_local": ("pv_add_to_local(&{0}, &{1}, &{2}, 1)", "cint"),
        "add_local": ("pv_add_to_local(&{0}, &{1}, &{2}, 0)", "cint"),
        "bin_Pow": ("PyNumber_Power({0}, {1}, Py_None)", "obj"),
        "inplace_Pow": ("PyNumber_InPlacePower({0}, {1}, Py_None)", "obj"),
        "neg": ("PyNumber_Negative({0})", "obj"),
        "pos": ("PyNumber_Positive({0})", "obj"),
        "invert": ("PyNumber_Invert({0})", "obj"),
        "istrue": ("pv_istrue({0})", "cint"),
        "cint_not": ("!{0}", "cint_ok"),
        "bool_of": ("pv_bool({0})", "obj_ok"),
        "is": ("pv_bool({0} == {1})", "obj_ok"),
        "is_not": ("pv_bool({0} != {1})", "obj_ok"),
        "contains": ("pv_contains({1}, {0})", "cint"),
        "getattr": ("PyObject_GetAttr({0}, {1})", "obj"),
        "setattr": ("PyObject_SetAttr({0}, {1}, {2})", "cint"),
        "delattr": ("PyObject_SetAttr({0}, {1}, NULL)", "cint"),
        "getitem": ("pv_getitem({0}, {1})", "obj"),
        "setitem": ("pv_setitem({0}, {1}, {2})", "cint"),
        "delitem": ("PyObject_DelItem({0}, {1})", "cint"),
        "slice": ("pv_slice({0}, {1}, {2})", "obj"),
        "getiter": ("PyObject_GetIter({0})", "obj"),
        "none": ("(Py_INCREF(Py_None), Py_None)", "obj_ok"),
        "load_global": ("pv_load_global(pv_globals, pv_builtins, {0})", "obj"),
        "store_global": ("PyDict_SetItem(pv_globals, {0}, {1})", "cint"),
        "del_global": ("pv_delete_global(pv_globals, {0})", "cint"),
        "load_name": ("pv_load_name({0}, pv_globals, pv_builtins, {1})", "obj"),
        "store_name": ("PyObject_SetItem({0}, {1}, {2})", "cint"),
        "del_name": ("pv_delete_name({0}, {1})", "cint"),
        "load_classderef": ("pv_load_classderef({0}, {1}, {2})", "obj"),
        "cell_get": ("pv_cell_get({0}, {1})", "obj"),
        "cell_get_local": ("pv_cell_get_local({0}, {1})", "obj"),
        "cell_set": ("PyCell_Set({0}, {1})", "cint"),
        "cell_del_local": ("pv_cell_delete({0}, {1}, 1)", "cint"),
        "cell_del_free": ("pv_cell_delete({0}, {1}, 0)", "cint"),
        "new_cell": ("PyCell_New(NULL)", "obj"),
        "import_name": ("pv_import_name(pv_globals, {0}, {1}, {2})", "obj"),
        "import_from": ("pv_import_from({0}, {1})", "obj"),
        "import_star": ("pv_import_star({0}, {1})", "cint"),
        "raise": ("pv_raise({0}, {1})", "fail"),
        "reraise_handled": ("pv_reraise_handled()", "fail"),
        "restore_exc": ("pv_restore_exc({0}); {0} = NULL", "fail"),
        "fetch_exc": ("pv_fetch_exc()", "obj_ok"),
        "get_handled": ("pv_get_handled()", "obj_ok"),
        "set_handled": ("pv_set_handled({0})", "void"),
        "exc_match": ("pv_exc_match({0}, {1})", "cint"),
        "with_enter": ("pv_with_enter({0}, &{1})", "obj"),
        "with_exit_ok": ("pv_with_exit_ok({0})", "cint"),
        "with_exit_exc": ("pv_with_exit_exc({0}, {1})", "cint"),
        "format_value": ("pv_format_value({0}, {1}, {2})", "obj"),
        "star_args": ("pv_star_args({0}, {1})", "obj"),
        "merge_kwargs": ("pv_merge_kwargs({0}, {1}, {2})", "cint"),
        "call_ex": ("PyObject_Call({0}, {1}, {2})", "obj"),
        "list_append": ("PyList_Append({0}, {1})", "cint"),
        "list_extend": ("pv_list_extend({0}, {1})", "cint"),
        "list_to_tuple": ("PyList_AsTuple({0})", "obj"),
        "set_add": ("PySet_Add({0}, {1})", "cint"),
        "set_update": ("pv_set_update({0}, {1})", "cint"),
        "dict_setitem": ("PyDict_SetItem({0}, {1}, {2})", "cint"),
        "dict_update": ("pv_dict_update({0}, {1})", "cint"),
        "new_list": ("PyList_New(0)", "obj"),
        "new_dict": ("PyDict_New()", "obj"),
        "new_set": ("PySet_New(NULL)", "obj"),
        "make_function": (
            "pv_function_new(&{0}, {1}, pv_modname, pv_globals, {2}, {3}, {4}, {5})",
            "obj",
        ),
        "build_class": ("pv_build_class({0}, {1}, {2}, {3}, {4})", "obj"),
        "setup_annotations": ("pv_setup_annotations({0})", "cint"),
        "store_annotation": ("pv_store_annotation({0}, {1}, {2})", "cint"),
        "asserts_enabled": ("pv_asserts_enabled()", "cint_ok"),
        "assertion_error": ("(Py_INCREF(PyExc_AssertionError), PyExc_AssertionError)", "obj_ok"),
        "super0": ("pv_super0({0}, {1}, {2})", "obj"),
        "yf_iter": ("pv_yf_iter({0})", "obj"),
        # coroutines (runtime/pv_coroutine.c): GET_AWAITABLE (0 await, 1 __aenter__'s
        # result, 2 __aexit__'s), GET_AITER, GET_ANEXT, END_ASYNC_FOR's test, async with
        "get_awaitable": ("pv_get_awaitable({0}, {1})", "obj"),
        "get_aiter": ("pv_get_aiter({0})", "obj"),
        "get_anext": ("pv_get_anext({0})", "obj"),
        "is_stop_async": ("pv_is_stop_async({0})", "cint_ok"),
        "async_with_enter": ("pv_async_with_enter({0}, &{1})", "obj"),
        "async_with_exit_ok": ("pv_async_with_exit_ok({0})", "obj"),
        "async_with_exit_exc": ("pv_async_with_exit_exc({0}, {1})", "obj"),
        "tuple_from_iter": ("PySequence_Tuple({0})", "obj"),
        "call_globals": ("pv_call_globals({0}, pv_globals, pv_builtins)", "obj"),
        # pattern matching (runtime/pv_match.c): MATCH_SEQUENCE, MATCH_MAPPING, GET_LEN and
        # its comparison, BINARY_SUBSCR of a sequence pattern, MATCH_KEYS, **rest, MATCH_CLASS
        "match_sequence": ("((Py_TYPE({0})->tp_flags & Py_TPFLAGS_SEQUENCE) != 0)", "cint_ok"),
        "match_mapping": ("((Py_TYPE({0})->tp_flags & Py_TPFLAGS_MAPPING) != 0)", "cint_ok"),
        "match_len": ("pv_match_len({0}, {1}, {2})", "cint"),
        "match_item": ("pv_match_item({0}, {1})", "obj"),
        "match_item_from_end": ("pv_match_item_from_end({0}, {1})", "obj"),
        "match_keys": ("pv_match_keys({0}, {1}, &{2})", "cint"),
        "match_rest": ("pv_match_rest({0}, {1})", "obj"),
        "match_class": ("pv_match_class({0}, {1}, {2}, {3}, &{4})", "cint"),
        "is_c": ("({0} == {1})", "cint_ok"),
        # except* (runtime/pv_excgroup.c): CHECK_EG_MATCH (the rest updated in place, the
        # match returned), PREP_RERAISE_STAR
        "eg_match": ("pv_eg_match(&{0}, {1}, {2}, pv_filename, {3})", "obj"),
        "prep_reraise_star": ("pv_prep_reraise_star({0}, {1})", "obj"),
    }
)

# The arguments a primitive that writes them (``&{i}``) leaves set, never NULL, when it
# succeeds (the definite-assignment pass of gtransform.py counts them as bound there).
BINDS: dict[str, frozenset[int]] = {
    "iadd_local": frozenset({0}),
    "add_local": frozenset({0}),
}


def template(name: str) -> tuple[str, str]:
    return PRIMS[name]
