"""The interval reasoning behind the lints is sound: it agrees with evaluating the condition."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dunforce.dsl import ast, intervals
from dunforce.dsl.format import format_expr
from dunforce.dsl.parser import parse

INTS = ("x", "y")
TEXTS = ("a", "b", "c")


def evaluate(expr, env):
    """A direct evaluator for the generated conditions (the reference the DNF must match)."""
    if isinstance(expr, ast.Name):
        return env[expr.id]
    if isinstance(expr, ast.Literal):
        return expr.value
    if isinstance(expr, ast.Unary):
        return not evaluate(expr.operand, env)
    if isinstance(expr, ast.BoolOp):
        values = [evaluate(o, env) for o in expr.operands]
        return all(values) if expr.op == "and" else any(values)
    if isinstance(expr, ast.IsSet):
        return (env.get(expr.name.id) is not None) != expr.negated
    if isinstance(expr, ast.In):
        return (evaluate(expr.left, env) in [o.value for o in expr.options]) != expr.negated
    if isinstance(expr, ast.Compare):
        left, right = evaluate(expr.left, env), evaluate(expr.right, env)
        return {
            "==": left == right,
            "!=": left != right,
            "<": left < right,
            "<=": left <= right,
            ">": left > right,
            ">=": left >= right,
        }[expr.op]
    raise AssertionError(expr)


def holds(dnf, env):
    def satisfied(key, constraint):
        if isinstance(key, tuple) and key[0] == "set":
            value = env.get(key[1]) is not None
        elif isinstance(key, tuple):
            value = evaluate(parse(f"profile p: {key[1]}\n").profiles[0].condition, env)
        else:
            value = env[key]
        if isinstance(constraint, intervals.Values):
            return (value in constraint.values) != constraint.exclude
        lo_ok = (
            constraint.low is None
            or value > constraint.low
            or (constraint.low_closed and value == constraint.low)
        )
        hi_ok = (
            constraint.high is None
            or value < constraint.high
            or (constraint.high_closed and value == constraint.high)
        )
        return lo_ok and hi_ok

    return any(all(satisfied(k, c) for k, c in term.items()) for term in dnf)


def quoted(values) -> str:
    return ", ".join('"' + v + '"' for v in values)


small = st.integers(-3, 3)
int_atom = st.builds(
    lambda n, op, v, flip: f"{v} {op} {n}" if flip else f"{n} {op} {v}",
    st.sampled_from(INTS),
    st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
    small,
    st.booleans(),
)
text_atom = st.one_of(
    st.builds(lambda op, v: f't {op} "{v}"', st.sampled_from(["==", "!="]), st.sampled_from(TEXTS)),
    st.builds(
        lambda neg, vs: f"t {'not in' if neg else 'in'} [{quoted(vs)}]",
        st.booleans(),
        st.lists(st.sampled_from(TEXTS), max_size=3),
    ),
    st.builds(lambda n: f"x {'<' if n else '>'} y", st.booleans()),
    st.sampled_from(["b", "not b", "true", "false", "x in [1, 2]"]),
)
conditions = st.recursive(
    st.one_of(int_atom, text_atom),
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a} and {b})", inner, inner),
        st.builds(lambda a, b: f"({a} or {b})", inner, inner),
        st.builds(lambda a: f"not ({a})", inner),
    ),
    max_leaves=6,
)
envs = st.fixed_dictionaries(
    {"x": small, "y": small, "t": st.sampled_from(TEXTS), "b": st.booleans()}
)


def condition_of(text):
    return parse(f"profile p: {text}\n").profiles[0].condition


@settings(max_examples=300, deadline=None)
@given(conditions, st.lists(envs, min_size=1, max_size=8))
def test_dnf_agrees_with_evaluation(text, environments):
    expr = condition_of(text)
    dnf = intervals.to_dnf(expr)
    if dnf is None:
        return
    for env in environments:
        assert holds(dnf, env) == evaluate(expr, env), (format_expr(expr), env)


@settings(max_examples=300, deadline=None)
@given(conditions, conditions, st.lists(envs, min_size=1, max_size=8))
def test_covering_is_sound(a_text, b_text, environments):
    a, b = condition_of(a_text), condition_of(b_text)
    dnf_a, dnf_b = intervals.to_dnf(a), intervals.to_dnf(b)
    if dnf_a is None or intervals.covering(dnf_a, [dnf_b]) is None:
        return
    for env in environments:
        assert not evaluate(a, env) or evaluate(b, env), (a_text, b_text, env)


def test_never_true_recognises_contradictions():
    assert intervals.never_true(intervals.to_dnf(condition_of("x > 3 and x < 2")))
    assert intervals.never_true(intervals.to_dnf(condition_of('t == "a" and t == "b"')))
    assert not intervals.never_true(intervals.to_dnf(condition_of("x > 3 or x < 2")))


def test_interval_containment():
    within = intervals.Interval(1, True, 5, False).within
    assert within(intervals.Interval(0, True, 5, False))
    assert not within(intervals.Interval(1, False, 5, False))
    assert intervals.Interval(3, True, 3, False).is_empty()
