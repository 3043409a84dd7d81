//===- epoll_backend.cpp - The reactor backend on Linux epoll -------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "reactor_backend.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <system_error>
#include <vector>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace corofy::detail {
namespace {

[[noreturn]] void throwErrno(const char *what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// The eventfd's events carry this token; no registration has it, since its
// index part (the low 32 bits) would be the reactor's 2^32-1st slot. The
// timerfd's carry TimerToken.
constexpr std::uint64_t WakeToken = ~std::uint64_t(0);
static_assert(WakeToken != TimerToken);

std::uint32_t epollEvents(Interest interest) {
  std::uint32_t events = EPOLLET;
  if (static_cast<std::uint8_t>(interest) & 1)
    events |= EPOLLIN | EPOLLRDHUP | EPOLLPRI;
  if (static_cast<std::uint8_t>(interest) & 2)
    events |= EPOLLOUT;
  return events;
}

std::uint8_t readiness(std::uint32_t events) {
  std::uint8_t bits = 0;
  if (events & (EPOLLIN | EPOLLPRI))
    bits |= Readiness::Readable;
  if (events & EPOLLOUT)
    bits |= Readiness::Writable;
  if (events & EPOLLRDHUP)
    bits |= Readiness::ReadClosed;
  if (events & EPOLLHUP)
    bits |= Readiness::ReadClosed | Readiness::WriteClosed;
  if (events & EPOLLERR)
    bits |= Readiness::Error;
  return bits;
}

// The timer is a timerfd on CLOCK_MONOTONIC, the clock of steady_clock (and
// so of Clock) in libstdc++ and libc++ on Linux, set to absolute times: its
// expiry is no earlier than the deadline as Clock::now() sees it. It is in
// the epoll set edge-triggered and never read: each expiry queues one event,
// which the kernel reports to one waiting thread, and timerfd_settime()
// resets the expiry count, so that an expiry not yet reported is dropped
// (epoll polls the fd again before it reports it) and the next is a new
// edge.
class EpollBackend final : public ReactorBackend {
public:
  explicit EpollBackend(bool withTimer) {
    try {
      epoll_ = epoll_create1(EPOLL_CLOEXEC);
      if (epoll_ < 0)
        throwErrno("epoll_create1");
      wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
      if (wake_ < 0)
        throwErrno("eventfd");
      add(wake_, WakeToken, Interest::Readable);
      if (withTimer) {
        timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (timer_ < 0)
          throwErrno("timerfd_create");
        add(timer_, TimerToken, Interest::Readable);
      }
    } catch (...) {
      closeAll();
      throw;
    }
  }
  ~EpollBackend() override { closeAll(); }

  void add(int fd, std::uint64_t token, Interest interest) override {
    control(EPOLL_CTL_ADD, fd, token, interest, "epoll_ctl(ADD)");
  }
  void modify(int fd, std::uint64_t token, Interest interest) override {
    control(EPOLL_CTL_MOD, fd, token, interest, "epoll_ctl(MOD)");
  }
  void remove(int fd) noexcept override {
    // Fails only for an fd that is already closed (and so already removed).
    (void)epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  }

  std::size_t wait(std::span<BackendEvent> out,
                   std::optional<std::chrono::nanoseconds> timeout) override {
    int milliseconds = -1;
    if (timeout) {
      // Round up: waking before the deadline would make the caller loop.
      auto rounded = std::chrono::ceil<std::chrono::milliseconds>(
          std::max(*timeout, std::chrono::nanoseconds(0)));
      milliseconds = static_cast<int>(
          std::min<std::chrono::milliseconds::rep>(rounded.count(), INT_MAX));
    }
    // Per thread, since several may wait at once.
    thread_local std::vector<epoll_event> events;
    events.resize(std::max<std::size_t>(out.size(), 1));
    int count = epoll_wait(epoll_, events.data(),
                           static_cast<int>(events.size()), milliseconds);
    if (count < 0) {
      if (errno == EINTR)
        return 0;
      throwErrno("epoll_wait");
    }
    std::size_t stored = 0;
    for (int i = 0; i != count; ++i) {
      if (events[i].data.u64 == WakeToken) {
        std::uint64_t value;
        // One read resets the counter (not a semaphore eventfd); the edge
        // is consumed with it.
        (void)!::read(wake_, &value, sizeof value);
        continue;
      }
      // The timer's expiry among them, with TimerToken.
      out[stored++] = {events[i].data.u64, readiness(events[i].events)};
    }
    return stored;
  }

  void wake() noexcept override {
    std::uint64_t one = 1;
    // Fails only when the counter is saturated, which is a pending wake.
    (void)!::write(wake_, &one, sizeof one);
  }

  void set_timer(Clock::time_point deadline) override {
    // All zeros would disarm the timer: a time before the clock's start is
    // its first nanosecond, passed all the same.
    auto since = std::max(std::chrono::duration_cast<std::chrono::nanoseconds>(
                              deadline.time_since_epoch()),
                          std::chrono::nanoseconds(1));
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since);
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(seconds.count());
    spec.it_value.tv_nsec = static_cast<long>((since - seconds).count());
    if (timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr) < 0)
      throwErrno("timerfd_settime");
  }

private:
  void closeAll() noexcept {
    for (int fd : {timer_, wake_, epoll_})
      if (fd >= 0)
        ::close(fd);
  }

  void control(int op, int fd, std::uint64_t token, Interest interest,
               const char *what) {
    epoll_event event{};
    event.events = epollEvents(interest);
    event.data.u64 = token;
    if (epoll_ctl(epoll_, op, fd, &event) < 0)
      throwErrno(what);
  }

  int epoll_ = -1;
  int wake_ = -1;
  int timer_ = -1;
};

} // namespace

std::unique_ptr<ReactorBackend> make_reactor_backend(bool with_timer) {
  return std::make_unique<EpollBackend>(with_timer);
}

} // namespace corofy::detail
