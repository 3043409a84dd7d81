//===- corofy/http.hpp - A small HTTP/1.1 client and server -----*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// HTTP/1.1 over corofy::net, enough for the book's delay server and its
// clients:
//
//   http::get("http://127.0.0.1:8080/100/hello")   future of
//                                                  net::Result<Response>
//   http::serve(std::move(listener), handler)      future that accepts
//                                                  connections forever
//
// A handler takes a Request and returns a future of a Response boxed in
// Async<Response>, which is what a `coroutine<Response> f(Request)` is:
//
//   coroutine<http::Response> hello(http::Request request) {
//     wait(corofy::sleep_for(100ms));
//     return http::Response::text(200, "hello");
//   }
//   ... wait(http::serve(std::move(listener), hello)); ...
//
// The parsers are incremental: they take bytes as they arrive, in pieces of
// any size, and report malformed input as an http::Error (an error_code)
// instead of throwing. The client reads bodies delimited by Content-Length,
// by chunked transfer-encoding or by the end of the connection; the server
// keeps connections alive (HTTP/1.1 rules, pipelining included), answers
// malformed requests with 400 and a failing handler with 500, and spawns
// one task per connection on the current runtime.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_HTTP_HPP
#define COROFY_HTTP_HPP

#include "corofy/net.hpp"
#include "corofy/timer.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace corofy::http {

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

/// What can be wrong with a message or a URL; an error_code enum of
/// error_category().
enum class Error {
  MalformedStartLine = 1,  ///< not "METHOD target HTTP/1.x" / "HTTP/1.x 200 OK"
  MalformedHeader,         ///< no colon, bad name, folded line, control byte
  HeadTooLarge,            ///< start line and headers exceed Limits::max_head
  BadContentLength,        ///< not a number, or conflicting values
  BadTransferEncoding,     ///< unsupported coding, or with Content-Length
  BadChunk,                ///< bad chunk size line or missing CRLF after data
  BodyTooLarge,            ///< body exceeds Limits::max_body
  UnexpectedEof,           ///< the connection ended inside a message
  BadUrl,                  ///< not "http://host[:port][/path]"
};
const std::error_category &error_category() noexcept;
std::error_code make_error_code(Error error) noexcept;

} // namespace corofy::http

template <>
struct std::is_error_code_enum<corofy::http::Error> : std::true_type {};

namespace corofy::http {

//===----------------------------------------------------------------------===//
// Messages
//===----------------------------------------------------------------------===//

/// Header fields in the order they arrived; names compare case-insensitively.
class Headers {
public:
  using Field = std::pair<std::string, std::string>;

  /// Appends a field (several fields may have the same name).
  void add(std::string name, std::string value);
  /// Replaces every field named `name` with one.
  void set(std::string_view name, std::string value);
  /// The value of the first field named `name`.
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  /// Whether a comma-separated list field (Connection, Transfer-Encoding)
  /// holds `token`, in any case, in any of the fields named `name`.
  bool has_token(std::string_view name, std::string_view token) const;

  std::size_t size() const noexcept { return fields_.size(); }
  std::vector<Field>::const_iterator begin() const noexcept {
    return fields_.begin();
  }
  std::vector<Field>::const_iterator end() const noexcept {
    return fields_.end();
  }

private:
  std::vector<Field> fields_;
};

struct Request {
  std::string method = "GET";
  std::string target = "/";
  int minor_version = 1; ///< HTTP/1.minor_version
  Headers headers;
  std::string body;

  /// Whether the connection may carry another request after this one:
  /// HTTP/1.1 unless "Connection: close", HTTP/1.0 only with
  /// "Connection: keep-alive".
  bool keep_alive() const;
};

struct Response {
  int status = 200;
  std::string reason; ///< empty: the standard phrase of the status
  int minor_version = 1;
  Headers headers;
  std::string body;

  /// A text/plain (UTF-8) response.
  static Response text(int status, std::string body);
};

/// "OK", "Not Found", ...; "Unknown" for a status without a phrase here.
std::string_view reason_phrase(int status) noexcept;

/// The bytes of a message, with a Content-Length header added to a
/// response that has none (and may have a body).
std::string serialize(const Request &request);
std::string serialize(const Response &response);

//===----------------------------------------------------------------------===//
// Parsers
//===----------------------------------------------------------------------===//

/// Bounds on what a parser accepts, against peers that send too much.
struct Limits {
  std::size_t max_head = 64 * 1024;       ///< start line + headers
  std::size_t max_body = 64 * 1024 * 1024; ///< decoded body
};

enum class ParseStatus { Incomplete, Complete, Failed };

namespace detail {
/// The state machine both parsers share: lines of the head, then a body
/// delimited by length, chunks or the end of the stream. Bytes are buffered
/// until a whole line (or body piece) is there, so input may be cut
/// anywhere.
class MessageParser {
public:
  enum class Kind { Request, Response };

  MessageParser(Kind kind, Limits limits) : kind_(kind), limits_(limits) {}

  ParseStatus feed(std::string_view bytes);
  ParseStatus finish();
  ParseStatus status() const noexcept;
  std::error_code error() const noexcept { return error_; }
  /// No byte of a message received since the last one was taken.
  bool idle() const noexcept;

  void set_head_request(bool head) noexcept { head_request_ = head; }

protected:
  /// Moves the parsed message out and starts on the bytes after it.
  void next();

  // The message being parsed.
  std::string method_, target_, reason_;
  int status_ = 0, minor_version_ = 1;
  Headers headers_;
  std::string body_;

private:
  enum class Stage {
    StartLine,
    Headers,
    FixedBody,
    ChunkSize,
    ChunkData,
    ChunkEnd,
    Trailers,
    UntilClose,
    Done,
    Failed,
  };

  void parse();
  /// The next whole line without its CRLF (or LF), or nullopt while
  /// incomplete or when it is too long (then Failed).
  std::optional<std::string_view> nextLine(bool inHead);
  bool fail(Error error);
  bool startLine(std::string_view line);
  bool headerLine(std::string_view line, bool trailer);
  bool endOfHead();

  Kind kind_;
  Limits limits_;
  bool head_request_ = false;
  Stage stage_ = Stage::StartLine;
  std::error_code error_;
  std::string buffer_;       // received, not yet parsed
  std::size_t pos_ = 0;      // parsed up to here
  std::size_t scanned_ = 0;  // searched for '\n' up to here
  std::size_t head_size_ = 0;
  std::uint64_t remaining_ = 0; // of the body or the chunk
};
} // namespace detail

/// Parses requests, one after the other on one connection.
class RequestParser : private detail::MessageParser {
public:
  explicit RequestParser(Limits limits = {})
      : MessageParser(Kind::Request, limits) {}

  /// Takes more bytes; bytes after a complete request are kept for the
  /// next one.
  using MessageParser::feed;
  /// The peer ended the stream: Failed (UnexpectedEof) inside a request.
  using MessageParser::finish;
  using MessageParser::status;
  using MessageParser::error;
  using MessageParser::idle;

  /// The complete request; the parser goes on with the bytes kept, so
  /// status() may at once be Complete again (pipelining).
  Request take();
};

/// Parses one response.
class ResponseParser : private detail::MessageParser {
public:
  /// `head_request`: the response to a HEAD request has no body.
  explicit ResponseParser(Limits limits = {}, bool head_request = false)
      : MessageParser(Kind::Response, limits) {
    set_head_request(head_request);
  }

  using MessageParser::feed;
  /// The peer ended the stream: completes a body delimited by the end of
  /// the connection; Failed (UnexpectedEof) inside anything else.
  using MessageParser::finish;
  using MessageParser::status;
  using MessageParser::error;

  /// The complete response (interim 1xx responses are skipped).
  Response take();
};

//===----------------------------------------------------------------------===//
// Client
//===----------------------------------------------------------------------===//

/// The parts of an "http://host[:port][/path][?query]" URL.
struct Url {
  std::string host;      ///< "example.com", "127.0.0.1", "::1"
  std::uint16_t port = 80;
  std::string authority; ///< as written: the Host header
  std::string target;    ///< path and query, "/" at least

  static net::Result<Url> parse(std::string_view text);
  /// What TcpStream::connect() takes: "host:port", "[::1]:port".
  std::string connect_address() const;
};

/// GET `url` on a new connection ("Connection: close") and read the whole
/// response. Every failure is a value: a bad URL, a refused connection, a
/// malformed response, an early end of stream.
class Get {
public:
  using Output = net::Result<Response>;

  explicit Get(std::string_view url, Limits limits = {});
  Get(Get &&) noexcept = default;
  Get &operator=(Get &&) = delete;

  Poll<Output> poll(Context &cx);

private:
  Poll<Output> fail(std::error_code error);

  std::error_code url_error_;
  std::optional<net::Connect> connect_;
  std::optional<net::TcpStream> stream_;
  std::string request_;
  std::size_t written_ = 0;
  ResponseParser parser_;
  std::unique_ptr<char[]> chunk_; // the read buffer
  bool done_ = false;
};

inline Get get(std::string_view url, Limits limits = {}) {
  return Get(url, limits);
}

//===----------------------------------------------------------------------===//
// Server
//===----------------------------------------------------------------------===//

/// What a server runs for each request.
using Handler = std::function<Async<Response>(Request)>;

struct ServerOptions {
  /// Requests larger than these get 400.
  Limits limits{.max_head = 64 * 1024, .max_body = 1024 * 1024};
  /// How long a connection may take to send a request, idle keep-alive
  /// time included, before it is closed.
  Clock::duration read_timeout = std::chrono::seconds(60);
};

/// Accepts connections on a listener and serves each on a task of its own
/// (spawned on the current runtime), until the listener fails; an
/// exhausted descriptor table (EMFILE) only pauses accepting. Dropping the
/// Server stops accepting; the connections' tasks finish their requests.
class Server {
public:
  using Output = net::Result<void>;

  Server(net::TcpListener listener, Handler handler,
         ServerOptions options = {});
  Server(Server &&) noexcept = default;
  Server &operator=(Server &&) = delete;

  const net::SocketAddr &local_addr() const noexcept {
    return listener_.local_addr();
  }

  Poll<Output> poll(Context &cx);

  struct Shared; // what the connections share

private:
  net::TcpListener listener_;
  std::shared_ptr<const Shared> shared_;
  std::optional<Sleep> backoff_; // after EMFILE and the like
};

inline Server serve(net::TcpListener listener, Handler handler,
                    ServerOptions options = {}) {
  return Server(std::move(listener), std::move(handler), options);
}

} // namespace corofy::http

#endif // COROFY_HTTP_HPP
