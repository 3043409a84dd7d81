#!/usr/bin/env python3
"""Writes a random program and its reference, for differential testing of
corofy's control-flow lowering.

For one seed it writes two C++20 programs that include
Inputs/random_support.hpp:

- the coroutine program: functions declared coroutine<int> or
  coroutine<void> whose bodies wait (on Later<T> leaf futures and on
  coroutines defined earlier in the file) inside nested blocks, if/else,
  while, do, for, range-based for, switch and try/catch, with break,
  continue, return, throw, [[fallthrough]], int locals, std::vector<int>
  and int array locals, and Tracked objects (which print their construction
  and destruction); main() runs each of them with corofy::block_on(), and
  prints what an exception escaping one of them holds;
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
&& and the arms of ?:. Features that --without can turn off (a
comma-separated list, to set aside a construct corofy mishandles for now):

- cond-waits: waits in conditions: `if (wait(F) > k && n > 0)`,
  `while (wait(Later<int>(++k)) <= 3)`, `do ... while (wait(F) % 3 != 1 &&
  k < 3)`, `switch (wait(F) % 4)`, a for loop's condition and increment
  (`i < wait(F) % 4`, `i += 1 + (wait(F) & 1)`);
- header-waits: declarations in headers that wait or make Tracked objects:
  `if (int h = wait(F); h > 2)`, `if (int h = wait(F))`,
  `if (Tracked t{"t1"}; wait(F) > 2)`, `if (wait(F); cond)`,
  `switch (int s = wait(F) % 4)`, `for (int i = wait(F) % 4; i > 0; --i)`,
  `for (Tracked t{"t2"}; k < 3; ++k)`, `while (int v = wait(Later<int>(3 -
  k++)))`, `for (; int v = k < 3 ? wait(F) % 5 + 6 : 0; ++k)`;
- range-for: range-based for over a std::vector<int> temporary, a named
  std::vector<int> or int array local, the value of
  wait(Later<std::vector<int>>(...)), with an init-statement (a Tracked
  object, a vector, an int made by a wait) and the loop variable by value
  or by reference;
- try: `try { ... } catch (int e) { ... } catch (const char *e) { ... }
  catch (...) { ... }` around waits, Tracked objects and nested try
  statements, `throw <int>;` and `throw "<text>";` (mostly under an if),
  waits on coroutines that throw, and handlers (which never wait) that
  print, assign, rethrow, break, continue or return. A coroutine may let an
  exception escape; main() catches it;
- discarded-init-wait: an init-statement that waits on a future with a
  value and discards it, `if (wait(Later<int>(3)); cond)` (also of switch,
  for and range-based for; without it, those init-statements wait on void
  futures only);
- jump-out-of-try: break and continue inside a try block that leave it
  (and the loop or switch around it);
- loop-cond-waits: the waits of cond-waits in the condition of while and
  for loops (not in a condition variable's initializer, nor in do loops);
- expr-throws: a Tracked temporary that lives to the end of an expression
  holding waits, and an exception thrown inside that expression before the
  coroutine reaches a wait: `x = weigh(Tracked("w1"), @, @);` whose first
  wait is on `Later<int>(thrown(...))`, and
  `x = wait(Later<int>(weigh(Tracked("w2"), thrown(...), 1)));`, and
  `x = mix("m4", (cond && weigh(Tracked("w3"), @, thrown(...)) % 2 == 0) ?
  1 : 2, weigh(Tracked("w5"), 1, 2));`
  (thrown(v) throws v when v % 4 == 3).

The last three are finer switches for constructs corofy got wrong (a
discarded value left a read that -Werror rejects; a frame object of a try
block without waits was not destroyed when its handler caught an
exception; `if (!(cond)) break; {` made by a while or for condition that
waits, before a body whose frame objects are followed by a local with a
destructor, fails -Wmisleading-indentation): --without them, the rest of
cond-waits, header-waits and try is still tested.

It compiles with -Wall -Wextra -Werror: every int local is read, every loop
is bounded (its counter advances in its condition or at the top of its
body, so a continue cannot skip it; a condition that waits is bounded by
the counter or by a value modulo 4), declarations inside a case are braced,
every case that does not jump ends with break or [[fallthrough]], and a
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
# The constructs --without can leave out.
FEATURES = ["cond-waits", "header-waits", "range-for", "try", "discarded-init-wait", "jump-out-of-try",
            "loop-cond-waits", "expr-throws"]
# What a handler catches: the thrown types are int and const char * ("str").
CAUGHT = {"int": frozenset(["int"]), "str": frozenset(["str"]), "all": frozenset(["int", "str"])}


class Var:
    def __init__(self, name, kind, assignable=True, size=0):
        self.name = name
        self.kind = kind  # "int", "Tracked", "vec" (std::vector<int>) or "arr" (int[])
        self.assignable = assignable
        self.used = kind not in ("int", "arr")
        self.size = size  # elements of a vec or arr


class Fn:
    def __init__(self, name, ret, params):
        self.name = name
        self.ret = ret  # "int" or "void"
        self.params = params
        self.cost = 0
        self.throws = set()  # the types of the exceptions that may escape it


class Ctx:
    """Where a statement is generated."""

    def __init__(self, depth=0, mult=1, loop=False, breakable=False, catches=frozenset()):
        self.depth = depth  # nesting of control statements
        self.mult = mult  # bound on how often the statement runs per call
        self.loop = loop  # continue is allowed
        self.breakable = breakable  # break is allowed
        self.catches = catches  # the types the enclosing try statements catch

    def inner(self, **changes):
        c = Ctx(self.depth + 1, self.mult, self.loop, self.breakable, self.catches)
        for k, v in changes.items():
            setattr(c, k, v)
        return c


class Wait:
    """A wait on a future: its text in the coroutine and in the reference."""

    def __init__(self, coro, ref, output):
        self.coro = coro
        self.ref = ref
        self.output = output  # "int", "void" or "vec"


def fill(text, waits):
    """(coroutine text, reference text) of `text` with each "@" replaced by
    the next wait."""
    pieces = text.split("@")
    assert len(pieces) == len(waits) + 1, text
    coro = ref = pieces[0]
    for w, rest in zip(waits, pieces[1:]):
        coro += w.coro + rest
        ref += w.ref + rest
    return coro, ref


def cat(pair, text):
    return (pair[0] + text, pair[1] + text)


class Generator:
    def __init__(self, seed, coroutines=12, max_depth=3, statements=14, budget=250, without=()):
        self.rng = random.Random(seed)
        self.seed = seed
        self.num_fns = coroutines
        self.max_depth = max_depth
        self.statements = statements
        self.budget = budget
        self.without = set(without)
        self.fns = []
        self.hidden = set()  # names whose declaration is being generated
        self.counter = 0  # unique suffixes of labels, counters, header variables
        self.tracked = 0

    # ---- helpers -------------------------------------------------------

    def on(self, feature):
        return feature not in self.without

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

    def escape(self, ctx, types):
        """Exceptions of `types` are thrown here: those the enclosing try
        statements do not catch leave the function."""
        self.fn.throws |= set(types) - ctx.catches

    def tracked_name(self):
        self.tracked += 1
        return "t%d" % self.tracked

    def tracked_init(self, name):
        """The declarator of a Tracked object, with parentheses or braces."""
        return ('Tracked %s{"%s"}' if self.chance(0.5) else 'Tracked %s("%s")') % (name, name)

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

    def elements(self, n):
        return ", ".join(self.expr() for _ in range(n))

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
            throwing = [fn for fn in calls if fn.throws]
            if ctx.catches and throwing and self.chance(0.5):
                # Inside a try statement, prefer the callees that throw.
                fn = self.rng.choice(throwing)
            else:
                fn = self.rng.choice(calls)
            self.cost += ctx.mult * fn.cost
            self.escape(ctx, fn.throws)
            call = "%s(%s)" % (fn.name, self.args(fn))
            return Wait("wait(%s)" % call, call, fn.ret)
        if output is None:
            output = self.rng.choice(["int", "void"])
        if output == "void":
            return self.later("void", "")
        return self.later("int", self.expr())

    def later(self, output, arg):
        """A wait on the leaf future Later<T>(arg)."""
        ty = {"int": "int", "void": "void", "vec": "std::vector<int>"}[output]
        leaf = "Later<%s>(%s)" % (ty, arg)
        return Wait("wait(%s)" % leaf, "block(%s)" % leaf, output)

    def vector_wait(self, n):
        return self.later("vec", "std::vector<int>{%s}" % self.elements(n))

    def discarded_wait(self, ctx):
        """A wait whose value, if any, is discarded: an init-statement."""
        return self.future(ctx, None if self.on("discarded-init-wait") else "void")

    def bounded_wait(self, ctx, trips):
        """A wait whose value is at most `trips` (<= 3): a loop bound."""
        if self.chance(0.5):
            return "@", [self.later("int", str(trips))]
        return "@ % 4", [self.future(ctx, "int")]

    # ---- statements ----------------------------------------------------
    # A statement is a list of lines; a line is (indent, coroutine text,
    # reference text).

    def line(self, indent, coro, ref=None):
        return (indent, coro, coro if ref is None else ref)

    def wline(self, indent, text, waits):
        """A line whose "@"s are the waits."""
        return (indent,) + fill(text, waits)

    def simple(self, ind, ctx, jumps=True):
        """One statement without a declaration: it may stand alone as the
        branch of an if or the body of a for."""
        self.spend(ctx)
        ints = self.visible("int", assignable=True)
        tracked = self.visible("Tracked")
        throws = 0
        if self.on("try"):
            throws = 3 if ctx.catches else 0.4
        kind = self.pick([
            (4, "wait"),
            (5 if ints else 0, "assign-wait"),
            (2 if ints else 0, "assign"),
            (2, "show"),
            (1 if tracked else 0, "touch"),
            (3 if jumps else 0, "jump"),
            (3 if ints else 0, "expr-wait"),
            (throws, "throw"),
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
        if kind == "throw":
            return self.throw_stmt(ind, ctx, bare=jumps)
        return [self.line(ind, 'show("%s", %s);' % (self.fresh("p"), self.expr()))]

    def throw_stmt(self, ind, ctx, bare=False):
        """`throw <int>;` or `throw "<text>";`, under an if unless `bare`
        (the branch of an if already)."""
        if self.chance(0.7):
            self.escape(ctx, ["int"])
            text = "throw %s;" % self.expr()
        else:
            self.escape(ctx, ["str"])
            text = 'throw "%s";' % self.fresh("s")
        if bare:
            return [self.line(ind, text)]
        return [self.line(ind, "if (%s)" % self.cond()), self.line(ind + 1, text)]

    def expression_wait(self, ind, ctx, v):
        """Waits inside a larger expression: operands around them, function
        arguments with side effects before them, && || ?: guarding them.
        corofy evaluates left to right; so does clang for the reference."""
        if self.on("expr-throws") and self.chance(0.2):
            return self.throwing_expression_wait(ind, ctx, v)
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
        return [self.wline(ind, text, waits)]

    def throwing_expression_wait(self, ind, ctx, v):
        """A Tracked temporary kept to the end of an expression that waits,
        and thrown(...) inside that expression before one of its waits: the
        temporary must be destroyed once whether or not the throw happens."""
        self.escape(ctx, ["int"])
        shape = self.rng.randrange(3)
        if shape == 2:
            # In the right operand of &&: made on some paths only, it lives
            # to the end of the full-expression, after the Tracked made
            # after the &&.
            waits = [self.future(ctx, "int")]
            text = ('%s = mix("%s", (%s && weigh(Tracked("%s"), @, thrown(%s)) %% 2 == 0) ? 1 : 2, '
                    'weigh(Tracked("%s"), 1, 2));') % (
                v.name, self.fresh("m"), self.cond1(), self.fresh("w"), self.expr(), self.fresh("w"))
        elif shape == 0:
            # A spilled operand, then a wait whose future throws as it is made.
            waits = [self.later("int", "thrown(%s)" % self.expr()), self.future(ctx, "int")]
            text = '%s = weigh(Tracked("%s"), @, @);' % (v.name, self.fresh("w"))
        else:
            # A temporary of the wait's operand, then an argument that throws.
            waits = [self.later("int", 'weigh(Tracked("%s"), thrown(%s), %s)' %
                                (self.fresh("w"), self.expr(), self.atom()))]
            text = "%s = @;" % v.name
        return [self.wline(ind, text, waits)]

    def jump(self, ind, ctx, waits=True):
        kind = self.pick([
            (4 if ctx.breakable else 0, "break"),
            (3 if ctx.loop else 0, "continue"),
            (1, "return"),
        ])
        if kind != "return":
            return [self.line(ind, kind + ";")]
        return self.ret(ind, ctx, waits)

    def ret(self, ind, ctx, waits=True):
        if self.fn.ret == "void":
            return [self.line(ind, "return {};", "return;")]
        if waits and self.chance(0.5):
            w = self.future(ctx, "int")
            return [self.line(ind, "return %s;" % w.coro, "return %s;" % w.ref)]
        return [self.line(ind, "return %s;" % self.expr())]

    def declaration(self, ind, ctx):
        self.spend(ctx)
        ranges = 1 if self.on("range-for") else 0
        kind = self.pick([(5, "int-wait"), (2, "int"), (2, "tracked"),
                          (1 if self.visible("Tracked") else 0, "move"),
                          (ranges, "vec"), (ranges * 0.5, "vec-wait"), (ranges * 0.5, "arr")])
        if kind == "tracked" or kind == "move":
            name = self.tracked_name()
            if kind == "move":
                src = self.rng.choice(self.visible("Tracked"))
                text = "Tracked %s(std::move(%s));" % (name, src.name)
            else:
                text = self.tracked_init(name) + ";"
            self.declare(Var(name, "Tracked"))
            return [self.line(ind, text)]
        if kind in ("vec", "vec-wait", "arr"):
            return self.sequence_declaration(ind, kind, self.rng.randint(1, 3))
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

    def uses(self, ind, scope):
        """Reads of the variables of a scope nothing has read yet."""
        out = []
        for v in scope:
            if not v.used:
                v.used = True
                read = v.name + "[0]" if v.kind == "arr" else v.name
                out.append(self.line(ind, 'show("%s", %s);' % (self.fresh("u"), read)))
        return out

    def block(self, ind, ctx, header_vars=(), must_return=False, no_decl=False, term_p=0.25, first=None,
              extra=None):
        """The statements of a block (without its braces). `first` and
        `extra` make a statement: the first one, and one at a random place.
        Returns (lines, ends_with_jump)."""
        self.scopes.append(list(header_vars))
        lines = []
        if first:
            lines += first(ind, ctx)
        count = self.rng.randint(1, max(1, self.statements // (2 + ctx.depth * 2)))
        if ctx.depth == 0:
            count = max(count, self.statements // 2)
        extra_at = self.rng.randint(0, count) if extra else -1
        for n in range(count + 1):
            if n == extra_at:
                lines += extra(ind, ctx)
            if n == count or (self.stmt_budget <= 0 and lines):
                if extra_at > n:
                    lines += extra(ind, ctx)
                break
            lines += self.statement(ind, ctx, no_decl)
        term = []
        if must_return:
            term = self.ret(ind, ctx)
        elif self.chance(term_p):
            term = self.jump(ind, ctx)
        uses = self.uses(ind, self.scopes[-1])
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
            (2 if loops and self.on("range-for") else 0, "range-for"),
            (2 if deep else 0, "switch"),
            (2 if deep and self.on("try") else 0, "try"),
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
        if kind == "try":
            return self.try_stmt(ind, ctx)
        if kind == "range-for":
            return self.range_for(ind, ctx, no_decl)
        if kind == "for":
            return self.for_stmt(ind, ctx, no_decl)
        return self.loop(ind, ctx, kind, no_decl)

    def branch(self, ind, ctx, opener, allow_else_if=False):
        """`opener` (a (coroutine, reference) pair) followed by a braced
        block, a lone statement or (for an else) another if. Returns lines;
        the first line is `opener ...`."""
        r = self.rng.random()
        if allow_else_if and r < 0.2 and ctx.depth < self.max_depth:
            inner = self.if_stmt(ind, ctx.inner(depth=ctx.depth))
            first = inner[0]
            return [(first[0], opener[0] + " " + first[1], opener[1] + " " + first[2])] + inner[1:]
        if r < 0.45:
            stmt = self.simple(ind + 1, ctx.inner())
            return [(ind,) + opener] + stmt
        body, _ = self.block(ind + 1, ctx.inner())
        return [(ind,) + cat(opener, " {")] + body + [self.line(ind, "}")]

    def join_else(self, then, els):
        """Attaches an else branch: `} else ...` after a braced then-branch."""
        last = then[-1]
        if last[1] == "}" and els[0][0] == last[0]:
            return then[:-1] + [(last[0], "} " + els[0][1], "} " + els[0][2])] + els[1:]
        return then + els

    def if_stmt(self, ind, ctx):
        cw = 2 if self.on("cond-waits") else 0
        hw = 1 if self.on("header-waits") else 0
        header = self.pick([(6, "plain"), (1, "init-int"), (1, "init-tracked"), (1, "cond-decl"),
                            (cw, "wait-cond"), (hw, "init-wait"), (hw, "cond-decl-wait"),
                            (hw, "init-tracked-wait"), (hw * 0.5, "init-void-wait")])
        hv = []
        self.scopes.append(hv)
        waits = []
        if header == "plain":
            head = "if (%s)" % self.cond()
        elif header == "init-int":
            name = self.fresh("h")
            init = self.expr()
            hv.append(Var(name, "int"))
            hv[-1].used = True
            head = "if (int %s = %s; %s %% %d == %d)" % (name, init, name, self.rng.randint(2, 3), self.rng.randint(0, 1))
        elif header == "init-tracked":
            name = self.tracked_name()
            hv.append(Var(name, "Tracked"))
            head = "if (%s; %s)" % (self.tracked_init(name), self.cond())
        elif header == "cond-decl":
            name = self.fresh("h")
            init = self.expr()
            # Not assignable: a condition variable is not read by its
            # condition as far as -Wunused-but-set-variable is concerned.
            hv.append(Var(name, "int", assignable=False))
            head = "if (int %s = %s)" % (name, init)
        elif header == "wait-cond":
            waits = [self.future(ctx, "int")]
            form = self.rng.randrange(5)
            if form == 0:
                head = "if (@ > %d && %s)" % (self.rng.randint(0, 6), self.cond1())
            elif form == 1:
                head = "if (%s || @ %% 2 == %d)" % (self.cond1(), self.rng.randint(0, 1))
            elif form == 2:
                head = "if (@ %% 3 != %d)" % self.rng.randint(0, 2)
            elif form == 3:
                head = "if (@)"
            else:
                waits.append(self.future(ctx, "int"))
                head = "if (@ < @)"
        elif header == "init-wait":
            name = self.fresh("h")
            waits = [self.future(ctx, "int")]
            hv.append(Var(name, "int"))
            hv[-1].used = True
            if self.chance(0.5):
                head = "if (int %s = @; %s > %d)" % (name, name, self.rng.randint(0, 6))
            else:
                head = "if (int %s = @; %s %% 2 == %d)" % (name, name, self.rng.randint(0, 1))
        elif header == "cond-decl-wait":
            name = self.fresh("h")
            waits = [self.future(ctx, "int")]
            hv.append(Var(name, "int", assignable=False))
            head = "if (int %s = @%s)" % (name, self.rng.choice(["", " % 3", " % 2"]))
        elif header == "init-tracked-wait":
            name = self.tracked_name()
            hv.append(Var(name, "Tracked"))
            waits = [self.future(ctx, "int")]
            head = "if (%s; @ > %d)" % (self.tracked_init(name), self.rng.randint(0, 6))
        else:
            waits = [self.discarded_wait(ctx)]
            head = "if (@; %s)" % self.cond()
        then = self.branch(ind, ctx, fill(head, waits))
        els = self.branch(ind, ctx, ("else", "else"), allow_else_if=True) if self.chance(0.55) else None
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

    def body(self, ind, ctx, head, header_vars=(), lone=0.3):
        """A loop body after the header `head` (a pair): a lone simple
        statement (when there are no header variables to read) or a braced
        block. Returns lines; the last one is the body's closing brace, if
        any."""
        if not header_vars and self.chance(lone):
            return [(ind,) + head] + self.simple(ind + 1, ctx)
        body, _ = self.block(ind + 1, ctx, header_vars=header_vars)
        return [(ind,) + cat(head, " {")] + body + [self.line(ind, "}")]

    def loop_counter(self):
        """A loop counter: read by the loop, never assigned by its body."""
        v = Var(self.fresh("k"), "int", assignable=False)
        v.used = True
        return v

    def cond_var(self):
        """The name of a variable declared in a loop's condition, and the
        Var to read in the body. The caller keeps it hidden while it
        generates the initializer."""
        name = self.new_local_name()
        return name, Var(name, "int", assignable=False)

    def for_stmt(self, ind, ctx, no_decl):
        trips = self.rng.randint(1, 3)
        body_ctx = ctx.inner(mult=ctx.mult * 3, loop=True, breakable=True)
        head_ctx = ctx.inner(mult=ctx.mult * 4)  # the condition and the increment
        cw = 2 if self.on("cond-waits") else 0
        hw = 1 if self.on("header-waits") else 0
        init = self.pick([(8, "int"), (hw * 2, "int-wait"), (hw, "tracked"), (hw * 0.5, "none"),
                          (hw * 0.5, "void-wait")])
        pre = []  # the counter, declared before the loop when the init-statement does not
        scope = []
        self.scopes.append(scope)
        waits = []
        # The name of a condition variable, if there is one: the increment
        # is in its scope, so no expression of the header may read another
        # variable of that name.
        cv_name = self.new_local_name()
        self.hidden.add(cv_name)
        if init in ("int", "int-wait"):
            c = Var(self.fresh("i"), "int", assignable=False)
            c.used = True
            up = init == "int" and self.chance(0.6)
            if up:
                init_text = "int %s = 0" % c.name
            elif init == "int":
                init_text = "int %s = %d" % (c.name, trips)
            else:
                text, ws = self.bounded_wait(ctx, trips)
                init_text = "int %s = %s" % (c.name, text)
                waits += ws
        else:
            c = self.loop_counter()
            up = True
            pre = [self.line(ind + 1, "int %s = 0;" % c.name)]
            if init == "tracked":
                name = self.tracked_name()
                init_text = self.tracked_init(name)
                scope.append(Var(name, "Tracked"))
            elif init == "void-wait":
                init_text = "@"
                waits.append(self.discarded_wait(ctx))
            else:
                init_text = ""
        scope.append(c)
        header_vars = []
        inc_waits = []
        if up:
            inc = self.pick([(4, "++c"), (1, "c++"), (cw, "+= later"), (cw, "+= wait")])
            if inc == "++c":
                inc_text = "++" + c.name
            elif inc == "c++":
                inc_text = c.name + "++"
            elif inc == "+= later":
                inc_text = c.name + " += @"
                inc_waits.append(self.later("int", "1"))
            else:
                inc_text = c.name + " += 1 + (@ & 1)"
                inc_waits.append(self.future(head_ctx, "int"))
            step1 = inc in ("++c", "c++", "+= later")
            lw = cw if self.on("loop-cond-waits") else 0
            cond = self.pick([(4, "less"), (1 if init == "int" else 0, "param"), (lw, "less-wait"),
                              (hw if step1 else 0, "decl-count"), (hw, "decl-ternary")])
            if cond == "less":
                cond_text = "%s < %d" % (c.name, trips)
            elif cond == "param":
                cond_text = "%s < %s %% 4" % (c.name, self.rng.choice(self.fn.params))
            elif cond == "less-wait":
                text, ws = self.bounded_wait(head_ctx, trips)
                cond_text = "%s < %s" % (c.name, text)
                waits += ws
            else:
                v = Var(cv_name, "int", assignable=False)
                if cond == "decl-count":
                    waits.append(self.later("int", "%d - %s" % (trips, c.name)))
                    cond_text = "int %s = @" % cv_name
                else:
                    waits.append(self.future(head_ctx, "int"))
                    cond_text = "int %s = %s < %d ? @ %% 5 + 6 : 0" % (cv_name, c.name, trips)
                header_vars.append(v)
        else:
            inc = self.pick([(4, "--c"), (cw, "-= later"), (cw, "-= wait")])
            if inc == "--c":
                inc_text = "--" + c.name
            elif inc == "-= later":
                inc_text = c.name + " -= @"
                inc_waits.append(self.later("int", "1"))
            else:
                inc_text = c.name + " -= 1 + (@ & 1)"
                inc_waits.append(self.future(head_ctx, "int"))
            if hw and self.chance(0.25):
                v = Var(cv_name, "int", assignable=False)
                waits.append(self.future(head_ctx, "int"))
                cond_text = "int %s = %s > 0 ? @ %% 5 + 6 : 0" % (cv_name, c.name)
                header_vars.append(v)
            else:
                cond_text = "%s > 0" % c.name
        self.hidden.discard(cv_name)
        head = fill("for (%s; %s; %s)" % (init_text, cond_text, inc_text), waits + inc_waits)
        out = self.body(ind + 1 if pre else ind, body_ctx, head, header_vars)
        self.scopes.pop()
        if pre:
            out = [self.line(ind, "{")] + pre + out + [self.line(ind, "}")]
        return out

    def loop(self, ind, ctx, kind, no_decl):
        """A while or do loop: a counter declared before the loop advances
        in the condition or first thing in the body, so that continue
        cannot skip it."""
        trips = self.rng.randint(1, 3)
        body_ctx = ctx.inner(mult=ctx.mult * 3, loop=True, breakable=True)
        head_ctx = ctx.inner(mult=ctx.mult * 4)
        cw = 2 if self.on("cond-waits") else 0
        hw = 1 if self.on("header-waits") else 0
        wrap = no_decl or self.chance(0.3)
        kv = self.loop_counter()
        k = kv.name
        self.scopes.append([kv])
        base = ind + 1 if wrap else ind
        out = [self.line(base, "int %s = 0;" % k)]
        bump = [self.line(base + 1, "++%s;" % k)]
        if kind == "do":
            form = self.pick([(4, "plain"), (cw * 0.5, "and-wait"), (cw * 0.5, "wait-and"), (cw, "wait-arg")])
            waits = []
            if form == "plain":
                tail = "} while (%s < %d);" % (k, trips)
            elif form == "and-wait":
                waits.append(self.future(head_ctx, "int"))
                tail = "} while (%s < %d && @ %% 2 == %d);" % (k, trips, self.rng.randint(0, 1))
            elif form == "wait-and":
                waits.append(self.future(head_ctx, "int"))
                tail = "} while (@ %% 3 != %d && %s < %d);" % (self.rng.randint(0, 2), k, trips)
            else:
                waits.append(self.later("int", "++" + k))
                tail = "} while (@ < %d);" % trips
                bump = []
            body, _ = self.block(base + 1, body_ctx)
            out += [self.line(base, "do {")] + bump + body + [self.wline(base, tail, waits)]
        else:
            lw = cw if self.on("loop-cond-waits") else 0
            form = self.pick([(3, "plain"), (1, "true"), (lw, "wait-arg"), (lw * 0.5, "wait-and"),
                              (lw * 0.5, "and-wait"), (hw, "decl-count"), (hw, "decl-ternary")])
            waits = []
            header_vars = []
            if form == "plain":
                head = "while (%s < %d)" % (k, trips)
            elif form == "true":
                head = "while (true)"
                bump += [self.line(base + 1, "if (%s > %d)" % (k, trips)), self.line(base + 2, "break;")]
            elif form == "wait-arg":
                waits.append(self.later("int", "++" + k))
                head = "while (@ <= %d)" % trips
                bump = []
            elif form == "wait-and":
                waits.append(self.future(head_ctx, "int"))
                head = "while (@ %% 3 != %d && ++%s <= %d)" % (self.rng.randint(0, 2), k, trips)
                bump = []
            elif form == "and-wait":
                waits.append(self.future(head_ctx, "int"))
                head = "while (++%s <= %d && @ %% 2 == %d)" % (k, trips, self.rng.randint(0, 1))
                bump = []
            else:
                name, v = self.cond_var()
                self.hidden.add(name)
                if form == "decl-count":
                    waits.append(self.later("int", "%d - %s++" % (trips, k)))
                    head = "while (int %s = @)" % name
                else:
                    waits.append(self.future(head_ctx, "int"))
                    head = "while (int %s = %s++ < %d ? @ %% 5 + 6 : 0)" % (name, k, trips)
                self.hidden.discard(name)
                header_vars.append(v)
                bump = []
            body, _ = self.block(base + 1, body_ctx, header_vars=header_vars)
            out += [self.wline(base, head + " {", waits)] + bump + body + [self.line(base, "}")]
        self.scopes.pop()
        if wrap:
            out = [self.line(ind, "{")] + out + [self.line(ind, "}")]
        return out

    def range_for(self, ind, ctx, no_decl):
        """A range-based for over a vector or an array, with break and
        continue, maybe an init-statement, maybe a wait in the range."""
        named = self.visible("vec") + self.visible("arr")
        source = self.pick([(3, "temporary"), (2, "wait"), (2, "local"), (1, "init-vec"),
                            (2 if named else 0, "named")])
        pre = []  # the declaration of the range, in a block around the loop
        outer = []
        self.scopes.append(outer)
        waits = []
        init = ""
        header_vars = []
        if source == "temporary":
            n = self.rng.randint(1, 3)
            range_text = "std::vector<int>{%s}" % self.elements(n)
        elif source == "wait":
            n = self.rng.randint(1, 3)
            range_text = "@"
            waits.append(self.vector_wait(n))
        elif source == "local":
            pre = self.declaration_of_range(ind + 1, ctx)
            v = outer[-1]
            v.used = True
            n, range_text = v.size, v.name
        elif source == "init-vec":
            n = self.rng.randint(1, 3)
            name = self.fresh("w")
            init = "std::vector<int> %s{%s}; " % (name, self.elements(n))
            range_text = name
        else:
            v = self.rng.choice(named)
            v.used = True
            n, range_text = v.size, v.name
        if not init:
            kind = self.pick([(4, "none"), (2, "tracked"), (1, "int-wait"), (0.5, "discarded-wait")])
            if kind == "tracked":
                name = self.tracked_name()
                init = self.tracked_init(name) + "; "
                header_vars.append(Var(name, "Tracked"))
            elif kind == "int-wait":
                name = self.fresh("b")
                # The wait of the init-statement comes before the range's.
                waits.insert(0, self.future(ctx, "int"))
                init = "int %s = @; " % name
                header_vars.append(Var(name, "int", assignable=False))
            elif kind == "discarded-wait":
                waits.insert(0, self.discarded_wait(ctx))
                init = "@; "
        decl = self.pick([(3, "int"), (1, "auto"), (1, "const int &"), (1, "int &"), (1, "const auto &")])
        name = self.new_local_name()
        loop_var = Var(name, "int", assignable=not decl.startswith("const"))
        sep = "" if decl.endswith("&") else " "
        head = fill("for (%s%s%s%s : %s)" % (init, decl, sep, name, range_text), waits)
        body_ctx = ctx.inner(mult=ctx.mult * n, loop=True, breakable=True)
        out = self.body(ind + 1 if pre else ind, body_ctx, head, header_vars + [loop_var])
        self.scopes.pop()
        if pre:
            out = [self.line(ind, "{")] + pre + out + [self.line(ind, "}")]
        return out

    def declaration_of_range(self, ind, ctx):
        """A named vector or array for a range-based for to run over."""
        n = self.rng.randint(1, 3)
        kind = self.pick([(2, "vec"), (1, "vec-wait"), (1, "arr")])
        return self.sequence_declaration(ind, kind, n)

    def sequence_declaration(self, ind, kind, n):
        """An int array, a vector, or a vector a wait yields ("arr", "vec",
        "vec-wait"), of n elements."""
        if kind == "arr":
            name = self.fresh("arr")
            text = [self.line(ind, "int %s[] = {%s};" % (name, self.elements(n)))]
        else:
            name = self.fresh("vec")
            if kind == "vec":
                text = [self.line(ind, "std::vector<int> %s{%s};" % (name, self.elements(n)))]
            else:
                text = [self.wline(ind, "std::vector<int> %s = @;" % name, [self.vector_wait(n)])]
        self.declare(Var(name, "arr" if kind == "arr" else "vec", size=n))
        return text

    def switch_stmt(self, ind, ctx):
        cw = 1 if self.on("cond-waits") else 0
        hw = 1 if self.on("header-waits") else 0
        header = self.pick([(5, "plain"), (1, "init-int"), (1, "init-tracked"), (1, "cond-decl"),
                            (cw * 2, "wait"), (hw, "init-wait"), (hw, "cond-decl-wait"),
                            (hw, "init-tracked-wait"), (hw * 0.5, "init-discarded-wait")])
        hv = []
        self.scopes.append(hv)
        waits = []
        # The condition always reads a variable or a wait: a constant one
        # that no case matches warns.
        if header == "plain":
            head = "switch (%s)" % self.switch_expr()
        elif header == "init-int":
            name = self.fresh("h")
            head = "switch (int %s = %s; %s %% 4)" % (name, self.expr(), name)
            hv.append(Var(name, "int"))
            hv[-1].used = True
        elif header == "init-tracked":
            name = self.tracked_name()
            head = "switch (%s; %s)" % (self.tracked_init(name), self.switch_expr())
            hv.append(Var(name, "Tracked"))
        elif header == "cond-decl":
            name = self.fresh("h")
            head = "switch (int %s = %s)" % (name, self.switch_expr())
            hv.append(Var(name, "int", assignable=False))
        elif header == "wait":
            waits.append(self.future(ctx, "int"))
            head = "switch (@ % 4)"
        elif header == "init-wait":
            name = self.fresh("h")
            waits.append(self.future(ctx, "int"))
            head = "switch (int %s = @; %s %% 4)" % (name, name)
            hv.append(Var(name, "int"))
            hv[-1].used = True
        elif header == "cond-decl-wait":
            name = self.fresh("h")
            waits.append(self.future(ctx, "int"))
            head = "switch (int %s = @ %% 4)" % name
            hv.append(Var(name, "int", assignable=False))
        elif header == "init-tracked-wait":
            name = self.tracked_name()
            waits.append(self.future(ctx, "int"))
            head = "switch (%s; @ %% 4)" % self.tracked_init(name)
            hv.append(Var(name, "Tracked"))
        else:
            waits.append(self.discarded_wait(ctx))
            head = "switch (@; %s)" % self.switch_expr()
        labels = ["case %d:" % v for v in self.rng.sample([-1, 0, 1, 2, 3], self.rng.randint(1, 4))]
        if self.chance(0.6):
            labels.insert(self.rng.randint(0, len(labels)), "default:")
        case_ctx = ctx.inner(breakable=True)
        out = [self.wline(ind, head + " {", waits)]
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

    def try_stmt(self, ind, ctx):
        """try { ... } with one to three handlers. The block waits, throws
        and often starts with a Tracked object; handlers never wait."""
        handlers = self.pick([(3, ["int"]), (2, ["int", "all"]), (1, ["all"]), (1, ["str"]),
                              (1, ["str", "int"]), (1, ["int", "str"]), (1, ["str", "all"])])
        caught = frozenset().union(*(CAUGHT[h] for h in handlers))
        body_ctx = ctx.inner(catches=ctx.catches | caught)
        if not self.on("jump-out-of-try"):
            body_ctx.loop = body_ctx.breakable = False

        def tracked(i, c):
            name = self.tracked_name()
            self.declare(Var(name, "Tracked"))
            return [self.line(i, self.tracked_init(name) + ";")]

        def throw(i, c):
            return self.throw_stmt(i, c)
        body, _ = self.block(ind + 1, body_ctx, first=tracked if self.chance(0.5) else None,
                             extra=throw if self.chance(0.7) else None)
        out = [self.line(ind, "try {")] + body
        for h in handlers:
            out += self.handler(ind, ctx, h)
        out.append(self.line(ind, "}"))
        return out

    def handler(self, ind, ctx, kind):
        """`} catch (...) {` and the handler's statements, which never
        wait (corofy rejects a wait in a handler)."""
        self.spend(ctx)
        label = self.fresh("c")
        scope = []
        self.scopes.append(scope)
        if kind == "all":
            head = "} catch (...) {"
            lines = [self.line(ind + 1, 'said("%s", "caught");' % label)]
        else:
            name = self.pick([(4, "e"), (2, "err"), (1, "x"), (1, "result"), (1, "cx")])
            if kind == "int":
                head = "} catch (int %s) {" % name
                v = Var(name, "int", assignable=False)
                v.used = True
                scope.append(v)
                lines = [self.line(ind + 1, 'show("%s", %s);' % (label, name))]
            else:
                head = "} catch (const char *%s) {" % name
                scope.append(Var(name, "str"))
                lines = [self.line(ind + 1, 'said("%s", %s);' % (label, name))]
        for _ in range(self.rng.randint(0, 2)):
            ints = self.visible("int", assignable=True)
            tracked = self.visible("Tracked")
            what = self.pick([(2 if ints else 0, "assign"), (1 if tracked else 0, "touch"), (1, "show")])
            if what == "assign":
                v = self.rng.choice(ints)
                lines.append(self.line(ind + 1, "%s = %s;" % (v.name, self.expr())))
            elif what == "touch":
                lines.append(self.line(ind + 1, 'touch("%s", %s);' % (self.fresh("p"), self.rng.choice(tracked).name)))
            else:
                lines.append(self.line(ind + 1, 'show("%s", %s);' % (self.fresh("p"), self.expr())))
        if self.chance(0.3):
            if self.chance(0.35):
                # Rethrow: to the enclosing try statements, or out.
                self.escape(ctx, CAUGHT[kind])
                lines.append(self.line(ind + 1, "throw;"))
            else:
                lines += self.jump(ind + 1, ctx, waits=False)
        self.scopes.pop()
        return [self.line(ind, head)] + lines

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
            ind = 2 if fn.throws else 1
            if fn.throws:
                lines.append(self.line(1, "try {"))
            if fn.ret == "int":
                lines.append(self.line(ind, 'std::printf("%s = %%d\\n", corofy::block_on(%s));' % (call, call),
                                       'std::printf("%s = %%d\\n", %s);' % (call, call)))
            else:
                lines.append(self.line(ind, "corofy::block_on(%s);" % call, "%s;" % call))
                lines.append(self.line(ind, 'std::printf("%s done\\n");' % call))
            if "int" in fn.throws:
                lines.append(self.line(1, "} catch (int e) {"))
                lines.append(self.line(2, 'std::printf("%s threw %%d\\n", e);' % call))
            if "str" in fn.throws:
                lines.append(self.line(1, "} catch (const char *e) {"))
                lines.append(self.line(2, 'std::printf("%s threw %%s\\n", e);' % call))
            if fn.throws:
                lines.append(self.line(1, "}"))
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


def parse_without(text):
    """The features named by a --without value (comma-separated)."""
    names = [w for w in (text or "").replace(" ", "").split(",") if w]
    for w in names:
        if w not in FEATURES:
            raise ValueError("unknown feature %r (known: %s)" % (w, ", ".join(FEATURES)))
    return names


def generate(seed, coroutines=12, max_depth=3, statements=14, without=()):
    """Returns (coroutine program, reference program) for a seed.
    `without`: features (of FEATURES) to leave out."""
    without = sorted(set(without))
    gen = Generator(seed, coroutines, max_depth, statements, without=without)
    lines = gen.program()
    argv = ["--seed", str(seed), "--coroutines", str(coroutines), "--max-depth", str(max_depth),
            "--statements", str(statements)]
    if without:
        argv += ["--without", ",".join(without)]
    return render(lines, 1, seed, argv), render(lines, 2, seed, argv)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--coroutines", type=int, default=12, help="functions per program")
    ap.add_argument("--max-depth", type=int, default=3, help="nesting of control statements")
    ap.add_argument("--statements", type=int, default=14, help="statements per function, roughly")
    ap.add_argument("--without", default="", help="features to leave out, comma-separated: " + ", ".join(FEATURES))
    ap.add_argument("--coroutine-out", required=True)
    ap.add_argument("--reference-out", required=True)
    a = ap.parse_args()
    try:
        without = parse_without(a.without)
    except ValueError as e:
        ap.error(str(e))
    coro, ref = generate(a.seed, a.coroutines, a.max_depth, a.statements, without)
    with open(a.coroutine_out, "w") as f:
        f.write(coro)
    with open(a.reference_out, "w") as f:
        f.write(ref)
    return 0


if __name__ == "__main__":
    sys.exit(main())
