//===- delay.hpp - A leaf future that is ready after a delay ----*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The smallest real leaf future: on its first poll it starts a timer thread
// that wakes the task's waker when the delay is over; later polls report
// ready once that happened. The runtime's reactor replaces the thread with
// an epoll timer; the contract with the executor is the same.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_EXAMPLES_BASICS_DELAY_HPP
#define COROFY_EXAMPLES_BASICS_DELAY_HPP

#include <corofy/corofy.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

class Delay {
public:
  using Output = std::string;

  Delay(std::chrono::milliseconds duration, std::string message)
      : duration_(duration), message_(std::move(message)) {}
  Delay(Delay &&) = default;
  ~Delay() {
    if (timer_.joinable())
      timer_.join();
  }

  corofy::Poll<std::string> poll(corofy::Context &cx) {
    if (!shared_) {
      shared_ = std::make_shared<Shared>();
      timer_ = std::thread([shared = shared_, waker = cx.waker(),
                            duration = duration_] {
        std::this_thread::sleep_for(duration);
        shared->done.store(true, std::memory_order_release);
        waker.wake();
      });
      return corofy::Poll<std::string>::pending();
    }
    if (!shared_->done.load(std::memory_order_acquire))
      return corofy::Poll<std::string>::pending();
    return corofy::Poll<std::string>::ready(std::move(message_));
  }

private:
  struct Shared {
    std::atomic<bool> done{false};
  };
  std::chrono::milliseconds duration_;
  std::string message_;
  std::shared_ptr<Shared> shared_;
  std::thread timer_;
};

#endif // COROFY_EXAMPLES_BASICS_DELAY_HPP
