//===- join.cpp - The set of woken children of join_all -------------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// A wake pushes its child's node on an intrusive lock-free stack (a
// Treiber stack with one consumer, which only ever takes the whole stack,
// so it has no ABA problem); the JoinAll's poll takes the stack, reverses
// it into the order of the wakes, and polls the children one by one. Each
// node's `queued` flag keeps it on the stack at most once: the poller clears
// it just before polling the child, after reading the node's link, so a
// wake from then on pushes the node again, and no wake is lost.
//
// Only the wake that makes the stack non-empty wakes the task: until the
// task takes the stack, every later wake finds it non-empty and relies on
// that first one. So a burst of wakes costs one task wake, and a wake
// costs no allocation: a compare-and-swap, and a lock to clone the task's
// waker when it is the first.
//
//===----------------------------------------------------------------------===//

#include "corofy/join.hpp"

namespace corofy::detail {

const WakerVTable WokenSet::ChildVTable{
    [](const void *data) {
      static_cast<const Node *>(data)->set->refs_.fetch_add(
          1, std::memory_order_relaxed);
      return data;
    },
    [](const void *data) {
      Node &node = *static_cast<Node *>(const_cast<void *>(data));
      node.set->wake(node);
    },
    [](const void *data) { static_cast<const Node *>(data)->set->release(); },
    [](const void *data) {
      Node &node = *static_cast<Node *>(const_cast<void *>(data));
      WokenSet *set = node.set;
      set->wake(node);
      set->release();
    }};

WokenSet::WokenSet(std::size_t size) : nodes_(new Node[size]) {
  for (std::size_t i = 0; i != size; ++i)
    nodes_[i].set = this;
}

WokenSet *WokenSet::create(std::size_t size) { return new WokenSet(size); }

void WokenSet::release() noexcept {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1)
    delete this;
}

void WokenSet::set_task(const Waker &task) {
  Waker replaced = Waker::noop(); // dropped after the lock
  std::lock_guard<std::mutex> lock(task_mutex_);
  if (!task_.will_wake(task))
    replaced = std::exchange(task_, task);
}

void WokenSet::wake(Node &node) noexcept {
  if (node.queued.exchange(true, std::memory_order_acq_rel))
    return; // queued already, and its task woken
  Node *head = woken_.load(std::memory_order_relaxed);
  do
    node.next = head;
  while (!woken_.compare_exchange_weak(head, &node, std::memory_order_release,
                                       std::memory_order_relaxed));
  if (head)
    return;
  Waker task = Waker::noop();
  {
    std::lock_guard<std::mutex> lock(task_mutex_);
    task = task_;
  }
  std::move(task).wake();
}

void WokenSet::take_woken() noexcept {
  Node *taken = woken_.exchange(nullptr, std::memory_order_acquire);
  Node *ordered = nullptr; // reversed: oldest first
  while (taken)
    ordered = std::exchange(taken, std::exchange(taken->next, ordered));
  if (!batch_) {
    batch_ = ordered;
    return;
  }
  // Left over from a poll a child's exception cut short.
  Node *last = batch_;
  while (last->next)
    last = last->next;
  last->next = ordered;
}

std::size_t WokenSet::next() noexcept {
  Node *node = batch_;
  if (!node)
    return None;
  batch_ = node->next; // before the flag: a wake may then relink the node
  node->queued.store(false, std::memory_order_release);
  return static_cast<std::size_t>(node - nodes_.get());
}

} // namespace corofy::detail
