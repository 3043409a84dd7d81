//===- load_test.cpp - 10,000 connections held on one delayserver ---------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// One process opens 10,000 connections to the delayserver and holds them
// all: every client connects and waits until all the others have, then all
// send a request for a delayed answer at once, and every one must receive
// its own message back. Both processes lift their descriptor limits.
// Labelled "load" in ctest.
//
//===----------------------------------------------------------------------===//

#include "checked_delayserver.h"
#include "test_util.h"

#include <corofy/corofy.hpp>
#include <corofy/http.hpp>
#include <corofy/net.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>

namespace corofy::testing {
/// What load() yields. (Outside the anonymous namespace: before corofy
/// rewrites it, a coroutine's output type must have linkage.)
struct LoadResult {
  int held = 0;     // connections open at once before any request
  int answered = 0; // clients that got their message back
  long long connect_ms = 0, answer_ms = 0;
};
} // namespace corofy::testing

namespace {

namespace http = corofy::http;
namespace net = corofy::net;
using corofy::testing::CheckedDelayServer;
using corofy::testing::LoadResult;
using corofy::testing::Trigger;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int Clients = 10000;
/// Connects in progress at most: more would overflow the listener's
/// backlog, and each SYN dropped costs a one-second retransmission.
constexpr int ConnectsInFlight = 256;
/// Long enough that every request is waiting on the server at once.
constexpr int DelayMs = 1000;

struct Progress {
  std::atomic<int> attempted{0}; // connects finished, well or not
  std::atomic<int> connected{0};
};

/// One client: connects, waits for `go`, sends its request and reads the
/// whole response. True if the body is its own message.
coroutine<bool> client(net::SocketAddr address, int index, Trigger go,
                       Progress *progress) {
  net::Result<net::TcpStream> stream = wait(net::TcpStream::connect(address));
  ++progress->attempted;
  if (!stream)
    return false;
  ++progress->connected;
  wait(go.wait());
  std::string message = "client" + std::to_string(index);
  std::string request = "GET /" + std::to_string(DelayMs) + "/" + message +
                        " HTTP/1.1\r\nConnection: close\r\n\r\n";
  net::Result<void> sent = wait(stream->write_all(request));
  if (!sent)
    return false;
  http::ResponseParser parser;
  std::string buffer(512, '\0');
  while (parser.status() == http::ParseStatus::Incomplete) {
    net::Result<std::size_t> received = wait(stream->read_some(buffer));
    if (!received)
      return false;
    if (*received == 0)
      (void)parser.finish();
    else
      (void)parser.feed(std::string_view(buffer.data(), *received));
  }
  return parser.status() == http::ParseStatus::Complete &&
         parser.take().body == message;
}

coroutine<LoadResult> load(net::SocketAddr address) {
  Progress progress;
  Trigger go;
  std::vector<corofy::JoinHandle<bool>> clients;
  clients.reserve(Clients);
  auto started = Clock::now();
  for (int i = 0; i != Clients; ++i) {
    while (i - progress.attempted.load() >= ConnectsInFlight)
      wait(corofy::sleep_for(1ms));
    clients.push_back(corofy::spawn(client(address, i, go, &progress)));
  }
  while (progress.attempted.load() != Clients)
    wait(corofy::sleep_for(1ms));
  LoadResult result;
  result.held = progress.connected.load();
  auto connected = Clock::now();
  go.fire();
  for (corofy::JoinHandle<bool> &handle : clients)
    if (wait(handle))
      ++result.answered;
  auto answered = Clock::now();
  result.connect_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          connected - started)
                          .count();
  result.answer_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         answered - connected)
                         .count();
  return result;
}

TEST(DelayServerLoadTest, HoldsTenThousandConnectionsAndAnswersThemAll) {
  corofy::testing::Watchdog W("10,000 connections", 60s);
  rlimit Limit;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &Limit), 0);
  ASSERT_GE(Limit.rlim_max, rlim_t(Clients + 100))
      << "the hard limit on open files is too low for this test";
  Limit.rlim_cur = Limit.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &Limit), 0);

  CheckedDelayServer Server;
  auto Start = Clock::now();
  LoadResult R = corofy::block_on(load(Server.address()));
  auto Total = std::chrono::duration_cast<std::chrono::milliseconds>(
                   Clock::now() - Start)
                   .count();
  std::printf("%d connections held, %d answered; connecting took %lld ms, "
              "answering %lld ms (delay %d ms); %lld ms in all\n",
              R.held, R.answered, R.connect_ms, R.answer_ms, DelayMs,
              static_cast<long long>(Total));
  EXPECT_EQ(R.held, Clients);
  EXPECT_EQ(R.answered, Clients);
  // All were delayed together, not one after the other.
  EXPECT_GE(R.answer_ms, DelayMs);
  EXPECT_LT(Total, 30000);
  EXPECT_EQ(Server.requestLines(Clients, 10s).size(), std::size_t(Clients));
}

} // namespace
