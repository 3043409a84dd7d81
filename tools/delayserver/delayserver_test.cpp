//===- delayserver_test.cpp - The delayserver, from its clients' side -----===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Integration tests of the delayserver program on loopback. The clients are
// the book's (chapter 8): coroutines that GET /<i * 100>/HelloWorld<i>,
// waited on one by one and then all at once with join_all. Like the server,
// this file is written in coroutine/wait syntax and run through corofy.
//
//===----------------------------------------------------------------------===//

#include "checked_delayserver.h"

#include <corofy/corofy.hpp>
#include <corofy/http.hpp>
#include <corofy/net.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <sys/socket.h>

namespace {

namespace http = corofy::http;
namespace net = corofy::net;
using corofy::testing::CheckedDelayServer;
using corofy::testing::DelayServerProcess;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// The book's request: its body, or the error.
coroutine<std::string> request(std::string base, int i) {
  net::Result<http::Response> response = wait(http::get(
      base + "/" + std::to_string(i * 100) + "/HelloWorld" + std::to_string(i)));
  if (!response)
    return "error: " + response.error().message();
  return response->body;
}

coroutine<std::vector<std::string>> requestOneByOne(std::string base,
                                                    int count) {
  std::vector<std::string> bodies;
  for (int i = 0; i != count; ++i)
    bodies.push_back(wait(request(base, i)));
  return bodies;
}

coroutine<std::vector<std::string>> requestAllAtOnce(std::string base,
                                                     int count) {
  std::vector<corofy::Async<std::string>> requests;
  for (int i = 0; i != count; ++i)
    requests.push_back(request(base, i));
  return wait(corofy::join_all(std::move(requests)));
}

/// Sends `request` and goes away `after` later, without reading the
/// answer; with a reset instead of a close when `reset`. True if it sent.
coroutine<bool> dropMidRequest(net::SocketAddr address, std::string request,
                               std::chrono::milliseconds after, bool reset) {
  net::Result<net::TcpStream> stream =
      wait(net::TcpStream::connect(address));
  if (!stream)
    return false;
  net::Result<void> sent = wait(stream->write_all(request));
  wait(corofy::sleep_for(after));
  if (reset) {
    linger now{1, 0};
    setsockopt(stream->fd(), SOL_SOCKET, SO_LINGER, &now, sizeof now);
  }
  return sent.has_value();
}

/// GETs `path` and yields the status and body, or the error.
coroutine<std::string> fetch(std::string base, std::string path) {
  net::Result<http::Response> response = wait(http::get(base + path));
  if (!response)
    return "error: " + response.error().message();
  return std::to_string(response->status) + " " + response->body;
}

std::vector<std::string> helloWorlds(int Count) {
  std::vector<std::string> Bodies;
  for (int I = 0; I != Count; ++I)
    Bodies.push_back("HelloWorld" + std::to_string(I));
  return Bodies;
}

std::vector<std::string> bookLines(int Count) {
  std::vector<std::string> Lines;
  for (int I = 0; I != Count; ++I)
    Lines.push_back("#" + std::to_string(I + 1) + " - " +
                    std::to_string(I * 100) + "ms: HelloWorld" +
                    std::to_string(I));
  return Lines;
}

long long millisecondsSince(Clock::time_point Start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                               Start)
      .count();
}

TEST(DelayServerTest, FiveRequestsOneByOneTakeTheSumOfTheirDelays) {
  CheckedDelayServer Server;
  auto Start = Clock::now();
  std::vector<std::string> Bodies =
      corofy::block_on(requestOneByOne(Server.baseUrl(), 5));
  long long Elapsed = millisecondsSince(Start);
  std::printf("five requests one by one: %lld ms\n", Elapsed);
  EXPECT_EQ(Bodies, helloWorlds(5));
  // 0 + 100 + 200 + 300 + 400 ms.
  EXPECT_GE(Elapsed, 1000);
  EXPECT_LE(Elapsed, 1400);
  // The server printed each request as it came, in order.
  EXPECT_EQ(Server.requestLines(5, 5s), bookLines(5));
}

TEST(DelayServerTest, FiveRequestsJoinedTakeTheLongestDelay) {
  // On worker threads this time.
  CheckedDelayServer Server({"--threads", "2"});
  auto Start = Clock::now();
  std::vector<std::string> Bodies =
      corofy::block_on(requestAllAtOnce(Server.baseUrl(), 5));
  long long Elapsed = millisecondsSince(Start);
  std::printf("five requests joined: %lld ms\n", Elapsed);
  EXPECT_EQ(Bodies, helloWorlds(5)) << "join_all keeps the order";
  EXPECT_GE(Elapsed, 400);
  EXPECT_LE(Elapsed, 560);
  // The five arrive at about the same time, in any order, numbered 1 to 5.
  std::vector<std::string> Lines = Server.requestLines(5, 5s);
  ASSERT_EQ(Lines.size(), 5u);
  std::vector<std::string> Expected = bookLines(5);
  for (std::vector<std::string> *List : {&Lines, &Expected})
    for (std::string &Line : *List)
      Line.erase(0, Line.find(' ')); // "#n" depends on the arrival order
  std::sort(Lines.begin(), Lines.end());
  std::sort(Expected.begin(), Expected.end());
  EXPECT_EQ(Lines, Expected);
}

TEST(DelayServerTest, EchoesTheDecodedMessage) {
  CheckedDelayServer Server;
  EXPECT_EQ(corofy::block_on(fetch(Server.baseUrl(), "/0/hello%20world%21")),
            "200 hello world!");
  EXPECT_EQ(Server.requestLines(1, 5s),
            std::vector<std::string>{"#1 - 0ms: hello world!"});
}

TEST(DelayServerTest, AnswersOtherRequestsWithErrors) {
  CheckedDelayServer Server;
  std::string Base = Server.baseUrl();
  for (const char *Path : {"/", "/100", "/100/", "/abc/x", "/100/a/b",
                           "/-1/x", "/99999999999999/x"})
    EXPECT_TRUE(corofy::block_on(fetch(Base, Path)).starts_with("404 "))
        << Path;
  // Malformed requests get 400, and the server goes on. (The stream
  // belongs to the runtime it was registered on: one for all three steps.)
  corofy::Runtime Rt;
  net::TcpStream Raw =
      Rt.block_on(net::TcpStream::connect(Server.address())).value();
  ASSERT_TRUE(Rt.block_on(Raw.write_all("GET /0/x HTTP/9.9\r\n\r\n")));
  std::string Reply(12, '\0');
  ASSERT_TRUE(Rt.block_on(Raw.read(Reply)));
  EXPECT_EQ(Reply, "HTTP/1.1 400");
  EXPECT_EQ(corofy::block_on(fetch(Base, "/0/still-here")), "200 still-here");
  EXPECT_EQ(Server.requestLines(1, 5s),
            std::vector<std::string>{"#1 - 0ms: still-here"});
}

TEST(DelayServerTest, ClientsDroppingMidRequestDoNotDisturbOthers) {
  CheckedDelayServer Server;
  // Twenty clients leave while the server delays their answers (half of
  // them with a reset), one leaves in the middle of its request, and
  // meanwhile another one waits for its answer.
  std::vector<corofy::Async<bool>> Droppers;
  for (int I = 0; I != 20; ++I)
    Droppers.push_back(dropMidRequest(Server.address(),
                                      "GET /300/dropped HTTP/1.1\r\n\r\n",
                                      std::chrono::milliseconds(20 + I * 5),
                                      I % 2 == 0));
  Droppers.push_back(dropMidRequest(Server.address(), "GET /300/dro", 50ms,
                                    false));
  auto Start = Clock::now();
  auto [Dropped, Kept] = corofy::block_on(
      corofy::join(corofy::join_all(std::move(Droppers)),
                   fetch(Server.baseUrl(), "/400/kept")));
  long long Elapsed = millisecondsSince(Start);
  for (bool Sent : Dropped)
    EXPECT_TRUE(Sent);
  EXPECT_EQ(Kept, "200 kept");
  EXPECT_GE(Elapsed, 400);
  EXPECT_LE(Elapsed, 560);
  // The dropped requests were printed and then answered to nobody; the
  // server goes on serving.
  EXPECT_EQ(Server.requestLines(21, 5s).size(), 21u);
  corofy::block_on(corofy::sleep_for(350ms)); // their delays end
  EXPECT_EQ(corofy::block_on(fetch(Server.baseUrl(), "/0/after")),
            "200 after");
}

TEST(DelayServerTest, RaisesItsDescriptorLimitToTheHardLimit) {
  CheckedDelayServer Server;
  std::ifstream Limits("/proc/" + std::to_string(Server.pid()) + "/limits");
  std::string Line;
  while (std::getline(Limits, Line) && !Line.starts_with("Max open files")) {
  }
  unsigned long Soft = 0, Hard = 0;
  ASSERT_EQ(std::sscanf(Line.c_str(), "Max open files %lu %lu", &Soft, &Hard),
            2)
      << Line;
  EXPECT_EQ(Soft, Hard);
}

TEST(DelayServerTest, HelpAndBadOptions) {
  auto [HelpStatus, Help] = DelayServerProcess::run({"--help"});
  EXPECT_EQ(HelpStatus, 0);
  EXPECT_TRUE(Help.starts_with("Usage: delayserver [options]")) << Help;
  EXPECT_NE(Help.find("{Message #} - {delay in ms}ms: {message}"),
            std::string::npos);
  EXPECT_NE(Help.find("--port <port>"), std::string::npos);

  for (std::vector<std::string> Bad :
       {std::vector<std::string>{"--port", "http"}, {"--port"},
        {"--port=70000"}, {"--threads", "-1"}, {"--verbose", "1"}}) {
    auto [Status, Printed] = DelayServerProcess::run(Bad);
    EXPECT_EQ(Status, 2) << Bad[0];
    EXPECT_NE(Printed.find("Try 'delayserver --help'"), std::string::npos)
        << Printed;
  }
  auto [Status, Printed] =
      DelayServerProcess::run({"--address", "no-such-host.invalid"});
  EXPECT_EQ(Status, 1);
  EXPECT_NE(Printed.find("cannot listen on no-such-host.invalid:8080"),
            std::string::npos)
      << Printed;
}

} // namespace
