//===- http_test.cpp - Tests of the HTTP parsers, client and server -------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/executor.hpp"
#include "corofy/http.hpp"
#include "corofy/join.hpp"
#include "corofy/timer.hpp"

// net_test.cpp, in the same program, replaces operator new.
#define COROFY_ALLOC_COUNTER_READ_ONLY
#include "alloc_counter.h"
#include "test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using corofy::Async;
using corofy::Context;
using corofy::Poll;
using corofy::Runtime;
using corofy::http::Error;
using corofy::http::Headers;
using corofy::http::Limits;
using corofy::http::ParseStatus;
using corofy::http::Request;
using corofy::http::RequestParser;
using corofy::http::Response;
using corofy::http::ResponseParser;
using corofy::http::ServerOptions;
using corofy::http::Url;
using corofy::net::Result;
using corofy::net::SocketAddr;
using corofy::net::TcpListener;
using corofy::net::TcpStream;
using corofy::testing::openFds;
using corofy::testing::Trigger;
using corofy::testing::Watchdog;
using namespace std::chrono_literals;

/// Feeds `Text` in pieces of `Piece` bytes (the last one shorter) and
/// returns the status after the last.
template <class P>
ParseStatus feedInPieces(P &Parser, std::string_view Text, std::size_t Piece) {
  ParseStatus Status = Parser.status();
  for (std::size_t I = 0; I < Text.size(); I += Piece)
    Status = Parser.feed(Text.substr(I, Piece));
  return Status;
}

/// Parses a whole response fed in pieces of `Piece` bytes, ending the
/// stream when `Eof`.
Response parseResponse(std::string_view Text, std::size_t Piece,
                       bool Eof = false) {
  ResponseParser Parser;
  ParseStatus Status = feedInPieces(Parser, Text, Piece);
  if (Eof)
    Status = Parser.finish();
  EXPECT_EQ(Status, ParseStatus::Complete) << Parser.error().message();
  return Status == ParseStatus::Complete ? Parser.take() : Response{};
}

/// The error of parsing `Text` (then ending the stream), fed byte by byte
/// and at once: both must agree.
std::error_code responseError(std::string_view Text, Limits L = {}) {
  ResponseParser ByteByByte(L), AtOnce(L);
  (void)feedInPieces(ByteByByte, Text, 1);
  (void)ByteByByte.finish();
  (void)AtOnce.feed(Text);
  (void)AtOnce.finish();
  EXPECT_EQ(ByteByByte.error(), AtOnce.error()) << Text;
  return ByteByByte.error();
}

/// A malformed message and the error it must give.
struct ErrorCase {
  std::string_view Text;
  Error Expected;
};

std::error_code requestError(std::string_view Text, Limits L = {}) {
  RequestParser ByteByByte(L), AtOnce(L);
  (void)feedInPieces(ByteByByte, Text, 1);
  (void)AtOnce.feed(Text);
  EXPECT_EQ(ByteByByte.error(), AtOnce.error()) << Text;
  return ByteByByte.error();
}

//===----------------------------------------------------------------------===//
// Response parsing
//===----------------------------------------------------------------------===//

constexpr std::string_view LengthResponse =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "content-length: 11\r\n"
    "X-Empty:\r\n"
    "\r\n"
    "hello world";

constexpr std::string_view ChunkedResponse =
    "HTTP/1.1 201 Created Here\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "5\r\nhello\r\n"
    "1;name=value\r\n \r\n"
    "A \r\n0123\r\n6789\r\n" // data may hold CRLF; BWS before the CRLF
    "00000\r\n"
    "Trailer-Field: ignored\r\n"
    "\r\n";

TEST(ResponseParserTest, ReadsAContentLengthBodyByteByByte) {
  Response R = parseResponse(LengthResponse, 1);
  EXPECT_EQ(R.status, 200);
  EXPECT_EQ(R.reason, "OK");
  EXPECT_EQ(R.minor_version, 1);
  EXPECT_EQ(R.headers.get("CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(R.headers.get("x-empty"), "");
  EXPECT_FALSE(R.headers.get("missing"));
  EXPECT_EQ(R.body, "hello world");
}

TEST(ResponseParserTest, ReadsAChunkedBodyByteByByte) {
  Response R = parseResponse(ChunkedResponse, 1);
  EXPECT_EQ(R.status, 201);
  EXPECT_EQ(R.reason, "Created Here");
  EXPECT_EQ(R.body, "hello 0123\r\n6789");
  EXPECT_FALSE(R.headers.contains("Trailer-Field"));
}

TEST(ResponseParserTest, EverySplitPointGivesTheSameResponse) {
  for (std::string_view Text : {LengthResponse, ChunkedResponse}) {
    std::string Expected = parseResponse(Text, Text.size()).body;
    for (std::size_t Cut = 1; Cut < Text.size(); ++Cut) {
      ResponseParser Parser;
      EXPECT_EQ(Parser.feed(Text.substr(0, Cut)), ParseStatus::Incomplete)
          << Cut;
      ASSERT_EQ(Parser.feed(Text.substr(Cut)), ParseStatus::Complete) << Cut;
      EXPECT_EQ(Parser.take().body, Expected) << Cut;
    }
  }
}

TEST(ResponseParserTest, ABodyWithoutLengthRunsUntilTheConnectionCloses) {
  std::string_view Text = "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nuntil the end";
  ResponseParser Parser;
  EXPECT_EQ(feedInPieces(Parser, Text, 3), ParseStatus::Incomplete);
  EXPECT_EQ(Parser.finish(), ParseStatus::Complete);
  Response R = Parser.take();
  EXPECT_EQ(R.minor_version, 0);
  EXPECT_EQ(R.body, "until the end");

  // So does one whose last transfer coding is not chunked.
  EXPECT_EQ(parseResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz",
                          1, true)
                .body,
            "zz");
}

TEST(ResponseParserTest, SomeResponsesHaveNoBody) {
  EXPECT_EQ(parseResponse("HTTP/1.1 204 No Content\r\n\r\n", 1).status, 204);
  EXPECT_EQ(
      parseResponse("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", 1)
          .body,
      "");
  ResponseParser Head(Limits{}, /*head_request=*/true);
  EXPECT_EQ(Head.feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
            ParseStatus::Complete);
  EXPECT_EQ(Head.take().body, "");
  // A status line without a reason phrase, and with an empty one.
  EXPECT_EQ(parseResponse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 1).reason,
            "");
  EXPECT_EQ(parseResponse("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", 1).reason,
            "");
}

TEST(ResponseParserTest, SkipsInterimResponses) {
  Response R = parseResponse("HTTP/1.1 100 Continue\r\n\r\n"
                             "HTTP/1.1 102 Processing\r\nX: y\r\n\r\n"
                             "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                             1);
  EXPECT_EQ(R.status, 200);
  EXPECT_FALSE(R.headers.contains("X"));
  EXPECT_EQ(R.body, "ok");
}

TEST(ResponseParserTest, AcceptsBareLineFeedsAndRepeatedEqualLengths) {
  EXPECT_EQ(parseResponse("HTTP/1.1 200 OK\nContent-Length: 2\n\nok", 1).body,
            "ok");
  EXPECT_EQ(parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n"
                          "Content-Length: 2\r\n\r\nok",
                          1)
                .body,
            "ok");
}

TEST(ResponseParserTest, MalformedResponsesAreErrors) {
  const ErrorCase Cases[] = {
      {"garbage\r\n\r\n", Error::MalformedStartLine},
      {"HTTP/2.0 200 OK\r\n\r\n", Error::MalformedStartLine},
      {"HTTP/1.1 2x0 OK\r\n\r\n", Error::MalformedStartLine},
      {"HTTP/1.1 200OK\r\n\r\n", Error::MalformedStartLine},
      {"HTTP/1.1 20\r\n\r\n", Error::MalformedStartLine},
      {"HTTP/1.1 200 O\x01K\r\n\r\n", Error::MalformedStartLine},
      {"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", Error::MalformedHeader},
      {"HTTP/1.1 200 OK\r\nName : value\r\n\r\n", Error::MalformedHeader},
      {"HTTP/1.1 200 OK\r\n: value\r\n\r\n", Error::MalformedHeader},
      {"HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", Error::MalformedHeader},
      {"HTTP/1.1 200 OK\r\nA: b\x01" "c\r\n\r\n", Error::MalformedHeader},
      {"HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", Error::MalformedHeader},
      {"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
       Error::BadContentLength},
      {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
       Error::BadContentLength},
      {"HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n",
       Error::BadContentLength},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n",
       Error::BadContentLength},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
       Error::BadContentLength},
      {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
       Error::BadContentLength},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       Error::BadChunk},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
       Error::BadChunk},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n",
       Error::BadChunk},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n",
       Error::BadChunk},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n",
       Error::BadChunk},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "FFFFFFFFFFFFFFFFFFFF\r\n",
       Error::BadChunk},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "5\r\nhello\r\n0\r\nbad trailer\r\n\r\n",
       Error::MalformedHeader},
      // The stream ends inside the head, a sized body or the chunks.
      {"", Error::UnexpectedEof},
      {"HTTP/1.1 200 OK\r\nContent-", Error::UnexpectedEof},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
       Error::UnexpectedEof},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
       Error::UnexpectedEof},
  };
  for (const ErrorCase &C : Cases)
    EXPECT_EQ(responseError(C.Text), C.Expected) << C.Text;
}

TEST(ResponseParserTest, EnforcesItsLimits) {
  Limits Small{.max_head = 64, .max_body = 8};
  EXPECT_EQ(responseError("HTTP/1.1 200 OK\r\nX: " + std::string(60, 'x') +
                              "\r\n\r\n",
                          Small),
            Error::HeadTooLarge);
  // Without a line end in sight too.
  EXPECT_EQ(responseError(std::string(100, 'H'), Small), Error::HeadTooLarge);
  EXPECT_EQ(responseError("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", Small),
            Error::BodyTooLarge);
  EXPECT_EQ(responseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5\r\nhello\r\n4\r\n",
                          Small),
            Error::BodyTooLarge);
  EXPECT_EQ(responseError("HTTP/1.1 200 OK\r\n\r\n123456789", Small),
            Error::BodyTooLarge);
  EXPECT_EQ(responseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5;" +
                          std::string(5000, 'e') + "\r\n"),
            Error::BadChunk);
}

TEST(ResponseParserTest, ErrorsAreHttpErrorCodes) {
  std::error_code E = Error::BadChunk;
  EXPECT_EQ(E.category(), corofy::http::error_category());
  EXPECT_STREQ(E.category().name(), "http");
  EXPECT_EQ(E.message(), "malformed chunk");
}

//===----------------------------------------------------------------------===//
// Request parsing
//===----------------------------------------------------------------------===//

TEST(RequestParserTest, ReadsRequestsByteByByte) {
  RequestParser Parser;
  EXPECT_TRUE(Parser.idle());
  std::string_view Text = "\r\n" // an empty line before is skipped
                          "POST /submit?x=1 HTTP/1.1\r\n"
                          "Host: example.com\r\n"
                          "Content-Length: 4\r\n"
                          "\r\n"
                          "data";
  EXPECT_EQ(feedInPieces(Parser, Text.substr(0, 1), 1), ParseStatus::Incomplete);
  EXPECT_FALSE(Parser.idle());
  ASSERT_EQ(feedInPieces(Parser, Text.substr(1), 1), ParseStatus::Complete);
  Request R = Parser.take();
  EXPECT_EQ(R.method, "POST");
  EXPECT_EQ(R.target, "/submit?x=1");
  EXPECT_EQ(R.headers.get("host"), "example.com");
  EXPECT_EQ(R.body, "data");
  EXPECT_TRUE(R.keep_alive());
  EXPECT_TRUE(Parser.idle());
}

TEST(RequestParserTest, ReadsAChunkedRequestBody) {
  RequestParser Parser;
  ASSERT_EQ(feedInPieces(Parser,
                         "PUT / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
                         "3\r\nabc\r\n0\r\n\r\n",
                         2),
            ParseStatus::Complete);
  EXPECT_EQ(Parser.take().body, "abc");
}

TEST(RequestParserTest, KeepsBytesOfPipelinedRequests) {
  RequestParser Parser;
  ASSERT_EQ(Parser.feed("GET /one HTTP/1.1\r\n\r\nGET /two HTTP/1.1\r\n"
                        "Connection: close\r\n\r\nGET /th"),
            ParseStatus::Complete);
  EXPECT_EQ(Parser.take().target, "/one");
  ASSERT_EQ(Parser.status(), ParseStatus::Complete);
  Request Two = Parser.take();
  EXPECT_EQ(Two.target, "/two");
  EXPECT_FALSE(Two.keep_alive());
  EXPECT_EQ(Parser.status(), ParseStatus::Incomplete);
  EXPECT_FALSE(Parser.idle());
  ASSERT_EQ(Parser.feed("ree HTTP/1.0\r\n\r\n"), ParseStatus::Complete);
  Request Three = Parser.take();
  EXPECT_EQ(Three.target, "/three");
  EXPECT_EQ(Three.minor_version, 0);
  EXPECT_FALSE(Three.keep_alive());
  EXPECT_TRUE(Parser.idle());
  EXPECT_EQ(Parser.finish(), ParseStatus::Failed) << "no request to finish";
}

TEST(RequestParserTest, KeepAliveFollowsTheVersionAndConnectionHeader) {
  auto keepAlive = [](std::string_view Text) {
    RequestParser Parser;
    EXPECT_EQ(Parser.feed(Text), ParseStatus::Complete) << Text;
    return Parser.take().keep_alive();
  };
  EXPECT_TRUE(keepAlive("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(keepAlive("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"));
  EXPECT_FALSE(keepAlive("GET / HTTP/1.1\r\nConnection: x, close\r\n\r\n"));
  EXPECT_FALSE(keepAlive("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(keepAlive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
}

TEST(RequestParserTest, MalformedRequestsAreErrors) {
  const ErrorCase Cases[] = {
      {"GET /\r\n\r\n", Error::MalformedStartLine},
      {"GET / HTTP/1.1 extra\r\n\r\n", Error::MalformedStartLine},
      {"GET  / HTTP/1.1\r\n\r\n", Error::MalformedStartLine},
      {"G@T / HTTP/1.1\r\n\r\n", Error::MalformedStartLine},
      {"GET / HTTP/2\r\n\r\n", Error::MalformedStartLine},
      {"GET /a\x7f" "b HTTP/1.1\r\n\r\n", Error::MalformedStartLine},
      {"GET / HTTP/1.1\r\nHost example.com\r\n\r\n", Error::MalformedHeader},
      {"GET / HTTP/1.1\r\n Host: x\r\n\r\n", Error::MalformedHeader},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: "
       "chunked\r\n\r\n",
       Error::BadTransferEncoding},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
       Error::BadTransferEncoding},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
       Error::BadTransferEncoding},
      {"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
       Error::BadContentLength},
  };
  for (const ErrorCase &C : Cases)
    EXPECT_EQ(requestError(C.Text), C.Expected) << C.Text;
  EXPECT_EQ(requestError("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n",
                         Limits{.max_head = 1024, .max_body = 1024}),
            Error::BodyTooLarge);

  RequestParser Truncated;
  (void)Truncated.feed("GET / HT");
  EXPECT_EQ(Truncated.finish(), ParseStatus::Failed);
  EXPECT_EQ(Truncated.error(), Error::UnexpectedEof);
  // A failed parser stays failed.
  EXPECT_EQ(Truncated.feed("TP/1.1\r\n\r\n"), ParseStatus::Failed);
}

//===----------------------------------------------------------------------===//
// Headers, URLs and serialization
//===----------------------------------------------------------------------===//

TEST(RequestParserTest, EveryByteOfValuesAndTargetsIsChecked) {
  // The checks look at eight bytes at a time: a bad byte is found at any
  // place in a long value, an allowed one passes at any place.
  const std::string Long = "abcdefghijklmnopqrstuvwxyz0123";
  auto Parse = [](const std::string &Target, const std::string &Value) {
    RequestParser Parser;
    (void)Parser.feed("GET /" + Target + " HTTP/1.1\r\nX: " + Value +
                      "\r\n\r\n");
    return Parser.status() == ParseStatus::Complete ? std::error_code()
                                                    : Parser.error();
  };
  for (std::size_t At = 0; At != Long.size(); ++At) {
    std::string Value = Long, Target = Long;
    for (char Bad : {'\x01', '\x1f', '\x7f', '\0'}) {
      Value[At] = Target[At] = Bad;
      EXPECT_EQ(Parse(Long, Value), Error::MalformedHeader) << At;
      EXPECT_EQ(Parse(Target, Long), Error::MalformedStartLine) << At;
    }
    Target[At] = ' ';
    EXPECT_EQ(Parse(Target, Long), Error::MalformedStartLine) << At;
    for (char Good : {'\t', '\x80', '\xff', ' '}) {
      Value[At] = Good;
      EXPECT_EQ(Parse(Long, Value), std::error_code()) << At;
    }
    for (char Good : {'\x21', '\x7e', '\x80', '\xff'}) {
      Target[At] = Good;
      EXPECT_EQ(Parse(Target, Long), std::error_code()) << At;
    }
  }
}

TEST(HeadersTest, NamesIgnoreCaseAndListsHoldTokens) {
  Headers H;
  H.add("Connection", "keep-alive, Upgrade");
  H.add("connection", "TE");
  H.add("Accept", "a");
  H.add("accept", "b");
  EXPECT_EQ(H.get("ACCEPT"), "a");
  EXPECT_TRUE(H.has_token("connection", "upgrade"));
  EXPECT_TRUE(H.has_token("connection", "te"));
  EXPECT_FALSE(H.has_token("connection", "close"));
  EXPECT_FALSE(H.has_token("connection", "keep"));
  H.set("accept", "c");
  EXPECT_EQ(H.get("Accept"), "c");
  EXPECT_EQ(H.size(), 3u);
}

TEST(UrlTest, ParsesHostPortAndTarget) {
  Result<Url> U = Url::parse("http://127.0.0.1:8080/100/hello?x=1#frag");
  ASSERT_TRUE(U);
  EXPECT_EQ(U->host, "127.0.0.1");
  EXPECT_EQ(U->port, 8080);
  EXPECT_EQ(U->authority, "127.0.0.1:8080");
  EXPECT_EQ(U->target, "/100/hello?x=1");
  EXPECT_EQ(U->connect_address(), "127.0.0.1:8080");

  U = Url::parse("HTTP://example.com");
  ASSERT_TRUE(U);
  EXPECT_EQ(U->port, 80);
  EXPECT_EQ(U->target, "/");
  EXPECT_EQ(U->connect_address(), "example.com:80");

  U = Url::parse("http://[::1]:81?q");
  ASSERT_TRUE(U);
  EXPECT_EQ(U->host, "::1");
  EXPECT_EQ(U->target, "/?q");
  EXPECT_EQ(U->connect_address(), "[::1]:81");

  for (const char *Bad :
       {"https://example.com/", "example.com/", "http://", "http:///path",
        "http://user@host/", "http://host:99999/", "http://host:x/",
        "http://[::1/", "http://[::1]x/", "http://host/a b"})
    EXPECT_EQ(Url::parse(Bad).error(), Error::BadUrl) << Bad;
}

TEST(SerializeTest, AddsContentLengthWhereABodyMayBe) {
  Response R = Response::text(200, "hi");
  EXPECT_EQ(corofy::http::serialize(R),
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\n"
            "content-length: 2\r\n\r\nhi");
  Response NoContent;
  NoContent.status = 204;
  EXPECT_EQ(corofy::http::serialize(NoContent),
            "HTTP/1.1 204 No Content\r\n\r\n");
  Request Q;
  Q.method = "POST";
  Q.target = "/x";
  Q.body = "abc";
  EXPECT_EQ(corofy::http::serialize(Q),
            "POST /x HTTP/1.1\r\ncontent-length: 3\r\n\r\nabc");
  // What is serialized parses back.
  RequestParser Parser;
  ASSERT_EQ(Parser.feed(corofy::http::serialize(Q)), ParseStatus::Complete);
  EXPECT_EQ(Parser.take().body, "abc");
  EXPECT_EQ(corofy::http::reason_phrase(404), "Not Found");
}

//===----------------------------------------------------------------------===//
// The server and the client on loopback
//===----------------------------------------------------------------------===//


struct ThrowsWhenPolled {
  using Output = Response;
  Poll<Response> poll(Context &) { throw std::runtime_error("late failure"); }
};

/// The handler of the tests: /sleep/<ms>, /throw, /throw-later, and else
/// an echo of the method, target and body.
Async<Response> testHandler(Request R) {
  if (R.target.starts_with("/sleep/"))
    return corofy::testing::SleepThen<Response>{
        corofy::sleep_for(std::chrono::milliseconds(
            std::stoi(R.target.substr(7)))),
        Response::text(200, "slept")};
  if (R.target == "/throw")
    throw std::runtime_error("handler failed");
  if (R.target == "/throw-later")
    return ThrowsWhenPolled{};
  return corofy::Ready<Response>(
      Response::text(200, R.method + " " + R.target + " " + R.body));
}

/// A test server on a free loopback port, served by tasks of `Rt`.
class ServerTest : public ::testing::Test {
protected:
  Watchdog W{"http server test", 30s};
  Runtime Rt;
  SocketAddr Address;

  void startServer(ServerOptions Options = {}) {
    Result<TcpListener> Listener = TcpListener::bind("127.0.0.1:0");
    ASSERT_TRUE(Listener);
    Address = Listener->local_addr();
    Rt.spawn(corofy::http::serve(std::move(*Listener), testHandler, Options));
  }
  void SetUp() override { startServer(); }

  std::string url(std::string_view Path) const {
    return "http://" + Address.to_string() + std::string(Path);
  }
  TcpStream connect() {
    Result<TcpStream> Stream = Rt.block_on(TcpStream::connect(Address));
    EXPECT_TRUE(Stream);
    return std::move(Stream).value();
  }
  /// Reads until `Parser` has a response, failed, or the stream ended.
  ParseStatus readResponse(TcpStream &Stream, ResponseParser &Parser) {
    std::array<char, 4096> Buffer;
    while (Parser.status() == ParseStatus::Incomplete) {
      Result<std::size_t> N = Rt.block_on(Stream.read_some(Buffer));
      if (!N || *N == 0)
        return Parser.finish();
      (void)Parser.feed(std::string_view(Buffer.data(), *N));
    }
    return Parser.status();
  }
  /// True when the server closed the connection (end of stream).
  bool closedByServer(TcpStream &Stream) {
    std::array<char, 16> Buffer;
    Result<std::size_t> N = Rt.block_on(Stream.read_some(Buffer));
    return N && *N == 0;
  }
};

static_assert(std::is_nothrow_move_constructible_v<corofy::http::Get>);
static_assert(std::is_nothrow_move_constructible_v<corofy::http::Server>);

TEST_F(ServerTest, GetReturnsStatusHeadersAndBody) {
  Result<Response> R = Rt.block_on(corofy::http::get(url("/hello?a=b")));
  ASSERT_TRUE(R) << R.error().message();
  EXPECT_EQ(R->status, 200);
  EXPECT_EQ(R->headers.get("content-type"), "text/plain; charset=utf-8");
  EXPECT_TRUE(R->headers.contains("date"));
  EXPECT_EQ(R->headers.get("connection"), "close") << "the client asked";
  EXPECT_EQ(R->body, "GET /hello?a=b ");
}

TEST_F(ServerTest, KeepsConnectionsAliveAndAnswersPipelinedRequests) {
  TcpStream Stream = connect();
  ASSERT_TRUE(Rt.block_on(Stream.write_all(
      "GET /one HTTP/1.1\r\n\r\nPOST /two HTTP/1.1\r\nContent-Length: 3\r\n"
      "\r\nabc")));
  ResponseParser Parser;
  ASSERT_EQ(readResponse(Stream, Parser), ParseStatus::Complete);
  EXPECT_EQ(Parser.take().body, "GET /one ");
  ASSERT_EQ(readResponse(Stream, Parser), ParseStatus::Complete);
  Response Two = Parser.take();
  EXPECT_EQ(Two.body, "POST /two abc");
  EXPECT_FALSE(Two.headers.contains("connection"));
  // Later, on the same connection.
  ASSERT_TRUE(Rt.block_on(Stream.write_all("GET /three HTTP/1.1\r\n\r\n")));
  ASSERT_EQ(readResponse(Stream, Parser), ParseStatus::Complete);
  EXPECT_EQ(Parser.take().body, "GET /three ");
}

TEST_F(ServerTest, ClosesAfterAnHttp10RequestUnlessAskedToKeepAlive) {
  TcpStream Stream = connect();
  ASSERT_TRUE(Rt.block_on(Stream.write_all(
      "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")));
  ResponseParser Parser;
  ASSERT_EQ(readResponse(Stream, Parser), ParseStatus::Complete);
  EXPECT_EQ(Parser.take().headers.get("connection"), "keep-alive");
  ASSERT_TRUE(Rt.block_on(Stream.write_all("GET /b HTTP/1.0\r\n\r\n")));
  ASSERT_EQ(readResponse(Stream, Parser), ParseStatus::Complete);
  EXPECT_EQ(Parser.take().body, "GET /b ");
  EXPECT_TRUE(closedByServer(Stream));
}

TEST_F(ServerTest, AnswersABadRequestWith400AndCloses) {
  TcpStream Stream = connect();
  ASSERT_TRUE(
      Rt.block_on(Stream.write_all("GET / HTTP/1.1\r\nbad header\r\n\r\n")));
  ResponseParser Parser;
  ASSERT_EQ(readResponse(Stream, Parser), ParseStatus::Complete);
  Response R = Parser.take();
  EXPECT_EQ(R.status, 400);
  EXPECT_EQ(R.headers.get("connection"), "close");
  EXPECT_EQ(R.body, "bad request: malformed header field\n");
  EXPECT_TRUE(closedByServer(Stream));
}

TEST_F(ServerTest, AnswersAFailingHandlerWith500) {
  for (const char *Path : {"/throw", "/throw-later"}) {
    Result<Response> R = Rt.block_on(corofy::http::get(url(Path)));
    ASSERT_TRUE(R) << Path;
    EXPECT_EQ(R->status, 500) << Path;
  }
  // The server goes on.
  EXPECT_EQ(Rt.block_on(corofy::http::get(url("/after")))->status, 200);
}

TEST_F(ServerTest, AnswersHeadWithTheHeadersOfGet) {
  TcpStream Stream = connect();
  ASSERT_TRUE(Rt.block_on(
      Stream.write_all("HEAD /x HTTP/1.1\r\nConnection: close\r\n\r\n")));
  std::string Received;
  std::array<char, 4096> Buffer;
  for (;;) {
    Result<std::size_t> N = Rt.block_on(Stream.read_some(Buffer));
    ASSERT_TRUE(N);
    if (*N == 0)
      break;
    Received.append(Buffer.data(), *N);
  }
  // The length of the body a GET would get ("HEAD /x "), but no body.
  EXPECT_NE(Received.find("\r\ncontent-length: 8\r\n"), std::string::npos)
      << Received;
  EXPECT_TRUE(Received.ends_with("\r\n\r\n")) << Received;
}

/// The seconds since the epoch of an IMF-fixdate, or -1 when `Text` is not
/// one.
std::time_t parseHttpDate(std::string_view Text) {
  std::string Copy(Text);
  std::tm Utc{};
  const char *End = ::strptime(Copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &Utc);
  if (Copy.size() != 29 || !End || *End != '\0')
    return -1;
  return ::timegm(&Utc);
}

TEST_F(ServerTest, TheDateHeaderIsTheCurrentSecond) {
  TcpStream Stream = connect();
  ResponseParser Parser;
  auto Date = [&] {
    EXPECT_TRUE(Rt.block_on(Stream.write_all("GET /d HTTP/1.1\r\n\r\n")));
    EXPECT_EQ(readResponse(Stream, Parser), ParseStatus::Complete);
    Response R = Parser.take();
    std::optional<std::string_view> Text = R.headers.get("date");
    EXPECT_TRUE(Text);
    std::time_t Parsed = Text ? parseHttpDate(*Text) : -1;
    EXPECT_NE(Parsed, -1) << Text.value_or("no date");
    EXPECT_LE(std::abs(Parsed - std::time(nullptr)), 2) << Parsed;
    return Parsed;
  };
  // On one connection, so on one thread of the server: the date follows
  // the clock from one second to the next.
  std::time_t First = Date();
  std::time_t Later = First;
  for (int I = 0; I != 50 && Later == First; ++I) {
    Rt.block_on(corofy::sleep_for(50ms));
    Later = Date();
  }
  EXPECT_GT(Later, First);
  EXPECT_LE(Later, First + 3);
}

TEST_F(ServerTest, ClientsDroppingMidRequestDoNotDisturbOthers) {
  // One waits for a slow response and resets the connection; one sends
  // half a request and closes; one connects and closes at once.
  {
    TcpStream Impatient = connect();
    ASSERT_TRUE(
        Rt.block_on(Impatient.write_all("GET /sleep/200 HTTP/1.1\r\n\r\n")));
    TcpStream Half = connect();
    ASSERT_TRUE(Rt.block_on(Half.write_all("GET /half HTT")));
    TcpStream Silent = connect();
    Rt.block_on(corofy::sleep_for(20ms)); // the server reads them
    linger Reset{1, 0};
    ASSERT_EQ(::setsockopt(Impatient.fd(), SOL_SOCKET, SO_LINGER, &Reset,
                           sizeof Reset),
              0);
  }
  auto [Slow, Fast] = Rt.block_on(corofy::join(
      corofy::http::get(url("/sleep/300")), corofy::http::get(url("/fast"))));
  ASSERT_TRUE(Slow);
  ASSERT_TRUE(Fast);
  EXPECT_EQ(Slow->body, "slept");
  EXPECT_EQ(Fast->body, "GET /fast ");
}

/// A ServerTest whose tests start the server themselves, with the read
/// timeout they check.
class ServerTimeoutTest : public ServerTest {
protected:
  void SetUp() override {}
};

TEST_F(ServerTimeoutTest, ClosesConnectionsThatSendNothing) {
  Watchdog Limit("read timeout");
  startServer(ServerOptions{.read_timeout = 100ms});
  TcpStream Stream = connect();
  auto Start = std::chrono::steady_clock::now();
  ASSERT_TRUE(closedByServer(Stream));
  EXPECT_GE(std::chrono::steady_clock::now() - Start, 90ms);
}

TEST_F(ServerTimeoutTest, TheTimeoutCountsFromTheLastRequest) {
  Watchdog Limit("read timeout after requests");
  startServer(ServerOptions{.read_timeout = 200ms});
  TcpStream Stream = connect();
  auto Get = [&](std::string Target) {
    ASSERT_TRUE(
        Rt.block_on(Stream.write_all("GET " + Target + " HTTP/1.1\r\n\r\n")));
    ResponseParser Parser;
    ASSERT_EQ(readResponse(Stream, Parser), ParseStatus::Complete)
        << "closed too early, before " << Target;
    EXPECT_EQ(Parser.take().status, 200) << Target;
  };
  // Each request gives the connection another 200 ms from its end: the
  // last one comes 300 ms after the first.
  Get("/t");
  Rt.block_on(corofy::sleep_for(150ms));
  Get("/t");
  Rt.block_on(corofy::sleep_for(150ms));
  Get("/t");
  // The time a handler takes does not count either: the timer fires while
  // this one sleeps, and the next request still finds the connection.
  Get("/sleep/300");
  Rt.block_on(corofy::sleep_for(100ms));
  Get("/t");
  auto Last = std::chrono::steady_clock::now();
  ASSERT_TRUE(closedByServer(Stream));
  auto Idle = std::chrono::steady_clock::now() - Last;
  EXPECT_GE(Idle, 190ms);
  EXPECT_LT(Idle, 1s);
}

/// A blocking client on a thread of its own: connects, sends `Count`
/// keep-alive GETs one after the other, each after the response to the
/// last, and checks each response.
void blockingGets(const SocketAddr &Address, int Count) {
  int Fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(Fd, 0);
  ASSERT_EQ(::connect(Fd, Address.native(), Address.native_size()), 0);
  constexpr std::string_view Get = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
  std::array<char, 4096> Buffer;
  ResponseParser Parser;
  for (int I = 0; I != Count; ++I) {
    ASSERT_EQ(::send(Fd, Get.data(), Get.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(Get.size()));
    while (Parser.status() == ParseStatus::Incomplete) {
      ssize_t N = ::recv(Fd, Buffer.data(), Buffer.size(), 0);
      ASSERT_GT(N, 0);
      (void)Parser.feed(std::string_view(Buffer.data(), N));
    }
    ASSERT_EQ(Parser.status(), ParseStatus::Complete);
    EXPECT_EQ(Parser.take().body, "hi");
  }
  ::close(Fd);
}

TEST(ServerAllocationTest, AKeepAliveRequestAllocatesLittle) {
  if (!COROFY_COUNT_ALLOCATIONS)
    GTEST_SKIP() << "the sanitizer's run time owns operator new";
  Watchdog W("allocations per request");
  // A current-thread runtime: the server's tasks run on this thread, the
  // client on another, so this thread's count is the server's.
  Runtime Rt;
  constexpr int Warmup = 10, Measured = 200;
  std::vector<long> Counts;
  Counts.reserve(Warmup + Measured);
  // Notes the count at each request and answers without allocating, but
  // for the box of its future.
  auto Handler = [&Counts](Request) -> Async<Response> {
    Counts.push_back(corofy::testing::Allocations);
    Response R;
    R.body = "hi";
    return corofy::Ready<Response>(std::move(R));
  };
  Result<TcpListener> Listener = TcpListener::bind("127.0.0.1:0");
  ASSERT_TRUE(Listener);
  SocketAddr Address = Listener->local_addr();
  Rt.spawn(corofy::http::serve(std::move(*Listener), Handler));
  Trigger Done;
  std::thread Client([&] {
    blockingGets(Address, Warmup + Measured);
    Done.fire();
  });
  Rt.block_on(Done.wait());
  Client.join();
  ASSERT_EQ(Counts.size(), std::size_t(Warmup + Measured));

  // From one handler call to the next: reading and parsing a request,
  // writing the response to the one before, the handler's box. What the
  // request and the box need is one allocation each (the request's header
  // list and the Async); the rest must reuse the connection's buffers.
  std::vector<long> PerRequest;
  for (int I = Warmup; I != Warmup + Measured; ++I)
    PerRequest.push_back(Counts[I] - Counts[I - 1]);
  long Total = Counts.back() - Counts[Warmup - 1];
  std::nth_element(PerRequest.begin(), PerRequest.begin() + Measured / 2,
                   PerRequest.end());
  EXPECT_LE(PerRequest[Measured / 2], 2) << "the median";
  EXPECT_LE(Total, 2 * Measured + Measured / 10) << "in all";
}

//===----------------------------------------------------------------------===//
// The client against hand-written responses
//===----------------------------------------------------------------------===//

/// A blocking server on its own thread that answers each connection with
/// the next canned reply, sent in pieces with a pause between them, then
/// closes (with a reset if asked).
class CannedServer {
public:
  struct Reply {
    std::vector<std::string> Pieces;
    bool Reset = false;
  };

  explicit CannedServer(std::vector<Reply> Replies)
      : Listener(TcpListener::bind("127.0.0.1:0").value()),
        Thread([this, Replies = std::move(Replies)] { serve(Replies); }) {}
  ~CannedServer() { Thread.join(); }

  std::string url() const {
    return "http://" + Listener.local_addr().to_string() + "/canned";
  }

private:
  void serve(const std::vector<Reply> &Replies) {
    for (const Reply &R : Replies) {
      pollfd Ready{Listener.fd(), POLLIN, 0};
      if (::poll(&Ready, 1, 10000) != 1)
        return; // the test failed before connecting
      int Fd = ::accept(Listener.fd(), nullptr, nullptr);
      if (Fd < 0)
        return;
      // The Get sends its whole request at once.
      char Request[1024];
      (void)!::recv(Fd, Request, sizeof Request, 0);
      for (const std::string &Piece : R.Pieces) {
        (void)!::send(Fd, Piece.data(), Piece.size(), MSG_NOSIGNAL);
        std::this_thread::sleep_for(5ms);
      }
      if (R.Reset) {
        linger Now{1, 0};
        ::setsockopt(Fd, SOL_SOCKET, SO_LINGER, &Now, sizeof Now);
      }
      ::close(Fd);
    }
  }

  TcpListener Listener;
  std::thread Thread;
};

TEST(GetTest, ReadsBodiesArrivingInPieces) {
  Watchdog W("get in pieces");
  CannedServer Server({
      {{"HTTP/1.1 200 OK\r\nTransfer-Enc", "oding: chunked\r\n\r\n4\r\nwi",
        "ki\r\n5\r\npedia\r\n", "0\r\n\r\n"}},
      {{"HTTP/1.0 200 OK\r\n\r\nuntil ", "the ", "end"}},
      {{"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nab", "cd", "ef"}},
  });
  Runtime Rt;
  for (const char *Expected : {"wikipedia", "until the end", "abcdef"}) {
    Result<Response> R = Rt.block_on(corofy::http::get(Server.url()));
    ASSERT_TRUE(R) << R.error().message();
    EXPECT_EQ(R->body, Expected);
  }
}

TEST(GetTest, FailuresAreErrorValues) {
  Watchdog W("get failures");
  CannedServer Server({
      {{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"}},
      {{"HTTP/1.1 OK\r\n\r\n"}},
      {{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"}, true},
      {{}},
  });
  Runtime Rt;
  EXPECT_EQ(Rt.block_on(corofy::http::get(Server.url())).error(),
            Error::UnexpectedEof);
  EXPECT_EQ(Rt.block_on(corofy::http::get(Server.url())).error(),
            Error::MalformedStartLine);
  EXPECT_EQ(Rt.block_on(corofy::http::get(Server.url())).error(),
            std::errc::connection_reset);
  EXPECT_EQ(Rt.block_on(corofy::http::get(Server.url())).error(),
            Error::UnexpectedEof)
      << "closed without a response";
  EXPECT_EQ(Rt.block_on(corofy::http::get("ftp://x/")).error(), Error::BadUrl);

  SocketAddr Closed = TcpListener::bind("127.0.0.1:0")->local_addr();
  EXPECT_EQ(Rt.block_on(corofy::http::get("http://" + Closed.to_string()))
                .error(),
            std::errc::connection_refused);
}

//===----------------------------------------------------------------------===//
// Threads and descriptors
//===----------------------------------------------------------------------===//

TEST(HttpRuntimeTest, ManyConcurrentGetsOnWorkerThreads) {
  Watchdog W("gets on workers", 60s);
  Runtime Rt(Runtime::Options{.worker_threads = 2});
  Result<TcpListener> Listener = TcpListener::bind("127.0.0.1:0");
  ASSERT_TRUE(Listener);
  std::string Base = "http://" + Listener->local_addr().to_string();
  Rt.spawn(corofy::http::serve(std::move(*Listener), testHandler));
  std::vector<corofy::JoinHandle<Result<Response>>> Gets;
  for (int I = 0; I != 100; ++I)
    Gets.push_back(Rt.spawn(corofy::http::get(
        Base + (I % 2 ? "/sleep/20" : "/echo/" + std::to_string(I)))));
  for (int I = 0; I != 100; ++I) {
    Result<Response> R = Rt.block_on(Gets[I]);
    ASSERT_TRUE(R) << R.error().message();
    EXPECT_EQ(R->body, I % 2 ? "slept" : "GET /echo/" + std::to_string(I) + " ");
  }
}

TEST(HttpRuntimeTest, NoDescriptorLeaksAfterTheRuntimeShutsDown) {
  Watchdog W("descriptor leaks");
  int Before = openFds();
  {
    Runtime Rt;
    Result<TcpListener> Listener = TcpListener::bind("127.0.0.1:0");
    ASSERT_TRUE(Listener);
    std::string Base = "http://" + Listener->local_addr().to_string();
    Rt.spawn(corofy::http::serve(std::move(*Listener), testHandler));
    EXPECT_TRUE(Rt.block_on(corofy::http::get(Base + "/one")));
    // Requests still in flight when the runtime goes: their handlers sleep
    // for long.
    for (int I = 0; I != 5; ++I)
      Rt.spawn(corofy::http::get(Base + "/sleep/10000"));
    Rt.block_on(corofy::sleep_for(50ms));
    EXPECT_GT(openFds(), Before + 10) << "listener, 5 clients, 5 servers";
  }
  EXPECT_EQ(openFds(), Before);
}

} // namespace
