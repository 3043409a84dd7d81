// A member coroutine captures `this` and keeps the member's access: its
// frame is a class local to the function.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"
#include <string>

class Account {
public:
  explicit Account(std::string owner) : owner_(std::move(owner)) {}
  coroutine<int> deposit(int amount);
  coroutine<std::string> describe() const {
    int snapshot = balance_;
    wait(PendingOnce<void>());
    return owner_ + ": " + std::to_string(snapshot);
  }

private:
  void log(const char *what) { std::printf("%s\n", what); }
  std::string owner_;
  int balance_ = 0;
};

coroutine<int> Account::deposit(int amount) {
  log("depositing");
  int fee = wait(PendingOnce<int>(1));
  balance_ += amount - fee;
  this->log("deposited");
  return this->balance_;
}

// CHECK: coroutine<std::string> describe() const {
// CHECK-NEXT: class describe_frame {
// CHECK: describe_frame(const Account *self)
// CHECK: result.emplace(self->owner_ + ": " + std::to_string(snapshot));
// CHECK: coroutine<int> Account::deposit(int amount) {
// CHECK-NEXT: class deposit_frame {
// CHECK: deposit_frame(Account *self, int amount)
// CHECK: self->log("depositing");
// CHECK: self->balance_ += amount - fee;
// CHECK: self->log("deposited");
// CHECK: return corofy::Async<int>(deposit_frame(this, std::move(amount)));

int main() {
  Account account("ada");
  std::printf("balance %d\n", corofy::block_on(account.deposit(10)));
  std::printf("%s\n", corofy::block_on(account.describe()).c_str());
}
// OUT: depositing
// OUT-NEXT: deposited
// OUT-NEXT: balance 9
// OUT-NEXT: ada: 9

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
