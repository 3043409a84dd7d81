#!/usr/bin/env python3
"""Writes a random program and its reference, for differential testing of
corofy's control-flow lowering.

For one seed it writes two C++20 programs that include
Inputs/random_support.hpp:

- the coroutine program: functions declared coroutine<int> or
  coroutine<void> whose bodies wait (on Later<T> leaf futures and on
  coroutines defined earlier in the file) inside nested blocks, if/else,
  while, do, for and switch, with break, continue, return, [[fallthrough]],
  int locals and Tracked objects (which print their construction and
  destruction); main() runs each of them with corofy::block_on();
- the reference program: the same code with coroutine<T> replaced by T,
  wait(Later<T>(...)) by block(Later<T>(...)) (polls until ready),
  wait(g(...)) by g(...), `return {};` by `return;` and
  corofy::block_on(f(...)) by f(...).

Once corofy has rewritten the coroutine program, both must print exactly the
same text. The output is a function of the seed and the options only.

    generate.py --seed 7 --coroutine-out co.cpp --reference-out ref.cpp

The generated code waits as a statement, `wait(F);`, in `T x = wait(F);`,
`x = wait(F);` (and `+=`, `-=`), `return wait(F);`, and inside larger
expressions: operands, arguments of nested calls that print, the right of
&& and the arms of ?:.
It compiles with -Wall -Wextra -Werror: every int local is read, every loop
is bounded (counters advance at the top of while and do bodies, so a
continue cannot skip them), declarations inside a case are braced, every
case that does not jump ends with break or [[fallthrough]], and a
coroutine<int> ends with a return. Values stay small (stored values are
reduced modulo a constant), so there is no overflow, and a cost bound keeps
the output of a program short.
"""

import argparse
import random
import sys

# Names of ordinary int locals: reused in sibling blocks and shadowed in
# nested ones, to exercise corofy's naming of frame members.
POOL = ["a", "b", "c", "d", "e", "x", "y", "z"]
# Names that corofy's state machines use themselves: a local of the same name
# must not capture them.
EXTRA_POOL = ["result", "cx", "polled1", "polled2", "state_", "wait1_", "wait2_", "self", "done", "resume_wait1"]
MODULI = [7, 13, 101, 1009]


class Var:
    def __init__(self, name, kind, assignable=True):
        self.name = name
        self.kind = kind  # "int" or "Tracked"
        self.assignable = assignable
        self.used = kind != "int"


class Fn:
    def __init__(self, name, ret, params):
        self.name = name
        self.ret = ret  # "int" or "void"
        self.params = params
        self.cost = 0


class Ctx:
    """Where a statement is generated."""

    def __init__(self, depth=0, mult=1, loop=False, breakable=False):
        self.depth = depth  # nesting of control statements
        self.mult = mult  # bound on how often the statement runs per call
        self.loop = loop  # continue is allowed
        self.breakable = breakable  # break is allowed

    def inner(self, **changes):
        c = Ctx(self.depth + 1, self.mult, self.loop, self.breakable)
        for k, v in changes.items():
            setattr(c, k, v)
        return c


class Wait:
    """A wait on a future: its text in the coroutine and in the reference."""

    def __init__(self, coro, ref, output):
        self.coro = coro
        self.ref = ref
        self.output = output  # "int" or "void"


class Generator:
    def __init__(self, seed, coroutines=12, max_depth=3, statements=14, budget=250):
        self.rng = random.Random(seed)
        self.seed = seed
        self.num_fns = coroutines
        self.max_depth = max_depth
        self.statements = statements
        self.budget = budget
        self.fns = []
        self.hidden = set()  # names whose declaration is being generated
        self.counter = 0  # unique suffixes of labels, counters, header variables
        self.tracked = 0

    # ---- helpers -------------------------------------------------------

    def fresh(self, prefix):
        self.counter += 1
        return "%s%d" % (prefix, self.counter)

    def chance(self, p):
        return self.rng.random() < p

    def pick(self, weighted):
        """weighted: list of (weight, value); zero weights are skipped."""
        total = sum(w for w, _ in weighted if w > 0)
        r = self.rng.uniform(0, total)
        for w, v in weighted:
            if w <= 0:
                continue
            r -= w
            if r <= 0:
                return v
        return [v for w, v in weighted if w > 0][-1]

    def lookup(self, name):
        for scope in reversed(self.scopes):
            for v in reversed(scope):
                if v.name == name:
                    return v
        return None

    def visible(self, kind, assignable=False):
        """The variables of a kind that a name reaches (innermost binding)."""
        seen = set()
        out = []
        for scope in reversed(self.scopes):
            for v in reversed(scope):
                if v.name in seen:
                    continue
                seen.add(v.name)
                if v.name in self.hidden:
                    continue
                if v.kind == kind and (v.assignable or not assignable):
                    out.append(v)
        return out

    def declare(self, var):
        self.scopes[-1].append(var)
        return var

    def new_local_name(self):
        here = {v.name for v in self.scopes[-1]}
        pool = EXTRA_POOL if self.chance(0.12) else POOL
        free = [n for n in pool if n not in here and self.lookup(n) is None]
        shadowing = [n for n in pool if n not in here and self.lookup(n) is not None]
        if free and (not shadowing or self.chance(0.75)):
            return self.rng.choice(free)
        if shadowing:
            return self.rng.choice(shadowing)
        return self.fresh("l")

    def spend(self, ctx, cost=1):
        self.cost += ctx.mult * cost
        self.stmt_budget -= 1

    # ---- expressions ---------------------------------------------------

    def atom(self):
        ints = self.visible("int")
        if ints and self.chance(0.7):
            v = self.rng.choice(ints)
            v.used = True
            return v.name
        return str(self.rng.randint(0, 9))

    def expr(self):
        """An int expression whose value is small (|value| < 1009)."""
        kind = self.rng.randrange(6)
        m = self.rng.choice(MODULI)
        if kind == 0:
            return str(self.rng.randint(0, 20))
        if kind == 1:
            return "(%s + %s) %% %d" % (self.atom(), self.atom(), m)
        if kind == 2:
            return "(%s * %d + %s) %% %d" % (self.atom(), self.rng.randint(2, 5), self.atom(), m)
        if kind == 3:
            return "(%s - %s) %% %d" % (self.atom(), self.atom(), m)
        if kind == 4:
            return "(%s + %d) %% %d" % (self.atom(), self.rng.randint(1, 9), m)
        return "(%s * %d + %s - %s) %% %d" % (
            self.atom(), self.rng.randint(2, 3), self.atom(), self.atom(), m)

    def two_atoms(self):
        """Two different operands: comparing a variable with itself warns."""
        a, b = self.atom(), self.atom()
        if a == b:
            b = str(int(a) + 1) if a.isdigit() else str(self.rng.randint(0, 9))
        return a, b

    def mod_cond(self):
        if self.chance(0.5):
            return "%s %% 2 == %d" % (self.atom(), self.rng.randint(0, 1))
        return "(%s + %s) %% 3 != %d" % (self.atom(), self.atom(), self.rng.randint(0, 2))

    def cond1(self):
        kind = self.rng.randrange(5)
        if kind == 0:
            return "%s < %s" % self.two_atoms()
        if kind == 1:
            return "%s > %d" % (self.atom(), self.rng.randint(0, 6))
        if kind == 2:
            return "%s != %s" % self.two_atoms()
        return self.mod_cond()

    def cond(self):
        if self.chance(0.2):
            # At most one side compares a variable with a constant: two such
            # sides on one variable can warn (-Wtautological-overlap-compare).
            return "(%s) %s (%s)" % (self.cond1(), self.rng.choice(["&&", "||"]), self.mod_cond())
        return self.cond1()

    def switch_expr(self):
        v = self.rng.choice(self.visible("int"))
        v.used = True
        return "(%s + %s) %% 4" % (v.name, self.expr())

    def args(self, fn):
        return ", ".join(self.expr() for _ in fn.params)

    # ---- waits ---------------------------------------------------------

    def callees(self, ctx, output=None):
        out = []
        for fn in self.fns:
            if output is not None and fn.ret != output:
                continue
            if self.cost + ctx.mult * fn.cost > self.budget:
                continue
            out.append(fn)
        return out

    def future(self, ctx, output):
        """A Wait whose output is `output` ("int", "void" or None: any)."""
        calls = self.callees(ctx, output)
        if calls and self.chance(0.35):
            fn = self.rng.choice(calls)
            self.cost += ctx.mult * fn.cost
            call = "%s(%s)" % (fn.name, self.args(fn))
            return Wait("wait(%s)" % call, call, fn.ret)
        if output is None:
            output = self.rng.choice(["int", "void"])
        if output == "void":
            leaf = "Later<void>()"
        else:
            leaf = "Later<int>(%s)" % self.expr()
        return Wait("wait(%s)" % leaf, "block(%s)" % leaf, output)

    # ---- statements ----------------------------------------------------
    # A statement is a list of lines; a line is (indent, coroutine text,
    # reference text).

    def line(self, indent, coro, ref=None):
        return (indent, coro, coro if ref is None else ref)

    def simple(self, ind, ctx, jumps=True):
        """One statement without a declaration: it may stand alone as the
        branch of an if or the body of a for."""
        self.spend(ctx)
        ints = self.visible("int", assignable=True)
        tracked = self.visible("Tracked")
        kind = self.pick([
            (4, "wait"),
            (5 if ints else 0, "assign-wait"),
            (2 if ints else 0, "assign"),
            (2, "show"),
            (1 if tracked else 0, "touch"),
            (3 if jumps else 0, "jump"),
            (3 if ints else 0, "expr-wait"),
        ])
        if kind == "wait":
            w = self.future(ctx, None)
            return [self.line(ind, w.coro + ";", w.ref + ";")]
        if kind == "assign-wait":
            v = self.rng.choice(ints)
            op = self.pick([(3, "="), (3, "+="), (1, "-=")])
            w = self.future(ctx, "int")
            return [self.line(ind, "%s %s %s;" % (v.name, op, w.coro), "%s %s %s;" % (v.name, op, w.ref))]
        if kind == "assign":
            v = self.rng.choice(ints)
            op = self.pick([(2, "="), (2, "+="), (1, "-=")])
            return [self.line(ind, "%s %s %s;" % (v.name, op, self.expr()))]
        if kind == "touch":
            return [self.line(ind, 'touch("%s", %s);' % (self.fresh("p"), self.rng.choice(tracked).name))]
        if kind == "jump":
            return self.jump(ind, ctx)
        if kind == "expr-wait":
            return self.expression_wait(ind, ctx, self.rng.choice(ints))
        return [self.line(ind, 'show("%s", %s);' % (self.fresh("p"), self.expr()))]

    def expression_wait(self, ind, ctx, v):
        """Waits inside a larger expression: operands around them, function
        arguments with side effects before them, && || ?: guarding them.
        corofy evaluates left to right; so does clang for the reference."""
        a = self.future(ctx, "int")
        shape = self.rng.randrange(4)
        # "@" stands for the next wait; the rest is C++ as written.
        if shape == 0:
            waits = [a, self.future(ctx, "int")]
            text = v.name + " = (@ + @ * 3) % 1009;"
        elif shape == 1:
            waits = [a, self.future(ctx, "int")]
            text = (v.name + ' = mix("' + self.fresh("m") + '", mix("' +
                    self.fresh("m") + '", ' + self.expr() + ", @), @);")
        elif shape == 2:
            waits = [a]
            text = v.name + " += (" + self.cond1() + " && @ % 2 == 0) ? 1 : 2;"
        else:
            waits = [a, self.future(ctx, "int")]
            text = v.name + " = " + self.mod_cond() + " ? @ : (@ + 1) % 1009;"

        def fill(which):
            pieces = text.split("@")
            out = pieces[0]
            for w, rest in zip(waits, pieces[1:]):
                out += getattr(w, which) + rest
            return out
        coro, ref = fill("coro"), fill("ref")
        return [self.line(ind, coro, ref)]

    def jump(self, ind, ctx):
        kind = self.pick([
            (4 if ctx.breakable else 0, "break"),
            (3 if ctx.loop else 0, "continue"),
            (1, "return"),
        ])
        if kind != "return":
            return [self.line(ind, kind + ";")]
        return self.ret(ind, ctx)

    def ret(self, ind, ctx):
        if self.fn.ret == "void":
            return [self.line(ind, "return {};", "return;")]
        if self.chance(0.5):
            w = self.future(ctx, "int")
            return [self.line(ind, "return %s;" % w.coro, "return %s;" % w.ref)]
        return [self.line(ind, "return %s;" % self.expr())]

    def declaration(self, ind, ctx):
        self.spend(ctx)
        kind = self.pick([(5, "int-wait"), (2, "int"), (2, "tracked"),
                          (1 if self.visible("Tracked") else 0, "move")])
        if kind == "tracked" or kind == "move":
            self.tracked += 1
            name = "t%d" % self.tracked
            if kind == "move":
                src = self.rng.choice(self.visible("Tracked"))
                text = "Tracked %s(std::move(%s));" % (name, src.name)
            else:
                text = 'Tracked %s("%s");' % (name, name)
            self.declare(Var(name, "Tracked"))
            return [self.line(ind, text)]
        name = self.new_local_name()
        # The initializer sees the variable being declared, not one it
        # shadows: keep the name out of it.
        self.hidden.add(name)
        if kind == "int":
            text = [self.line(ind, "int %s = %s;" % (name, self.expr()))]
        else:
            w = self.future(ctx, "int")
            ty = self.pick([(6, "int"), (1, "auto")])
            text = [self.line(ind, "%s %s = %s;" % (ty, name, w.coro), "%s %s = %s;" % (ty, name, w.ref))]
        self.hidden.discard(name)
        self.declare(Var(name, "int"))
        return text

    def block(self, ind, ctx, header_vars=(), must_return=False, no_decl=False, term_p=0.25):
        """The statements of a block (without its braces). Returns (lines,
        ends_with_jump)."""
        self.scopes.append(list(header_vars))
        lines = []
        count = self.rng.randint(1, max(1, self.statements // (2 + ctx.depth * 2)))
        if ctx.depth == 0:
            count = max(count, self.statements // 2)
        for _ in range(count):
            if self.stmt_budget <= 0 and lines:
                break
            lines += self.statement(ind, ctx, no_decl)
        term = []
        if must_return:
            term = self.ret(ind, ctx)
        elif self.chance(term_p):
            term = self.jump(ind, ctx)
        uses = []
        for v in self.scopes[-1]:
            if not v.used:
                v.used = True
                uses.append(self.line(ind, 'show("%s", %s);' % (self.fresh("u"), v.name)))
        self.scopes.pop()
        return lines + uses + term, bool(term)

    def statement(self, ind, ctx, no_decl=False):
        deep = ctx.depth < self.max_depth and self.stmt_budget > 2
        loops = deep and ctx.mult <= 9  # at most three nested loops
        kind = self.pick([
            (6, "simple"),
            (0 if no_decl else 5, "decl"),
            (2 if deep else 0, "block"),
            (4 if deep else 0, "if"),
            (2 if loops else 0, "while"),
            (2 if loops else 0, "do"),
            (3 if loops else 0, "for"),
            (2 if deep else 0, "switch"),
        ])
        if kind == "simple":
            return self.simple(ind, ctx, jumps=False)
        if kind == "decl":
            return self.declaration(ind, ctx)
        self.spend(ctx)
        if kind == "block":
            body, _ = self.block(ind + 1, ctx.inner())
            return [self.line(ind, "{")] + body + [self.line(ind, "}")]
        if kind == "if":
            return self.if_stmt(ind, ctx)
        if kind == "switch":
            return self.switch_stmt(ind, ctx)
        return self.loop(ind, ctx, kind, no_decl)

    def branch(self, ind, ctx, opener, allow_else_if=False):
        """`opener` followed by a braced block, a lone statement or (for an
        else) another if. Returns lines; the first line is `opener ...`."""
        r = self.rng.random()
        if allow_else_if and r < 0.2 and ctx.depth < self.max_depth:
            inner = self.if_stmt(ind, ctx.inner(depth=ctx.depth))
            first = inner[0]
            return [(first[0], opener + " " + first[1], opener + " " + first[2])] + inner[1:]
        if r < 0.45:
            stmt = self.simple(ind + 1, ctx.inner())
            return [self.line(ind, opener)] + stmt
        body, _ = self.block(ind + 1, ctx.inner())
        return [self.line(ind, opener + " {")] + body + [self.line(ind, "}")]

    def join_else(self, then, els):
        """Attaches an else branch: `} else ...` after a braced then-branch."""
        last = then[-1]
        if last[1] == "}" and els[0][0] == last[0]:
            return then[:-1] + [(last[0], "} " + els[0][1], "} " + els[0][2])] + els[1:]
        return then + els

    def if_stmt(self, ind, ctx):
        header = self.pick([(6, "plain"), (1, "init-int"), (1, "init-tracked"), (1, "cond-decl")])
        hv = []
        self.scopes.append(hv)
        if header == "plain":
            head = "if (%s)" % self.cond()
        elif header == "init-int":
            name = self.fresh("h")
            init = self.expr()
            hv.append(Var(name, "int"))
            hv[-1].used = True
            head = "if (int %s = %s; %s %% %d == %d)" % (name, init, name, self.rng.randint(2, 3), self.rng.randint(0, 1))
        elif header == "init-tracked":
            self.tracked += 1
            name = "t%d" % self.tracked
            hv.append(Var(name, "Tracked"))
            head = 'if (Tracked %s("%s"); %s)' % (name, name, self.cond())
        else:
            name = self.fresh("h")
            init = self.expr()
            # Not assignable: a condition variable is not read by its
            # condition as far as -Wunused-but-set-variable is concerned.
            hv.append(Var(name, "int", assignable=False))
            head = "if (int %s = %s)" % (name, init)
        then = self.branch(ind, ctx, head)
        els = self.branch(ind, ctx, "else", allow_else_if=True) if self.chance(0.55) else None
        self.scopes.pop()
        for v in hv:
            if not v.used:
                # A condition variable must be read in a branch (the
                # condition itself does not count for -Wunused-but-set).
                use = self.line(ind + 1, 'show("%s", %s);' % (self.fresh("u"), v.name))
                if then[0][1].endswith("{"):
                    then = then[:1] + [use] + then[1:]
                else:
                    opener = then[0]
                    then = [(opener[0], opener[1] + " {", opener[2] + " {"), use] + then[1:] + [self.line(ind, "}")]
        if els:
            then = self.join_else(then, els)
        return then

    def loop(self, ind, ctx, kind, no_decl):
        trips = self.rng.randint(1, 3)
        body_ctx = ctx.inner(mult=ctx.mult * 3, loop=True, breakable=True)
        if kind == "for":
            i = self.fresh("i")
            form = self.rng.randrange(3)
            if form == 0:
                head = "for (int %s = 0; %s < %d; ++%s)" % (i, i, trips, i)
            elif form == 1:
                n = self.rng.choice(self.fn.params)
                head = "for (int %s = 0; %s < %s %% 4; ++%s)" % (i, i, n, i)
            else:
                head = "for (int %s = %d; %s > 0; --%s)" % (i, trips, i, i)
            iv = Var(i, "int", assignable=False)
            iv.used = True
            self.scopes.append([iv])
            if self.chance(0.3):
                out = [self.line(ind, head)] + self.simple(ind + 1, body_ctx)
            else:
                body, _ = self.block(ind + 1, body_ctx)
                out = [self.line(ind, head + " {")] + body + [self.line(ind, "}")]
            self.scopes.pop()
            return out
        # while and do: a counter declared before the loop, advanced first
        # thing in the body so that continue cannot skip it.
        wrap = no_decl or self.chance(0.3)
        k = self.fresh("k")
        kv = Var(k, "int", assignable=False)
        kv.used = True
        self.scopes.append([kv])
        base = ind + 1 if wrap else ind
        out = [self.line(base, "int %s = 0;" % k)]
        if kind == "do":
            body, _ = self.block(base + 1, body_ctx)
            out += [self.line(base, "do {"), self.line(base + 1, "++%s;" % k)] + body
            out += [self.line(base, "} while (%s < %d);" % (k, trips))]
        elif self.chance(0.3):
            body, _ = self.block(base + 1, body_ctx)
            out += [self.line(base, "while (true) {"), self.line(base + 1, "++%s;" % k),
                    self.line(base + 1, "if (%s > %d)" % (k, trips)), self.line(base + 2, "break;")]
            out += body + [self.line(base, "}")]
        else:
            body, _ = self.block(base + 1, body_ctx)
            out += [self.line(base, "while (%s < %d) {" % (k, trips)), self.line(base + 1, "++%s;" % k)]
            out += body + [self.line(base, "}")]
        self.scopes.pop()
        if wrap:
            out = [self.line(ind, "{")] + out + [self.line(ind, "}")]
        return out

    def switch_stmt(self, ind, ctx):
        header = self.pick([(5, "plain"), (1, "init-int"), (1, "init-tracked"), (1, "cond-decl")])
        hv = []
        self.scopes.append(hv)
        # The condition always reads a variable: a constant one that no case
        # matches warns.
        if header == "plain":
            head = "switch (%s)" % self.switch_expr()
        elif header == "init-int":
            name = self.fresh("h")
            head = "switch (int %s = %s; %s %% 4)" % (name, self.expr(), name)
            hv.append(Var(name, "int"))
            hv[-1].used = True
        elif header == "init-tracked":
            self.tracked += 1
            name = "t%d" % self.tracked
            head = 'switch (Tracked %s("%s"); %s)' % (name, name, self.switch_expr())
            hv.append(Var(name, "Tracked"))
        else:
            name = self.fresh("h")
            head = "switch (int %s = %s)" % (name, self.switch_expr())
            hv.append(Var(name, "int", assignable=False))
        labels = ["case %d:" % v for v in self.rng.sample([-1, 0, 1, 2, 3], self.rng.randint(1, 4))]
        if self.chance(0.6):
            labels.insert(self.rng.randint(0, len(labels)), "default:")
        case_ctx = ctx.inner(breakable=True)
        out = [self.line(ind, head + " {")]
        for n, label in enumerate(labels):
            last = n == len(labels) - 1
            if not last and self.chance(0.12):
                out.append(self.line(ind, label))  # stacked labels
                continue
            if self.chance(0.5):
                body, jumped = self.block(ind + 1, case_ctx, term_p=0.3)
                out += [self.line(ind, label + " {")] + body + [self.line(ind, "}")]
            else:
                # Unbraced: no declaration may be jumped over to reach the
                # next label.
                body, jumped = self.block(ind + 1, case_ctx, no_decl=True, term_p=0.5)
                out += [self.line(ind, label)] + body
            if not jumped:
                # A case that does not jump ends with break or falls through
                # explicitly; the last one may just end.
                if last:
                    end = "break;" if self.chance(0.5) else ""
                else:
                    end = self.rng.choice(["break;", "[[fallthrough]];"])
                if end:
                    out.append(self.line(ind + 1, end))
        for v in hv:
            if not v.used:
                # Read the condition variable (possibly unreachable, after
                # the last case's break): the condition does not count as
                # a read for -Wunused-but-set-variable.
                out.append(self.line(ind + 1, 'show("%s", %s);' % (self.fresh("u"), v.name)))
        out.append(self.line(ind, "}"))
        self.scopes.pop()
        return out

    # ---- functions and program ----------------------------------------

    def function(self, index):
        ret = self.pick([(3, "int"), (2, "void")])
        params = ["n"] if self.chance(0.5) else ["n", "m"]
        fn = Fn("co%d" % index, ret, params)
        self.fn = fn
        self.cost = 0
        self.stmt_budget = self.statements
        # Parameters may be assigned, so they must be read too
        # (-Wunused-but-set-parameter).
        self.scopes = []
        ctx = Ctx()
        must = ret == "int"
        body, _ = self.block(1, ctx, header_vars=[Var(p, "int") for p in params], must_return=must,
                             term_p=0.0 if must else 0.2)
        fn.cost = max(1, self.cost)
        sig = "%s(%s)" % (fn.name, ", ".join("int " + p for p in params))
        lines = [self.line(0, "coroutine<%s> %s {" % (ret, sig), "%s %s {" % (ret, sig))]
        lines += body + [self.line(0, "}"), self.line(0, "")]
        self.fns.append(fn)
        return lines

    def main(self):
        lines = [self.line(0, "int main() {")]
        for fn in self.fns:
            args = ", ".join(str(self.rng.randint(0, 9)) for _ in fn.params)
            call = "%s(%s)" % (fn.name, args)
            lines.append(self.line(1, 'std::printf("== %s\\n");' % call))
            if fn.ret == "int":
                lines.append(self.line(1, 'std::printf("%s = %%d\\n", corofy::block_on(%s));' % (call, call),
                                       'std::printf("%s = %%d\\n", %s);' % (call, call)))
            else:
                lines.append(self.line(1, "corofy::block_on(%s);" % call, "%s;" % call))
                lines.append(self.line(1, 'std::printf("%s done\\n");' % call))
        lines.append(self.line(0, "}"))
        return lines

    def program(self):
        lines = []
        for i in range(self.num_fns):
            lines += self.function(i)
        lines += self.main()
        return lines


def render(lines, which, seed, argv):
    kind = "coroutine program (run corofy on it)" if which == 1 else "reference program"
    out = [
        "// Generated by test/Random/generate.py, seed %d: %s." % (seed, kind),
        "// Regenerate: generate.py %s" % " ".join(argv),
        '#include "random_support.hpp"',
        "",
    ]
    for line in lines:
        out.append(("  " * line[0] + line[which]) if line[which] else "")
    return "\n".join(out) + "\n"


def generate(seed, coroutines=12, max_depth=3, statements=14):
    """Returns (coroutine program, reference program) for a seed."""
    gen = Generator(seed, coroutines, max_depth, statements)
    lines = gen.program()
    argv = ["--seed", str(seed), "--coroutines", str(coroutines), "--max-depth", str(max_depth),
            "--statements", str(statements)]
    return render(lines, 1, seed, argv), render(lines, 2, seed, argv)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--coroutines", type=int, default=12, help="functions per program")
    ap.add_argument("--max-depth", type=int, default=3, help="nesting of control statements")
    ap.add_argument("--statements", type=int, default=14, help="statements per function, roughly")
    ap.add_argument("--coroutine-out", required=True)
    ap.add_argument("--reference-out", required=True)
    a = ap.parse_args()
    coro, ref = generate(a.seed, a.coroutines, a.max_depth, a.statements)
    with open(a.coroutine_out, "w") as f:
        f.write(coro)
    with open(a.reference_out, "w") as f:
        f.write(ref)
    return 0


if __name__ == "__main__":
    sys.exit(main())
