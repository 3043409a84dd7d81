//===- net_test.cpp - Tests of TcpStream, TcpListener and Result ----------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/executor.hpp"
#include "corofy/join.hpp"
#include "corofy/net.hpp"
#include "corofy/timer.hpp"

#include "alloc_counter.h"
#include "test_util.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using corofy::Context;
using corofy::Poll;
using corofy::Runtime;
using corofy::net::Accept;
using corofy::net::Accepted;
using corofy::net::Connect;
using corofy::net::Read;
using corofy::net::ReadSome;
using corofy::net::Result;
using corofy::net::Shutdown;
using corofy::net::SocketAddr;
using corofy::net::TcpListener;
using corofy::net::TcpStream;
using corofy::net::WriteAll;
using corofy::testing::openFds;
using corofy::testing::threadCount;
using corofy::testing::Watchdog;
using namespace std::chrono_literals;

/// A listener on a free loopback port.
TcpListener loopbackListener() {
  Result<TcpListener> Listener = TcpListener::bind("127.0.0.1:0");
  if (!Listener)
    throw std::system_error(Listener.error(), "bind");
  return std::move(Listener).value();
}

/// Both ends of a loopback connection.
struct Connection {
  TcpStream Client;
  TcpStream Server;
};
Connection connectPair(Runtime &Rt, TcpListener &Listener) {
  auto [Client, Server] = Rt.block_on(corofy::join(
      TcpStream::connect(Listener.local_addr()), Listener.accept()));
  return {std::move(Client).value(), std::move(Server).value().stream};
}

/// Polls *Inner once, inside a runtime so that it can register with the
/// reactor, and yields whether that poll was pending.
template <class F> struct FirstPoll {
  using Output = bool;
  F *Inner;
  Poll<bool> poll(Context &Cx) {
    return Poll<bool>::ready(Inner->poll(Cx).is_pending());
  }
};
template <class F> bool pollOnce(Runtime &Rt, F &Future) {
  return Rt.block_on(FirstPoll<F>{&Future});
}

/// Makes the close of `Stream` send a reset (RST) instead of a FIN.
void resetOnClose(TcpStream &Stream) {
  linger Linger{1, 0};
  ASSERT_EQ(::setsockopt(Stream.fd(), SOL_SOCKET, SO_LINGER, &Linger,
                         sizeof Linger),
            0);
}

std::string pattern(std::size_t Size) {
  std::string Data(Size, '\0');
  for (std::size_t I = 0; I != Size; ++I)
    Data[I] = static_cast<char>('a' + (I * 7 + I / 4096) % 26);
  return Data;
}

/// A runtime and both ends of a loopback connection.
class StreamPairTest : public ::testing::Test {
protected:
  Watchdog W{"stream pair test"};
  Runtime Rt;
  TcpListener Listener = loopbackListener();
  Connection C = connectPair(Rt, Listener);

  /// What one read_some() of at most `Max` bytes gets, or the error.
  std::string readSome(TcpStream &Stream, std::size_t Max = 64) {
    std::string Buffer(Max, '\0');
    return received(Rt.block_on(Stream.read_some(Buffer)), Buffer);
  }
  /// What a read() into a buffer of `Size` bytes gets, or the error.
  std::string readFull(TcpStream &Stream, std::size_t Size) {
    std::string Buffer(Size, '\0');
    return received(Rt.block_on(Stream.read(Buffer)), Buffer);
  }
  static std::string received(const Result<std::size_t> &N,
                              std::string &Buffer) {
    if (!N)
      return "error: " + N.error().message();
    Buffer.resize(*N);
    return Buffer;
  }
};

//===----------------------------------------------------------------------===//
// Result and SocketAddr
//===----------------------------------------------------------------------===//

TEST(ResultTest, HoldsAValueOrAnError) {
  Result<int> Value(7);
  ASSERT_TRUE(Value);
  EXPECT_EQ(*Value, 7);
  EXPECT_FALSE(Value.error());

  Result<int> Error(std::make_error_code(std::errc::connection_refused));
  ASSERT_FALSE(Error);
  EXPECT_EQ(Error.error(), std::errc::connection_refused);
  EXPECT_THROW((void)Error.value(), std::system_error);

  Result<void> Done;
  EXPECT_TRUE(Done);
  Result<void> Failed(std::make_error_code(std::errc::broken_pipe));
  EXPECT_FALSE(Failed);
  EXPECT_EQ(Failed.error(), std::errc::broken_pipe);
  EXPECT_THROW(Failed.value(), std::system_error);
}

TEST(SocketAddrTest, ParsesAndFormatsNumericAddresses) {
  std::optional<SocketAddr> V4 = SocketAddr::parse("192.0.2.1:8080");
  ASSERT_TRUE(V4);
  EXPECT_EQ(V4->family(), AF_INET);
  EXPECT_EQ(V4->port(), 8080);
  EXPECT_EQ(V4->ip(), "192.0.2.1");
  EXPECT_EQ(V4->to_string(), "192.0.2.1:8080");

  std::optional<SocketAddr> V6 = SocketAddr::parse("[2001:db8::1]:443");
  ASSERT_TRUE(V6);
  EXPECT_EQ(V6->family(), AF_INET6);
  EXPECT_EQ(V6->port(), 443);
  EXPECT_EQ(V6->to_string(), "[2001:db8::1]:443");

  EXPECT_EQ(*SocketAddr::parse("127.0.0.1:9"), SocketAddr::loopback_v4(9));
  EXPECT_FALSE(*SocketAddr::parse("127.0.0.1:9") ==
               *SocketAddr::parse("127.0.0.1:10"));
  // From a sockaddr, as the socket calls return it.
  SocketAddr Copy(V6->native(), V6->native_size());
  EXPECT_EQ(Copy, *V6);
}

TEST(SocketAddrTest, RejectsWhatIsNotANumericAddressWithAPort) {
  for (const char *Text :
       {"", "127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:65536",
        "127.0.0.1:8x", "127.0.0.1:-1", "localhost:80", "[::1]80", "::1:80",
        "[::1:80", "[]:80", "300.0.0.1:80"})
    EXPECT_FALSE(SocketAddr::parse(Text)) << Text;
  EXPECT_TRUE(SocketAddr().empty());
  EXPECT_EQ(SocketAddr().to_string(), "");
}

//===----------------------------------------------------------------------===//
// Connecting, accepting and the descriptors
//===----------------------------------------------------------------------===//

TEST_F(StreamPairTest, BindingPortZeroReportsTheChosenPort) {
  EXPECT_NE(Listener.local_addr().port(), 0);
  EXPECT_EQ(Listener.local_addr().ip(), "127.0.0.1");
  EXPECT_EQ(C.Client.peer_addr().value(), Listener.local_addr());
  EXPECT_EQ(C.Server.peer_addr().value(), C.Client.local_addr().value());
}

TEST(TcpTest, BindingATakenPortIsAnErrorValue) {
  TcpListener First = loopbackListener();
  Result<TcpListener> Second = TcpListener::bind(First.local_addr());
  ASSERT_FALSE(Second);
  EXPECT_EQ(Second.error(), std::errc::address_in_use);
  EXPECT_EQ(TcpListener::bind("not an address").error(),
            std::errc::invalid_argument);
}

TEST(TcpTest, AcceptedStreamReportsItsPeer) {
  Watchdog W("accept peer");
  Runtime Rt;
  TcpListener Listener = loopbackListener();
  auto [Client, Server] = Rt.block_on(corofy::join(
      TcpStream::connect(Listener.local_addr()), Listener.accept()));
  ASSERT_TRUE(Client);
  ASSERT_TRUE(Server);
  EXPECT_EQ(Server->peer, Client->local_addr().value());
}

TEST(TcpTest, ConnectResolvesAHostName) {
  Watchdog W("connect localhost");
  Runtime Rt;
  TcpListener Listener = loopbackListener();
  std::string Address =
      "localhost:" + std::to_string(Listener.local_addr().port());
  // localhost may resolve to ::1 first, which refuses: the next address
  // is tried.
  auto [Client, Server] = Rt.block_on(
      corofy::join(TcpStream::connect(Address), Listener.accept()));
  ASSERT_TRUE(Client) << Client.error().message();
  ASSERT_TRUE(Server);
  EXPECT_EQ(Client->peer_addr().value(), Listener.local_addr());
}

TEST(TcpTest, ConnectionRefusedIsAnErrorValue) {
  Watchdog W("connection refused");
  Runtime Rt;
  SocketAddr Closed;
  {
    TcpListener Listener = loopbackListener();
    Closed = Listener.local_addr();
  } // nothing listens there any more
  Result<TcpStream> Stream = Rt.block_on(TcpStream::connect(Closed));
  ASSERT_FALSE(Stream);
  EXPECT_EQ(Stream.error(), std::errc::connection_refused);
  Stream = Rt.block_on(TcpStream::connect(Closed.to_string()));
  EXPECT_EQ(Stream.error(), std::errc::connection_refused);
}

TEST(TcpTest, BadAddressesAreErrorValues) {
  Watchdog W("bad addresses");
  Runtime Rt;
  EXPECT_EQ(Rt.block_on(TcpStream::connect("no port")).error(),
            std::errc::invalid_argument);
  EXPECT_EQ(Rt.block_on(TcpStream::connect("127.0.0.1:99999")).error(),
            std::errc::invalid_argument);
  // RFC 2606 reserves .invalid: no resolver finds it.
  Result<TcpStream> Unknown =
      Rt.block_on(TcpStream::connect("no-such-host.invalid:80"));
  ASSERT_FALSE(Unknown);
  // EAI_NONAME, or EAI_AGAIN or a system error when there is no network.
  EXPECT_TRUE(Unknown.error().category() == corofy::net::resolver_category() ||
              Unknown.error().category() == std::system_category())
      << Unknown.error().message();
}

TEST_F(StreamPairTest, DescriptorsAreCloseOnExecAndNonBlocking) {
  for (int Fd : {Listener.fd(), C.Client.fd(), C.Server.fd()}) {
    EXPECT_TRUE(::fcntl(Fd, F_GETFD) & FD_CLOEXEC) << Fd;
    EXPECT_TRUE(::fcntl(Fd, F_GETFL) & O_NONBLOCK) << Fd;
  }
}

TEST(TcpTest, OwnersCloseTheirDescriptors) {
  Watchdog W("descriptors closed");
  int Before = openFds();
  int ThreadsBefore = threadCount();
  {
    Runtime Rt;
    TcpListener Listener = loopbackListener();
    {
      Connection C = connectPair(Rt, Listener);
      TcpStream Moved = std::move(C.Client); // the moved-from one owns none
      ASSERT_TRUE(Rt.block_on(Moved.write_all("x")));
    }
    // Futures dropped while pending close what they opened.
    Connect Pending = TcpStream::connect(Listener.local_addr());
    (void)pollOnce(Rt, Pending);
    Accept Waiting = Listener.accept();
    (void)pollOnce(Rt, Waiting);
    Connect Named = TcpStream::connect(
        "localhost:" + std::to_string(Listener.local_addr().port()));
    (void)pollOnce(Rt, Named); // a lookup thread that is abandoned
  }
  // The abandoned lookup thread opens descriptors of its own (/etc/hosts, a
  // resolver socket) until it ends, which may be just after a count that
  // happened to match: wait for the thread, then count.
  for (int I = 0; I != 1500 && threadCount() != ThreadsBefore; ++I)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(threadCount(), ThreadsBefore) << "the lookup thread never ended";
  EXPECT_EQ(openFds(), Before);
}

//===----------------------------------------------------------------------===//
// Reading and writing
//===----------------------------------------------------------------------===//

TEST_F(StreamPairTest, BytesTravelBothWays) {
  ASSERT_TRUE(Rt.block_on(C.Client.write_all("ping")));
  EXPECT_EQ(readFull(C.Server, 4), "ping");
  ASSERT_TRUE(Rt.block_on(C.Server.write_all("pong")));
  EXPECT_EQ(readSome(C.Client), "pong");
}

TEST_F(StreamPairTest, ReadFillsTheBufferAcrossSegmentsAndStopsShortAtTheEnd) {
  std::string Buffer(10, '\0');
  Read Reading = C.Client.read(Buffer);
  ASSERT_TRUE(pollOnce(Rt, Reading)); // nothing sent yet
  ASSERT_TRUE(Rt.block_on(C.Server.write_all("abc")));
  Rt.block_on(corofy::sleep_for(10ms)); // the reactor sees the bytes
  ASSERT_TRUE(pollOnce(Rt, Reading)) << "3 of 10 bytes: still pending";
  ASSERT_TRUE(Rt.block_on(C.Server.write_all("defg")));
  ASSERT_TRUE(C.Server.shutdown(Shutdown::Write));
  EXPECT_EQ(received(Rt.block_on(Reading), Buffer), "abcdefg");

  // A full buffer completes without waiting for the end of the stream.
  ASSERT_TRUE(Rt.block_on(C.Client.write_all("0123456789extra")));
  EXPECT_EQ(readFull(C.Server, 10), "0123456789");
}

TEST_F(StreamPairTest, AShortReadWaitsForTheNextEdgeNotForEagain) {
  // Fewer bytes than the buffer holds emptied the socket: the next read
  // waits for the reactor's next edge instead of calling recv() to hear
  // EAGAIN. So it is pending even when bytes came that the reactor has
  // not seen yet; their edge then wakes it.
  ASSERT_EQ(::send(C.Server.fd(), "ab", 2, 0), 2);
  EXPECT_EQ(readSome(C.Client, 16), "ab");
  ASSERT_EQ(::send(C.Server.fd(), "cd", 2, 0), 2);
  std::string Buffer(16, '\0');
  ReadSome Reading = C.Client.read_some(Buffer);
  ASSERT_TRUE(pollOnce(Rt, Reading)) << "no edge seen since the short read";
  EXPECT_EQ(received(Rt.block_on(Reading), Buffer), "cd");
}

TEST_F(StreamPairTest, ShutdownEndsOneDirectionOnly) {
  ASSERT_TRUE(C.Client.shutdown());
  EXPECT_EQ(readSome(C.Server), "") << "end of stream";
  ASSERT_TRUE(Rt.block_on(C.Server.write_all("still")));
  EXPECT_EQ(readFull(C.Client, 5), "still");
}

TEST_F(StreamPairTest, ResetByPeerIsAnErrorValue) {
  std::array<char, 8> Buffer{};
  ReadSome Reading = C.Client.read_some(Buffer);
  ASSERT_TRUE(pollOnce(Rt, Reading));
  resetOnClose(C.Server);
  { TcpStream Closing = std::move(C.Server); }
  Result<std::size_t> N = Rt.block_on(Reading);
  ASSERT_FALSE(N);
  EXPECT_EQ(N.error(), std::errc::connection_reset);
}

TEST_F(StreamPairTest, WritingToAClosedPeerIsAnErrorValueNotSigpipe) {
  ASSERT_EQ(::signal(SIGPIPE, SIG_DFL), SIG_DFL) << "SIGPIPE must kill";
  { TcpStream Closing = std::move(C.Server); }
  // The first write may still be accepted; the peer then answers with a
  // reset, and later writes fail.
  std::string Data(64 * 1024, 'x');
  Result<void> Written;
  for (int I = 0; I != 100 && Written; ++I)
    Written = Rt.block_on(C.Client.write_all(Data));
  ASSERT_FALSE(Written);
  EXPECT_TRUE(Written.error() == std::errc::broken_pipe ||
              Written.error() == std::errc::connection_reset)
      << Written.error().message();
}

TEST_F(StreamPairTest, WriteAllResumesAfterPartialWrites) {
  // A small send buffer: each send() takes a fraction of the data. (Below
  // loopback's 64 KiB MSS it would slow TCP itself down.)
  int Small = 256 * 1024;
  ASSERT_EQ(::setsockopt(C.Client.fd(), SOL_SOCKET, SO_SNDBUF, &Small,
                         sizeof Small),
            0);
  std::string Sent = pattern(8 << 20);
  std::string Received(Sent.size(), '\0');
  auto [Written, N] = Rt.block_on(
      corofy::join(C.Client.write_all(Sent), C.Server.read(Received)));
  ASSERT_TRUE(Written) << Written.error().message();
  ASSERT_TRUE(N);
  EXPECT_EQ(*N, Sent.size());
  EXPECT_TRUE(Received == Sent);
}

/// Sends SIGUSR1 to a thread over and over while it lives.
class SignalStorm {
public:
  explicit SignalStorm(pthread_t Target)
      : Thread([this, Target] {
          while (!Stop) {
            pthread_kill(Target, SIGUSR1);
            std::this_thread::sleep_for(100us);
          }
        }) {}
  ~SignalStorm() {
    Stop = true;
    Thread.join();
  }

private:
  std::atomic<bool> Stop{false};
  std::thread Thread;
};

TEST(TcpTest, InterruptedCallsAreRetried) {
  Watchdog W("EINTR");
  // A handler without SA_RESTART: blocked and slow calls fail with EINTR.
  struct sigaction Action{};
  Action.sa_handler = [](int) {};
  sigemptyset(&Action.sa_mask);
  struct sigaction Previous{};
  ASSERT_EQ(::sigaction(SIGUSR1, &Action, &Previous), 0);
  {
    Runtime Rt;
    TcpListener Listener = loopbackListener();
    SignalStorm Storm(pthread_self());
    for (int Round = 0; Round != 20; ++Round) {
      Connection C = connectPair(Rt, Listener);
      std::string Sent = pattern(1 << 20);
      std::string Received(Sent.size(), '\0');
      auto [Written, N] = Rt.block_on(
          corofy::join(C.Client.write_all(Sent), C.Server.read(Received)));
      ASSERT_TRUE(Written) << Written.error().message();
      ASSERT_TRUE(N) << N.error().message();
      ASSERT_TRUE(Received == Sent);
      // The reactor waits (in epoll_wait) for a while with nothing to do.
      Rt.block_on(corofy::sleep_for(2ms));
    }
  }
  ASSERT_EQ(::sigaction(SIGUSR1, &Previous, nullptr), 0);
}

//===----------------------------------------------------------------------===//
// Streams and listeners that outlive their runtime
//===----------------------------------------------------------------------===//

TEST(TcpLifetimeTest, IoAfterItsRuntimeIsGoneFailsInAnother) {
  Watchdog W("I/O after its runtime is gone");
  const int Before = openFds();
  for (unsigned Workers : {0u, 2u}) {
    TcpListener Listener = loopbackListener();
    std::optional<Connection> C, Unused;
    std::optional<Accept> Waiting;
    {
      Runtime First(Runtime::Options{Workers});
      C.emplace(connectPair(First, Listener));
      Unused.emplace(connectPair(First, Listener)); // the server end unused
      // Every descriptor registers with First's reactor, and a read and an
      // accept are left pending there.
      ASSERT_TRUE(First.block_on(C->Client.write_all("x")));
      char Byte;
      ASSERT_TRUE(First.block_on(C->Server.read(std::span(&Byte, 1))));
      ReadSome Pending = C->Client.read_some(std::span(&Byte, 1));
      EXPECT_TRUE(pollOnce(First, Pending));
      Waiting.emplace(Listener.accept());
      EXPECT_TRUE(pollOnce(First, *Waiting));
    }
    // Data is waiting in the socket, yet the read fails: no reactor will
    // ever report the stream's readiness again.
    ASSERT_TRUE(::send(C->Server.fd(), "y", 1, MSG_NOSIGNAL) == 1);
    Runtime Second(Runtime::Options{Workers});
    auto Limited = [&](auto Future) {
      return Second.block_on(corofy::timeout(2s, std::move(Future)));
    };
    std::array<char, 4> Buffer;
    auto Read = Limited(C->Client.read_some(Buffer));
    ASSERT_TRUE(Read) << Workers << " workers: the read hung";
    ASSERT_FALSE(*Read) << Workers << " workers: read " << **Read << " bytes";
    EXPECT_EQ(Read->error(), corofy::ReactorError::ShutDown);
    EXPECT_EQ(Read->error(), std::errc::operation_canceled);
    EXPECT_NE(Read->error().message().find("runtime"), std::string::npos)
        << Read->error().message();
    auto Write = Limited(C->Server.write_all("z"));
    ASSERT_TRUE(Write) << Workers << " workers: the write hung";
    EXPECT_EQ(Write->error(), corofy::ReactorError::ShutDown);
    auto Accepted = Limited(std::move(*Waiting));
    ASSERT_TRUE(Accepted) << Workers << " workers: the accept hung";
    EXPECT_EQ(Accepted->error(), corofy::ReactorError::ShutDown);
    // A stream first used now belongs to the new runtime and works.
    ASSERT_TRUE(::send(Unused->Client.fd(), "w", 1, MSG_NOSIGNAL) == 1);
    auto Fresh = Limited(Unused->Server.read_some(Buffer));
    ASSERT_TRUE(Fresh) << Workers << " workers: the read hung";
    ASSERT_TRUE(*Fresh) << Fresh->error().message();
    EXPECT_EQ(**Fresh, 1u);
    EXPECT_EQ(Second.reactor().registrations(), 1u);
  }
  EXPECT_EQ(openFds(), Before) << "a descriptor leaked";
}

TEST(TcpLifetimeTest, IoWaitingInAnotherRuntimeFailsWhenItsRuntimeEnds) {
  Watchdog W("pending I/O when its runtime ends", 40s);
  const int Before = openFds();
  {
    TcpListener Listener = loopbackListener();
    std::optional<Runtime> First(std::in_place, Runtime::Options{1});
    Connection C = connectPair(*First, Listener);
    // Registered with First, whose worker turns its reactor.
    ASSERT_TRUE(First->block_on(C.Client.write_all("x")));
    char Byte;
    ASSERT_TRUE(First->block_on(C.Server.read(std::span(&Byte, 1))));
    std::optional<Result<std::size_t>> Read;
    std::thread Other([&] {
      Runtime Second;
      std::array<char, 4> Buffer;
      // Long enough that a read that waits for it is told apart: Timeout
      // polls the read once more when it expires, and that poll succeeds.
      if (auto Done = Second.block_on(
              corofy::timeout(10s, C.Server.read_some(Buffer))))
        Read.emplace(*Done);
    });
    std::this_thread::sleep_for(50ms); // the read waits by now
    auto Ended = std::chrono::steady_clock::now();
    First.reset();
    Other.join();
    EXPECT_LT(std::chrono::steady_clock::now() - Ended, 5s)
        << "the read went on waiting after its runtime ended";
    ASSERT_TRUE(Read);
    EXPECT_EQ(Read->error(), corofy::ReactorError::ShutDown);
  }
  EXPECT_EQ(openFds(), Before) << "a descriptor leaked";
}

//===----------------------------------------------------------------------===//
// Futures: moves and allocations
//===----------------------------------------------------------------------===//

static_assert(std::is_nothrow_move_constructible_v<Connect>);
static_assert(std::is_nothrow_move_constructible_v<Accept>);
static_assert(std::is_nothrow_move_constructible_v<ReadSome>);
static_assert(std::is_nothrow_move_constructible_v<Read>);
static_assert(std::is_nothrow_move_constructible_v<WriteAll>);
static_assert(std::is_nothrow_move_constructible_v<TcpStream>);
static_assert(std::is_nothrow_move_constructible_v<TcpListener>);

TEST(TcpFutureTest, FuturesMayMoveBeforeTheirFirstPoll) {
  Watchdog W("moved futures");
  Runtime Rt;
  TcpListener Listener = loopbackListener();
  std::vector<Connect> Connects;
  for (int I = 0; I != 8; ++I) // the vector moves them as it grows
    Connects.push_back(TcpStream::connect(Listener.local_addr()));
  std::vector<Accept> Accepts;
  for (int I = 0; I != 8; ++I)
    Accepts.push_back(Listener.accept());
  auto [Clients, Servers] = Rt.block_on(
      corofy::join(corofy::join_all(std::move(Connects)),
                   corofy::join_all(std::move(Accepts))));
  for (auto &Client : Clients)
    EXPECT_TRUE(Client);
  for (auto &Server : Servers)
    EXPECT_TRUE(Server);
}

/// Polls `Inner` until it is ready and counts the allocations of every
/// poll after the first (which may register with the reactor). It wakes
/// itself after each of its first `Spins` polls, then runs `Unblock` once
/// and waits for the wake of `Inner`, so that the polls that follow are
/// those of the reactor's wake, not of its own.
template <class F, class U> struct CountPollAllocations {
  using Output = long;
  F Inner;
  U Unblock;
  int Spins;
  int Polls = 0;
  long Allocations = 0;
  Poll<long> poll(Context &Cx) {
    if (Polls == Spins)
      Unblock();
    long Before = corofy::testing::Allocations;
    bool Ready = Inner.poll(Cx).is_ready();
    if (Polls++ > 0)
      Allocations += corofy::testing::Allocations - Before;
    if (Ready)
      return Poll<long>::ready(Allocations);
    if (Polls <= Spins)
      Cx.waker().wake();
    return Poll<long>::pending();
  }
};
template <class F, class U>
long pollAllocations(Runtime &Rt, F Inner, U Unblock, int Spins = 50) {
  return Rt.block_on(CountPollAllocations<F, U>{std::move(Inner),
                                                std::move(Unblock), Spins});
}

TEST_F(StreamPairTest, PollsAllocateNothing) {
  if (!COROFY_COUNT_ALLOCATIONS)
    GTEST_SKIP() << "the sanitizer's run time owns operator new";
  std::array<char, 16> Buffer{};

  EXPECT_EQ(pollAllocations(Rt, C.Client.read_some(Buffer),
                            [&] { (void)::send(C.Server.fd(), "x", 1, 0); }),
            0);
  EXPECT_EQ(pollAllocations(Rt, C.Client.read(std::span(Buffer).first(2)),
                            [&] { (void)::send(C.Server.fd(), "yz", 2, 0); }),
            0);

  // A write that waits for the reader: it fills the kernel's buffers first.
  std::string Big(16 << 20, 'w');
  std::string Drain(Big.size(), '\0');
  std::thread Reader;
  EXPECT_EQ(pollAllocations(Rt, C.Server.write_all(Big),
                            [&] {
                              Reader = std::thread([&] {
                                std::size_t Got = 0;
                                while (Got < Big.size()) {
                                  ssize_t N = ::recv(C.Client.fd(), Drain.data(),
                                                     Drain.size(), 0);
                                  if (N > 0)
                                    Got += N;
                                  else if (N == 0 || errno != EAGAIN)
                                    break;
                                }
                              });
                            }),
            0);
  Reader.join();

  EXPECT_EQ(pollAllocations(Rt, Listener.accept(),
                            [&] {
                              int Fd = ::socket(AF_INET, SOCK_STREAM, 0);
                              (void)::connect(Fd, Listener.local_addr().native(),
                                              Listener.local_addr().native_size());
                              ::close(Fd);
                            }),
            0);
}

//===----------------------------------------------------------------------===//
// Many connections on worker threads
//===----------------------------------------------------------------------===//

/// Echoes what it reads until the peer ends the stream.
struct EchoConnection {
  using Output = void;
  TcpStream Stream;
  std::unique_ptr<char[]> Buffer = std::make_unique<char[]>(4096);
  std::size_t Length = 0, Sent = 0;
  Poll<void> poll(Context &Cx) {
    for (;;) {
      while (Sent < Length) {
        auto Written = Stream.poll_write(
            Cx, std::string_view(Buffer.get() + Sent, Length - Sent));
        if (Written.is_pending())
          return Poll<void>::pending();
        if (!Written.value())
          return Poll<void>::ready();
        Sent += *Written.value();
      }
      auto N = Stream.poll_read(Cx, std::span(Buffer.get(), 4096));
      if (N.is_pending())
        return Poll<void>::pending();
      if (!N.value() || *N.value() == 0)
        return Poll<void>::ready();
      Length = *N.value();
      Sent = 0;
    }
  }
};

/// Accepts forever, spawning an EchoConnection per connection.
struct EchoServer {
  using Output = void;
  TcpListener Listener;
  Poll<void> poll(Context &Cx) {
    for (;;) {
      auto Next = Listener.poll_accept(Cx);
      if (Next.is_pending())
        return Poll<void>::pending();
      if (!Next.value())
        return Poll<void>::ready();
      corofy::spawn(EchoConnection{std::move(Next.value()->stream)});
    }
  }
};

/// Connects, sends `Sent` while reading it back, and yields whether the
/// echo matched.
struct EchoClient {
  using Output = bool;
  std::optional<Connect> Connecting;
  std::string Sent;
  std::optional<TcpStream> Stream;
  std::string Received;
  std::size_t WrittenBytes = 0, ReadBytes = 0;

  Poll<bool> poll(Context &Cx) {
    if (Connecting) {
      auto Connected = Connecting->poll(Cx);
      if (Connected.is_pending())
        return Poll<bool>::pending();
      if (!Connected.value())
        return Poll<bool>::ready(false);
      Stream.emplace(std::move(Connected.value()).value());
      Connecting.reset();
      Received.resize(Sent.size());
    }
    while (WrittenBytes < Sent.size()) {
      auto N =
          Stream->poll_write(Cx, std::string_view(Sent).substr(WrittenBytes));
      if (N.is_pending())
        break;
      if (!N.value())
        return Poll<bool>::ready(false);
      WrittenBytes += *N.value();
    }
    while (ReadBytes < Received.size()) {
      auto N = Stream->poll_read(Cx, std::span(Received).subspan(ReadBytes));
      if (N.is_pending())
        return Poll<bool>::pending();
      if (!N.value() || *N.value() == 0)
        return Poll<bool>::ready(false);
      ReadBytes += *N.value();
    }
    if (WrittenBytes < Sent.size())
      return Poll<bool>::pending();
    return Poll<bool>::ready(Received == Sent);
  }
};

TEST(TcpTest, ManyEchoConnectionsOnWorkerThreads) {
  Watchdog W("echo on workers", 60s);
  int Before = openFds();
  {
    Runtime Rt(Runtime::Options{.worker_threads = 2});
    TcpListener Listener = loopbackListener();
    SocketAddr Address = Listener.local_addr();
    Rt.spawn(EchoServer{std::move(Listener)});
    std::vector<corofy::JoinHandle<bool>> Clients;
    for (int I = 0; I != 64; ++I)
      Clients.push_back(Rt.spawn(
          EchoClient{Connect(Address), pattern(64 * 1024 + I * 1000), {}, {}}));
    for (auto &Client : Clients)
      EXPECT_TRUE(Rt.block_on(Client));
    // The server and its connections are still running: shutting the
    // runtime down drops them and closes every socket.
  }
  EXPECT_EQ(openFds(), Before);
}

} // namespace
