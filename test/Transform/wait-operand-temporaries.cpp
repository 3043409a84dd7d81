// Temporaries that a wait's operand materializes live until the end of the
// full-expression that holds the wait, as C++20 keeps those of a co_await's
// operand across the suspension: the frame makes them where the operand
// made them, in the storage of the statement's temporaries, and destroys
// them with the full-expression's other temporaries, newest first, or when
// the coroutine is destroyed while suspended. A future that keeps a
// reference to one (as a std::string_view would) reads a live object.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

/// Pending once, then ready with the name of a Tracked it does not own.
struct NameOf {
  using Output = std::string;
  const Tracked *of;
  bool polled = false;
  corofy::Poll<std::string> poll(corofy::Context &cx) {
    std::printf("poll %s\n", of->name.c_str());
    if (!polled) {
      polled = true;
      cx.waker().wake();
      return corofy::Poll<std::string>::pending();
    }
    return corofy::Poll<std::string>::ready(of->name);
  }
};
NameOf nameOf(const Tracked &t) { return NameOf{&t}; }

/// The same for an int.
struct ValueOf {
  using Output = int;
  const int *of;
  bool polled = false;
  corofy::Poll<int> poll(corofy::Context &cx) {
    if (!polled) {
      polled = true;
      cx.waker().wake();
      return corofy::Poll<int>::pending();
    }
    return corofy::Poll<int>::ready(*of);
  }
};
ValueOf valueOf(const int &n) { return ValueOf{&n}; }

Tracked renamed(const Tracked &t, const char *suffix) {
  return Tracked(t.name + suffix);
}

std::string pair(const std::string &a, const std::string &b) {
  std::printf("pair\n");
  return a + "," + b;
}

coroutine<std::string> run() {
  std::string a = wait(nameOf(Tracked("a")));
  std::printf("made a = %s\n", a.c_str());
  wait(nameOf(renamed(Tracked("b"), "+")));
  std::printf("after b\n");
  std::string c = pair(wait(nameOf(Tracked("c1"))), wait(nameOf(Tracked("c2"))));
  if (wait(nameOf(Tracked("d"))) == "d")
    std::printf("d matched\n");
  int e = wait(valueOf(40 + 2));
  return a + " " + c + " " + std::to_string(e);
}

// The statement's temporaries hold them, trivially destructible ones too.
// CHECK: union { Tracked temporary; };
// CHECK: union { int temporary{{[0-9]*}}; };
// Each is made where the operand made it, and read as the glvalue the
// operand was; the nested one first.
// CHECK: ::new (&wait1_) auto(nameOf(std::as_const(*corofy::frame::made({{temps[0-9]+_.made[0-9]*}}, ::new (&[[A:temps[0-9]+_.temporary[0-9]*]]) auto(Tracked("a"))))));
// CHECK: ::new (&a) std::string(std::move(polled1).value());
// CHECK-NEXT: }
// CHECK-NEXT: std::destroy_at(&[[A]]);
// CHECK: ::new (&wait2_) auto(nameOf(std::as_const(*corofy::frame::made({{temps[0-9]+_.made[0-9]*}}, ::new (&[[B2:temps[0-9]+_.temporary[0-9]+]]) auto(renamed(std::as_const(*corofy::frame::made({{temps[0-9]+_.made[0-9]*}}, ::new (&[[B1:temps[0-9]+_.temporary[0-9]+]]) auto(Tracked("b")))), "+"))))));
// CHECK: std::destroy_at(&[[B2]]);
// CHECK-NEXT: std::destroy_at(&[[B1]]);
// CHECK: ::new (&wait6_) auto(valueOf(std::as_const(*::new (&{{temps[0-9]+_.temporary[0-9]*}}) auto(40 + 2))));

int main() {
  std::printf("%s\n", corofy::block_on(run()).c_str());
  std::printf("-- destroyed while suspended at c2\n");
  {
    corofy::Waker waker = corofy::Waker::noop();
    corofy::Context cx(waker);
    auto future = run();
    for (int i = 0; i < 4; ++i)
      (void)future.poll(cx);
  }
  std::printf("-- end\n");
}
// OUT: construct a
// OUT-NEXT: poll a
// OUT-NEXT: poll a
// OUT-NEXT: destroy a
// OUT-NEXT: made a = a
// OUT-NEXT: construct b
// OUT-NEXT: construct b+
// OUT-NEXT: poll b+
// OUT-NEXT: poll b+
// OUT-NEXT: destroy b+
// OUT-NEXT: destroy b
// OUT-NEXT: after b
// OUT-NEXT: construct c1
// OUT-NEXT: poll c1
// OUT-NEXT: poll c1
// OUT-NEXT: construct c2
// OUT-NEXT: poll c2
// OUT-NEXT: poll c2
// OUT-NEXT: pair
// OUT-NEXT: destroy c2
// OUT-NEXT: destroy c1
// OUT-NEXT: construct d
// OUT-NEXT: poll d
// OUT-NEXT: poll d
// OUT-NEXT: destroy d
// OUT-NEXT: d matched
// OUT-NEXT: a c1,c2 42
// OUT-NEXT: -- destroyed while suspended at c2
// OUT: poll c2
// OUT-NEXT: destroy c2
// OUT-NEXT: destroy c1
// OUT-NEXT: -- end

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
