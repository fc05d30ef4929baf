"""DeltaBlue: an incremental one-way constraint solver on chains and projections (classes).

Written for Pyvorin's benchmarks from the algorithm's publication: B. Freeman-Benson,
J. Maloney and A. Borning, "An Incremental Constraint Solver", Communications of the ACM
33(1), 1990. The two workloads are the classic DeltaBlue benchmark's: a chain of equality
constraints driven by an edit constraint at one end, and a projection of many variables
through scale-and-offset constraints whose scale and offset are then edited.
Objects, method dispatch through a class hierarchy, lists of objects and attribute updates.
"""

from __future__ import annotations

BENCH_SIZE = 20000
QUICK_SIZE = 20

# Strengths: a smaller number is stronger.
REQUIRED = 0
STRONG_PREFERRED = 1
PREFERRED = 2
STRONG_DEFAULT = 3
NORMAL = 4
WEAK_DEFAULT = 5
WEAKEST = 6

# Directions of a binary constraint.
NONE = 0
FORWARD = 1
BACKWARD = 2


def stronger(a: int, b: int) -> bool:
    return a < b


def weaker(a: int, b: int) -> bool:
    return a > b


def weakest_of(a: int, b: int) -> int:
    return a if a > b else b


class Variable:
    def __init__(self, name: str, value: int) -> None:
        self.name = name
        self.value = value
        self.constraints: list[Constraint] = []
        self.determined_by: Constraint | None = None
        self.walk_strength = WEAKEST
        self.stay = True
        self.mark = 0

    def add_constraint(self, c: Constraint) -> None:
        self.constraints.append(c)

    def remove_constraint(self, c: Constraint) -> None:
        self.constraints = [d for d in self.constraints if d is not c]
        if self.determined_by is c:
            self.determined_by = None


class Constraint:
    def __init__(self, strength: int) -> None:
        self.strength = strength

    # --- what every kind of constraint defines
    def is_satisfied(self) -> bool:
        raise NotImplementedError

    def add_to_graph(self) -> None:
        raise NotImplementedError

    def remove_from_graph(self) -> None:
        raise NotImplementedError

    def choose_method(self, mark: int) -> None:
        raise NotImplementedError

    def mark_inputs(self, mark: int) -> None:
        raise NotImplementedError

    def inputs_known(self, mark: int) -> bool:
        raise NotImplementedError

    def output(self) -> Variable:
        raise NotImplementedError

    def mark_unsatisfied(self) -> None:
        raise NotImplementedError

    def recalculate(self) -> None:
        raise NotImplementedError

    def execute(self) -> None:
        raise NotImplementedError

    def is_input(self) -> bool:
        return False

    # --- shared behaviour
    def satisfy(self, mark: int, planner: Planner) -> Constraint | None:
        """Try to satisfy this constraint; return the constraint it overrides, if any."""
        self.choose_method(mark)
        if not self.is_satisfied():
            if self.strength == REQUIRED:
                raise RuntimeError("could not satisfy a required constraint")
            return None
        self.mark_inputs(mark)
        out = self.output()
        overridden = out.determined_by
        if overridden is not None:
            overridden.mark_unsatisfied()
        out.determined_by = self
        if not planner.add_propagate(self, mark):
            raise RuntimeError("cycle encountered")
        out.mark = mark
        return overridden

    def add(self, planner: Planner) -> None:
        self.add_to_graph()
        planner.incremental_add(self)

    def destroy(self, planner: Planner) -> None:
        if self.is_satisfied():
            planner.incremental_remove(self)
        else:
            self.remove_from_graph()


class UnaryConstraint(Constraint):
    def __init__(self, v: Variable, strength: int, planner: Planner) -> None:
        super().__init__(strength)
        self.my_output = v
        self.satisfied = False
        self.add(planner)

    def is_satisfied(self) -> bool:
        return self.satisfied

    def add_to_graph(self) -> None:
        self.my_output.add_constraint(self)
        self.satisfied = False

    def remove_from_graph(self) -> None:
        self.my_output.remove_constraint(self)
        self.satisfied = False

    def choose_method(self, mark: int) -> None:
        v = self.my_output
        self.satisfied = v.mark != mark and stronger(self.strength, v.walk_strength)

    def mark_inputs(self, mark: int) -> None:
        pass  # no inputs

    def inputs_known(self, mark: int) -> bool:
        return True

    def output(self) -> Variable:
        return self.my_output

    def mark_unsatisfied(self) -> None:
        self.satisfied = False

    def recalculate(self) -> None:
        v = self.my_output
        v.walk_strength = self.strength
        v.stay = not self.is_input()
        if v.stay:
            self.execute()

    def execute(self) -> None:
        pass  # a stay or an edit constraint keeps the value it has


class StayConstraint(UnaryConstraint):
    """The variable should keep its value."""


class EditConstraint(UnaryConstraint):
    """The variable's value comes from outside (the user)."""

    def is_input(self) -> bool:
        return True


class BinaryConstraint(Constraint):
    def __init__(self, v1: Variable, v2: Variable, strength: int) -> None:
        super().__init__(strength)
        self.v1 = v1
        self.v2 = v2
        self.direction = NONE

    def is_satisfied(self) -> bool:
        return self.direction != NONE

    def add_to_graph(self) -> None:
        self.v1.add_constraint(self)
        self.v2.add_constraint(self)
        self.direction = NONE

    def remove_from_graph(self) -> None:
        self.v1.remove_constraint(self)
        self.v2.remove_constraint(self)
        self.direction = NONE

    def choose_method(self, mark: int) -> None:
        v1, v2 = self.v1, self.v2
        if v1.mark == mark:
            ok = v2.mark != mark and stronger(self.strength, v2.walk_strength)
            self.direction = FORWARD if ok else NONE
            return
        if v2.mark == mark:
            ok = v1.mark != mark and stronger(self.strength, v1.walk_strength)
            self.direction = BACKWARD if ok else NONE
            return
        if weaker(v1.walk_strength, v2.walk_strength):
            self.direction = BACKWARD if stronger(self.strength, v1.walk_strength) else NONE
        else:
            self.direction = FORWARD if stronger(self.strength, v2.walk_strength) else BACKWARD

    def input(self) -> Variable:
        return self.v1 if self.direction == FORWARD else self.v2

    def output(self) -> Variable:
        return self.v2 if self.direction == FORWARD else self.v1

    def mark_inputs(self, mark: int) -> None:
        self.input().mark = mark

    def inputs_known(self, mark: int) -> bool:
        i = self.input()
        return i.mark == mark or i.stay or i.determined_by is None

    def mark_unsatisfied(self) -> None:
        self.direction = NONE

    def recalculate(self) -> None:
        source = self.input()
        out = self.output()
        out.walk_strength = weakest_of(self.strength, source.walk_strength)
        out.stay = source.stay
        if out.stay:
            self.execute()


class EqualityConstraint(BinaryConstraint):
    """v2 equals v1 (or v1 equals v2, whichever way the solver runs it)."""

    def __init__(self, v1: Variable, v2: Variable, strength: int, planner: Planner) -> None:
        super().__init__(v1, v2, strength)
        self.add(planner)

    def execute(self) -> None:
        self.output().value = self.input().value


class ScaleConstraint(BinaryConstraint):
    """dest = src * scale + offset (run forwards or backwards)."""

    def __init__(
        self,
        src: Variable,
        scale: Variable,
        offset: Variable,
        dest: Variable,
        strength: int,
        planner: Planner,
    ) -> None:
        super().__init__(src, dest, strength)
        self.scale = scale
        self.offset = offset
        self.add(planner)

    def add_to_graph(self) -> None:
        super().add_to_graph()
        self.scale.add_constraint(self)
        self.offset.add_constraint(self)

    def remove_from_graph(self) -> None:
        super().remove_from_graph()
        self.scale.remove_constraint(self)
        self.offset.remove_constraint(self)

    def mark_inputs(self, mark: int) -> None:
        super().mark_inputs(mark)
        self.scale.mark = mark
        self.offset.mark = mark

    def execute(self) -> None:
        if self.direction == FORWARD:
            self.v2.value = self.v1.value * self.scale.value + self.offset.value
        else:
            self.v1.value = (self.v2.value - self.offset.value) // self.scale.value

    def recalculate(self) -> None:
        source = self.input()
        out = self.output()
        out.walk_strength = weakest_of(self.strength, source.walk_strength)
        out.stay = source.stay and self.scale.stay and self.offset.stay
        if out.stay:
            self.execute()


class Planner:
    def __init__(self) -> None:
        self.current_mark = 0

    def new_mark(self) -> int:
        self.current_mark += 1
        return self.current_mark

    def incremental_add(self, c: Constraint) -> None:
        mark = self.new_mark()
        overridden = c.satisfy(mark, self)
        while overridden is not None:
            overridden = overridden.satisfy(mark, self)

    def incremental_remove(self, c: Constraint) -> None:
        out = c.output()
        c.mark_unsatisfied()
        c.remove_from_graph()
        unsatisfied = self.remove_propagate_from(out)
        for strength in range(REQUIRED, WEAKEST):
            for u in unsatisfied:
                if u.strength == strength:
                    self.incremental_add(u)

    def add_propagate(self, c: Constraint, mark: int) -> bool:
        todo = [c]
        while todo:
            d = todo.pop()
            if d.output().mark == mark:
                self.incremental_remove(c)
                return False
            d.recalculate()
            self.add_constraints_consuming_to(d.output(), todo)
        return True

    def remove_propagate_from(self, out: Variable) -> list[Constraint]:
        out.determined_by = None
        out.walk_strength = WEAKEST
        out.stay = True
        unsatisfied: list[Constraint] = []
        todo = [out]
        while todo:
            v = todo.pop()
            for c in v.constraints:
                if not c.is_satisfied():
                    unsatisfied.append(c)
            determining = v.determined_by
            for c in v.constraints:
                if c is not determining and c.is_satisfied():
                    c.recalculate()
                    todo.append(c.output())
        return unsatisfied

    def add_constraints_consuming_to(self, v: Variable, todo: list[Constraint]) -> None:
        determining = v.determined_by
        for c in v.constraints:
            if c is not determining and c.is_satisfied():
                todo.append(c)

    def make_plan(self, sources: list[Constraint]) -> list[Constraint]:
        mark = self.new_mark()
        plan: list[Constraint] = []
        todo = list(reversed(sources))
        while todo:
            c = todo.pop()
            out = c.output()
            if out.mark != mark and c.inputs_known(mark):
                plan.append(c)
                out.mark = mark
                self.add_constraints_consuming_to(out, todo)
        return plan

    def extract_plan(self, constraints: list[Constraint]) -> list[Constraint]:
        sources = [c for c in constraints if c.is_input() and c.is_satisfied()]
        return self.make_plan(sources)


def run_plan(plan: list[Constraint]) -> None:
    for c in plan:
        c.execute()


def chain_test(n: int) -> int:
    """v0 = v1 = ... = vn; editing v0 must reach vn. Returns the sum of vn's values."""
    planner = Planner()
    variables = [Variable("v" + str(i), 0) for i in range(n + 1)]
    for i in range(n):
        EqualityConstraint(variables[i], variables[i + 1], REQUIRED, planner)
    first = variables[0]
    last = variables[n]
    StayConstraint(last, STRONG_DEFAULT, planner)
    edit = EditConstraint(first, PREFERRED, planner)
    plan = planner.extract_plan([edit])
    total = 0
    for value in range(100):
        first.value = value
        run_plan(plan)
        if last.value != value:
            raise RuntimeError(f"chain test failed: {last.value} != {value}")
        total += last.value
    edit.destroy(planner)
    return total


def change(planner: Planner, v: Variable, value: int) -> None:
    edit = EditConstraint(v, PREFERRED, planner)
    plan = planner.extract_plan([edit])
    for _ in range(10):
        v.value = value
        run_plan(plan)
    edit.destroy(planner)


def projection_test(n: int) -> int:
    """dst_i = src_i * scale + offset for n pairs; edit each side and the parameters."""
    planner = Planner()
    scale = Variable("scale", 10)
    offset = Variable("offset", 1000)
    src = Variable("src", 0)
    dst = Variable("dst", 0)
    dests: list[Variable] = []
    for i in range(n):
        src = Variable("src" + str(i), i)
        dst = Variable("dst" + str(i), i)
        dests.append(dst)
        StayConstraint(src, NORMAL, planner)
        ScaleConstraint(src, scale, offset, dst, REQUIRED, planner)
    change(planner, src, 17)
    if dst.value != 1170:
        raise RuntimeError("projection test 1 failed")
    change(planner, dst, 1050)
    if src.value != 5:
        raise RuntimeError("projection test 2 failed")
    change(planner, scale, 5)
    for i in range(n - 1):
        if dests[i].value != i * 5 + 1000:
            raise RuntimeError("projection test 3 failed")
    change(planner, offset, 2000)
    checksum = 0
    for i in range(n - 1):
        if dests[i].value != i * 5 + 2000:
            raise RuntimeError("projection test 4 failed")
        checksum += dests[i].value
    return checksum + src.value + dst.value


def main(n: int) -> tuple[int, int]:
    """Both DeltaBlue workloads on ``n`` variables: (chain checksum, projection checksum)."""
    return (chain_test(n), projection_test(n))
