//===- http.cpp - HTTP/1.1 parsing, the client and the server -------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The grammar is RFC 9112's, read strictly where leniency would let a
// request be read two ways (request smuggling: Content-Length beside
// Transfer-Encoding, folded or space-prefixed header names, conflicting
// lengths) and leniently elsewhere (a bare LF ends a line, empty lines
// before a request line are skipped).
//
//===----------------------------------------------------------------------===//

#include "corofy/http.hpp"

#include "corofy/task.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <ctime>

namespace corofy::http {
namespace {

class ErrorCategory final : public std::error_category {
public:
  const char *name() const noexcept override { return "http"; }
  std::string message(int code) const override {
    switch (static_cast<Error>(code)) {
    case Error::MalformedStartLine:
      return "malformed start line";
    case Error::MalformedHeader:
      return "malformed header field";
    case Error::HeadTooLarge:
      return "message head too large";
    case Error::BadContentLength:
      return "invalid Content-Length";
    case Error::BadTransferEncoding:
      return "unsupported or conflicting Transfer-Encoding";
    case Error::BadChunk:
      return "malformed chunk";
    case Error::BodyTooLarge:
      return "message body too large";
    case Error::UnexpectedEof:
      return "connection closed inside a message";
    case Error::BadUrl:
      return "not an http://host[:port]/path URL";
    }
    return "unknown HTTP error";
  }
};

/// ASCII only: the grammar's case rules are ASCII's, whatever the locale
/// (and std::tolower() is a call per byte).
constexpr char lowerAscii(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lowerAscii(x) == lowerAscii(y);
         });
}

/// Optional whitespace (SP, HTAB) removed from both ends.
std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

/// Calls `each` with every element of the comma-separated `list`, trimmed;
/// false once `each` returned false.
template <class F> bool forEachListToken(std::string_view list, F &each) {
  for (;;) {
    std::size_t comma = list.find(',');
    std::string_view token = trim(list.substr(0, comma));
    if (!token.empty() && !each(token))
      return false;
    if (comma == std::string_view::npos)
      return true;
    list.remove_prefix(comma + 1);
  }
}

/// Calls `each` with every element of the comma-separated lists of the
/// fields named `name`, trimmed; stops when it returns false.
template <class F>
void forEachToken(const Headers &headers, std::string_view name, F each) {
  for (const Headers::Field &field : headers)
    if (equalsIgnoringCase(field.first, name) &&
        !forEachListToken(field.second, each))
      return;
}

/// Whether the comma-separated `list` holds `token`, in any case.
bool listHasToken(std::string_view list, std::string_view token) {
  auto differs = [&](std::string_view each) {
    return !equalsIgnoringCase(each, token);
  };
  return !forEachListToken(list, differs);
}

/// RFC 9110's tchar: the bytes of methods and field names. A table, since
/// every byte of every header name is checked.
constexpr auto TokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c)
    table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c)
    table[c] = table[c - 'a' + 'A'] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~"))
    table[static_cast<unsigned char>(c)] = true;
  return table;
}();
bool isTokenChar(char c) noexcept {
  return TokenChars[static_cast<unsigned char>(c)];
}
bool isToken(std::string_view text) noexcept {
  return !text.empty() && std::all_of(text.begin(), text.end(), isTokenChar);
}
// The checks of field values and targets, which see every byte of a head,
// look at eight bytes at a time ("Bit Twiddling Hacks": hasless, haszero).
constexpr std::uint64_t EachByte = 0x0101010101010101;
/// Whether a byte of `word` is below `limit` (at most 0x80).
constexpr bool hasByteBelow(std::uint64_t word, std::uint8_t limit) noexcept {
  return (word - EachByte * limit) & ~word & EachByte * 0x80;
}
constexpr bool hasByte(std::uint64_t word, std::uint8_t value) noexcept {
  return hasByteBelow(word ^ EachByte * value, 1);
}
/// Whether `badByte` holds for no byte of `text`. `badWord` flags the words
/// of eight bytes that may hold such a byte, which are then looked at byte
/// by byte; the last word overlaps the one before it, and a text shorter
/// than a word is looked at byte by byte.
template <class Word, class Byte>
bool noneBad(std::string_view text, Word badWord, Byte badByte) noexcept {
  if (text.size() < 8)
    return std::none_of(text.begin(), text.end(), badByte);
  for (std::size_t at = 0;; at += 8) {
    at = std::min(at, text.size() - 8);
    std::uint64_t word;
    std::memcpy(&word, text.data() + at, 8);
    if (badWord(word) &&
        std::any_of(text.begin() + at, text.begin() + at + 8, badByte))
      return false;
    if (at + 8 == text.size())
      return true;
  }
}

/// Field values and reason phrases: no control bytes but HTAB.
bool isFieldText(std::string_view text) noexcept {
  return noneBad(
      text,
      [](std::uint64_t word) {
        return hasByteBelow(word, 0x20) || hasByte(word, 0x7f);
      },
      [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && byte != '\t') || byte == 0x7f;
      });
}
/// Request targets: visible ASCII and obs-text, no spaces.
bool isTargetText(std::string_view text) noexcept {
  return !text.empty() && noneBad(
                              text,
                              [](std::uint64_t word) {
                                return hasByteBelow(word, 0x21) ||
                                       hasByte(word, 0x7f);
                              },
                              [](char c) {
                                auto byte = static_cast<unsigned char>(c);
                                return byte <= 0x20 || byte == 0x7f;
                              });
}

/// "HTTP/1.0" or "HTTP/1.1" to its minor version.
std::optional<int> parseVersion(std::string_view text) noexcept {
  if (text == "HTTP/1.1")
    return 1;
  if (text == "HTTP/1.0")
    return 0;
  return std::nullopt;
}

/// Whether a response with this status (to a request of this kind) has no
/// body whatever its headers say (RFC 9112, section 6.3).
bool hasNoBody(int status, bool headRequest) noexcept {
  return headRequest || status / 100 == 1 || status == 204 || status == 304;
}

/// The longest chunk-size line (with extensions) accepted.
constexpr std::size_t MaxChunkLine = 4096;

} // namespace

const std::error_category &error_category() noexcept {
  static const ErrorCategory Category;
  return Category;
}

std::error_code make_error_code(Error error) noexcept {
  return {static_cast<int>(error), error_category()};
}

//===----------------------------------------------------------------------===//
// Messages
//===----------------------------------------------------------------------===//

void Headers::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::set(std::string_view name, std::string value) {
  std::erase_if(fields_, [&](const Field &field) {
    return equalsIgnoringCase(field.first, name);
  });
  fields_.emplace_back(std::string(name), std::move(value));
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const Field &field : fields_)
    if (equalsIgnoringCase(field.first, name))
      return field.second;
  return std::nullopt;
}

bool Headers::has_token(std::string_view name, std::string_view token) const {
  for (const Field &field : fields_)
    if (equalsIgnoringCase(field.first, name) &&
        listHasToken(field.second, token))
      return true;
  return false;
}

bool Request::keep_alive() const {
  if (headers.has_token("connection", "close"))
    return false;
  return minor_version >= 1 || headers.has_token("connection", "keep-alive");
}

Response Response::text(int status, std::string body) {
  Response response;
  response.status = status;
  response.headers.add("content-type", "text/plain; charset=utf-8");
  response.body = std::move(body);
  return response;
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
  case 100: return "Continue";
  case 101: return "Switching Protocols";
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 304: return "Not Modified";
  case 400: return "Bad Request";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 413: return "Content Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 503: return "Service Unavailable";
  default: return "Unknown";
  }
}

namespace {
/// The decimal digits of `value`, written into `buffer`.
template <class Int, std::size_t N>
std::string_view toDigits(char (&buffer)[N], Int value) {
  char *end = std::to_chars(buffer, buffer + N, value).ptr;
  return std::string_view(buffer, static_cast<std::size_t>(end - buffer));
}

/// Appends the decimal digits of `value`, with no temporary string.
template <class Int> void appendNumber(std::string &out, Int value) {
  char digits[24];
  out += toDigits(digits, value);
}

void appendField(std::string &out, std::string_view name,
                 std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

/// What writing a response needs to know of its fields, found in one pass.
struct ResponseFields {
  std::size_t bytes = 0; ///< of their lines
  bool date = false;     ///< a Date field
  bool length = false;   ///< a Content-Length or Transfer-Encoding field
  bool close = false;    ///< "close" in a Connection field
};

ResponseFields scanFields(const Headers &headers) {
  ResponseFields fields;
  for (const Headers::Field &field : headers) {
    std::string_view name = field.first;
    fields.bytes += name.size() + field.second.size() + 4;
    switch (name.size()) { // most names are none of these: compare no bytes
    case 4:
      fields.date = fields.date || equalsIgnoringCase(name, "date");
      break;
    case 10:
      fields.close = fields.close || (equalsIgnoringCase(name, "connection") &&
                                      listHasToken(field.second, "close"));
      break;
    case 14:
    case 17:
      fields.length = fields.length ||
                      equalsIgnoringCase(name, "content-length") ||
                      equalsIgnoringCase(name, "transfer-encoding");
      break;
    }
  }
  return fields;
}

/// Appends `response`: the status line, its fields, a Date field of value
/// `date` and a Connection field of value `connection` unless these are
/// empty, a Content-Length field where a body may be and its fields give
/// neither a length nor a coding, the blank line, and the body when
/// `withBody`. The size is counted first, so that `out` grows once and
/// the pieces are copied into place.
void appendResponse(std::string &out, const Response &response,
                    const ResponseFields &fields, std::string_view date,
                    std::string_view connection, bool withBody) {
  char version[12], status[12], length[24];
  std::string_view versionText = toDigits(version, response.minor_version);
  std::string_view statusText = toDigits(status, response.status);
  std::string_view reason = response.reason.empty()
                                ? reason_phrase(response.status)
                                : std::string_view(response.reason);
  bool addLength = !fields.length && !hasNoBody(response.status, false);
  std::string_view lengthText =
      addLength ? toDigits(length, response.body.size()) : std::string_view();
  std::string_view body = withBody ? response.body : std::string_view();

  std::size_t size = 7 + versionText.size() + 1 + statusText.size() + 1 +
                     reason.size() + 2 + fields.bytes + 2 + body.size();
  if (!date.empty())
    size += 6 + date.size() + 2;
  if (!connection.empty())
    size += 12 + connection.size() + 2;
  if (addLength)
    size += 16 + lengthText.size() + 2;
  std::size_t start = out.size();
  out.resize(start + size);
  char *at = out.data() + start;
  auto put = [&at](std::string_view piece) {
    if (!piece.empty()) // an empty one's data() may be null
      std::memcpy(at, piece.data(), piece.size());
    at += piece.size();
  };
  auto putField = [&put](std::string_view name, std::string_view value) {
    put(name);
    put(": ");
    put(value);
    put("\r\n");
  };
  put("HTTP/1.");
  put(versionText);
  put(" ");
  put(statusText);
  put(" ");
  put(reason);
  put("\r\n");
  for (const Headers::Field &field : response.headers)
    putField(field.first, field.second);
  if (!date.empty())
    putField("date", date);
  if (!connection.empty())
    putField("connection", connection);
  if (addLength)
    putField("content-length", lengthText);
  put("\r\n");
  put(body);
}

/// The header lines, a Content-Length when `addLength` and the fields give
/// neither a length nor a coding, the blank line and the body.
void appendFieldsAndBody(std::string &out, const Headers &headers,
                         const std::string &body, bool addLength) {
  for (const Headers::Field &field : headers)
    appendField(out, field.first, field.second);
  if (addLength && !headers.contains("content-length") &&
      !headers.contains("transfer-encoding")) {
    out += "content-length: ";
    appendNumber(out, body.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += body;
}
} // namespace

std::string serialize(const Request &request) {
  std::string out;
  out += request.method;
  out += ' ';
  out += request.target;
  out += " HTTP/1.";
  appendNumber(out, request.minor_version);
  out += "\r\n";
  appendFieldsAndBody(out, request.headers, request.body,
                      !request.body.empty());
  return out;
}

std::string serialize(const Response &response) {
  std::string out;
  appendResponse(out, response, scanFields(response.headers), {}, {}, true);
  return out;
}

//===----------------------------------------------------------------------===//
// MessageParser
//===----------------------------------------------------------------------===//

namespace detail {

ParseStatus MessageParser::status() const noexcept {
  switch (stage_) {
  case Stage::Done:
    return ParseStatus::Complete;
  case Stage::Failed:
    return ParseStatus::Failed;
  default:
    return ParseStatus::Incomplete;
  }
}

bool MessageParser::idle() const noexcept {
  return stage_ == Stage::StartLine && head_size_ == 0 &&
         pos_ == buffer_.size();
}

ParseStatus MessageParser::feed(std::string_view bytes) {
  if (stage_ != Stage::Failed) {
    buffer_.append(bytes);
    parse();
  }
  return status();
}

ParseStatus MessageParser::finish() {
  if (stage_ == Stage::UntilClose)
    stage_ = Stage::Done;
  else if (stage_ != Stage::Done && stage_ != Stage::Failed)
    fail(Error::UnexpectedEof);
  return status();
}

void MessageParser::next() {
  method_.clear();
  target_.clear();
  reason_.clear();
  status_ = 0;
  minor_version_ = 1;
  headers_ = Headers();
  body_.clear();
  stage_ = Stage::StartLine;
  head_size_ = 0;
  remaining_ = 0;
  if (!buffer_.empty()) // the start of a pipelined message
    parse();
}

bool MessageParser::fail(Error error) {
  stage_ = Stage::Failed;
  error_ = error;
  buffer_.clear();
  pos_ = scanned_ = 0;
  return false;
}

std::optional<std::string_view> MessageParser::nextLine(bool inHead) {
  std::size_t newline = buffer_.find('\n', std::max(scanned_, pos_));
  std::size_t end = newline == std::string::npos ? buffer_.size() : newline + 1;
  // The head (with the trailers) has one bound, each chunk line another.
  if (inHead ? head_size_ + (end - pos_) > limits_.max_head
             : end - pos_ > MaxChunkLine) {
    fail(inHead ? Error::HeadTooLarge : Error::BadChunk);
    return std::nullopt;
  }
  if (newline == std::string::npos) {
    scanned_ = buffer_.size();
    return std::nullopt;
  }
  std::string_view line(buffer_.data() + pos_, newline - pos_);
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  if (inHead)
    head_size_ += end - pos_;
  pos_ = end;
  return line;
}

bool MessageParser::startLine(std::string_view line) {
  if (kind_ == Kind::Request) {
    // method SP request-target SP HTTP-version
    std::size_t first = line.find(' ');
    std::size_t second = first == std::string_view::npos
                             ? first
                             : line.find(' ', first + 1);
    if (second == std::string_view::npos)
      return fail(Error::MalformedStartLine);
    std::string_view method = line.substr(0, first);
    std::string_view target = line.substr(first + 1, second - first - 1);
    std::optional<int> minor = parseVersion(line.substr(second + 1));
    if (!isToken(method) || !isTargetText(target) || !minor)
      return fail(Error::MalformedStartLine);
    // Appended: they are empty here, and append() does less than assign().
    method_.append(method);
    target_.append(target);
    minor_version_ = *minor;
    return true;
  }
  // HTTP-version SP 3DIGIT SP [reason-phrase]; the last SP is optional here.
  std::optional<int> minor = parseVersion(line.substr(0, 8));
  if (!minor || line.size() < 12 || line[8] != ' ' ||
      !std::all_of(line.begin() + 9, line.begin() + 12,
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      (line.size() > 12 && line[12] != ' '))
    return fail(Error::MalformedStartLine);
  std::string_view reason = line.size() > 12 ? line.substr(13) : "";
  if (!isFieldText(reason))
    return fail(Error::MalformedStartLine);
  minor_version_ = *minor;
  status_ = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  reason_.append(reason);
  return true;
}

bool MessageParser::headerLine(std::string_view line, bool trailer) {
  // A name must start the line and end at the colon: no folded lines, no
  // whitespace before the colon.
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || !isToken(line.substr(0, colon)))
    return fail(Error::MalformedHeader);
  std::string_view value = trim(line.substr(colon + 1));
  if (!isFieldText(value))
    return fail(Error::MalformedHeader);
  if (!trailer)
    headers_.add(std::string(line.substr(0, colon)), std::string(value));
  return true;
}

bool MessageParser::endOfHead() {
  if (kind_ == Kind::Response) {
    // An interim response (100 Continue, ...): the real one follows.
    if (status_ / 100 == 1 && status_ != 101) {
      headers_ = Headers();
      reason_.clear();
      head_size_ = 0;
      stage_ = Stage::StartLine;
      return true;
    }
    if (hasNoBody(status_, head_request_)) {
      stage_ = Stage::Done;
      return true;
    }
  }

  bool hasLength = headers_.contains("content-length");
  if (headers_.contains("transfer-encoding")) {
    // Only "chunked" is decoded. A request must say exactly that and no
    // length; a response whose last coding is not chunked runs until the
    // connection closes.
    std::size_t codings = 0;
    bool lastIsChunked = false;
    forEachToken(headers_, "transfer-encoding", [&](std::string_view coding) {
      ++codings;
      lastIsChunked = equalsIgnoringCase(coding, "chunked");
      return true;
    });
    if (kind_ == Kind::Request && (hasLength || codings != 1 || !lastIsChunked))
      return fail(Error::BadTransferEncoding);
    stage_ = lastIsChunked ? Stage::ChunkSize : Stage::UntilClose;
    return true;
  }

  if (hasLength) {
    // Every value (repeated fields, or a list in one) must be the same
    // number.
    std::optional<std::uint64_t> length;
    bool valid = true;
    forEachToken(headers_, "content-length", [&](std::string_view text) {
      std::uint64_t value = 0;
      auto [end, error] =
          std::from_chars(text.data(), text.data() + text.size(), value);
      valid = error == std::errc() && end == text.data() + text.size() &&
              (!length || *length == value);
      length = value;
      return valid;
    });
    if (!valid || !length)
      return fail(Error::BadContentLength);
    if (*length > limits_.max_body)
      return fail(Error::BodyTooLarge);
    remaining_ = *length;
    stage_ = remaining_ ? Stage::FixedBody : Stage::Done;
    return true;
  }
  stage_ = kind_ == Kind::Request ? Stage::Done : Stage::UntilClose;
  return true;
}

void MessageParser::parse() {
  bool progress = true;
  while (progress) {
    switch (stage_) {
    case Stage::StartLine: {
      std::optional<std::string_view> line = nextLine(true);
      if (!line)
        progress = false;
      else if (line->empty() && kind_ == Kind::Request) {
        // Empty lines before a request line are skipped (RFC 9112, 2.2).
      } else if ((progress = startLine(*line)))
        stage_ = Stage::Headers;
      break;
    }
    case Stage::Headers: {
      std::optional<std::string_view> line = nextLine(true);
      progress =
          line && (line->empty() ? endOfHead() : headerLine(*line, false));
      break;
    }
    case Stage::FixedBody:
    case Stage::ChunkData: {
      std::size_t take = static_cast<std::size_t>(
          std::min<std::uint64_t>(remaining_, buffer_.size() - pos_));
      body_.append(buffer_, pos_, take);
      pos_ += take;
      remaining_ -= take;
      progress = remaining_ == 0;
      if (progress)
        stage_ = stage_ == Stage::FixedBody ? Stage::Done : Stage::ChunkEnd;
      break;
    }
    case Stage::ChunkSize: {
      // chunk-size [BWS ; chunk-ext] CRLF; extensions are ignored.
      std::optional<std::string_view> line = nextLine(false);
      if (!line) {
        progress = false;
        break;
      }
      std::string_view digits = trim(line->substr(0, line->find(';')));
      std::uint64_t size = 0;
      auto [end, error] = std::from_chars(
          digits.data(), digits.data() + digits.size(), size, 16);
      if (digits.empty() || error != std::errc() ||
          end != digits.data() + digits.size())
        progress = fail(Error::BadChunk);
      else if (size > limits_.max_body - body_.size())
        progress = fail(Error::BodyTooLarge);
      else {
        remaining_ = size;
        stage_ = size ? Stage::ChunkData : Stage::Trailers;
      }
      break;
    }
    case Stage::ChunkEnd: {
      // The data must end with the CRLF right after it.
      std::optional<std::string_view> line = nextLine(false);
      if (!line)
        progress = false;
      else if (!line->empty())
        progress = fail(Error::BadChunk);
      else
        stage_ = Stage::ChunkSize;
      break;
    }
    case Stage::Trailers: {
      std::optional<std::string_view> line = nextLine(true);
      if (!line)
        progress = false;
      else if (line->empty())
        stage_ = Stage::Done;
      else
        progress = headerLine(*line, true);
      break;
    }
    case Stage::UntilClose: {
      std::size_t available = buffer_.size() - pos_;
      if (available > limits_.max_body - body_.size()) {
        fail(Error::BodyTooLarge);
      } else {
        body_.append(buffer_, pos_, available);
        pos_ += available;
      }
      progress = false;
      break;
    }
    case Stage::Done:
    case Stage::Failed:
      progress = false;
      break;
    }
  }
  // Drop what was parsed; what is left is a partial line or the start of
  // a pipelined message.
  buffer_.erase(0, pos_);
  scanned_ -= std::min(scanned_, pos_);
  pos_ = 0;
}

} // namespace detail

Request RequestParser::take() {
  // Each member made once, not defaulted ("GET", "/") and then assigned.
  Request request{std::move(method_), std::move(target_), minor_version_,
                  std::move(headers_), std::move(body_)};
  next();
  return request;
}

Response ResponseParser::take() {
  Response response;
  response.status = status_;
  response.reason = std::move(reason_);
  response.minor_version = minor_version_;
  response.headers = std::move(headers_);
  response.body = std::move(body_);
  next();
  return response;
}

//===----------------------------------------------------------------------===//
// Client
//===----------------------------------------------------------------------===//

namespace {
/// The read buffer of a connection: small, since a server may hold tens of
/// thousands of them, and left uninitialised.
constexpr std::size_t ChunkSize = 4 * 1024;
} // namespace

net::Result<Url> Url::parse(std::string_view text) {
  constexpr std::string_view Scheme = "http://";
  if (text.size() < Scheme.size() ||
      !equalsIgnoringCase(text.substr(0, Scheme.size()), Scheme))
    return make_error_code(Error::BadUrl);
  text.remove_prefix(Scheme.size());
  text = text.substr(0, text.find('#'));
  std::size_t pathStart = text.find_first_of("/?");
  Url url;
  url.authority = text.substr(0, pathStart);
  url.target = pathStart == std::string_view::npos
                   ? std::string("/")
                   : std::string(text.substr(pathStart));
  if (url.target.front() == '?')
    url.target.insert(0, "/");
  if (!isTargetText(url.target) || url.authority.empty() ||
      url.authority.find('@') != std::string::npos)
    return make_error_code(Error::BadUrl);

  std::string_view authority = url.authority;
  std::string_view port;
  if (authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos ||
        (close + 1 != authority.size() && authority[close + 1] != ':'))
      return make_error_code(Error::BadUrl);
    url.host = authority.substr(1, close - 1);
    if (close + 1 != authority.size())
      port = authority.substr(close + 2);
  } else {
    std::size_t colon = authority.rfind(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string_view::npos)
      port = authority.substr(colon + 1);
  }
  if (url.host.empty() || !isTargetText(url.host))
    return make_error_code(Error::BadUrl);
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, error] =
        std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc() || end != port.data() + port.size() ||
        value > 65535)
      return make_error_code(Error::BadUrl);
    url.port = static_cast<std::uint16_t>(value);
  }
  return url;
}

std::string Url::connect_address() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Get::Get(std::string_view url, Limits limits) : parser_(limits) {
  net::Result<Url> parsed = Url::parse(url);
  if (!parsed) {
    url_error_ = parsed.error();
    return;
  }
  connect_.emplace(parsed->connect_address());
  request_ = "GET " + parsed->target + " HTTP/1.1\r\nHost: " +
             parsed->authority + "\r\nConnection: close\r\n\r\n";
  chunk_ = std::make_unique_for_overwrite<char[]>(ChunkSize);
}

Poll<Get::Output> Get::fail(std::error_code error) {
  done_ = true;
  stream_.reset();
  return Poll<Output>::ready(error);
}

Poll<Get::Output> Get::poll(Context &cx) {
  if (done_)
    corofy::detail::fail("corofy: polled an http::Get after it completed");
  if (url_error_)
    return fail(url_error_);
  if (connect_) {
    Poll<net::Result<net::TcpStream>> connected = connect_->poll(cx);
    if (connected.is_pending())
      return Poll<Output>::pending();
    connect_.reset();
    if (!connected.value())
      return fail(connected.value().error());
    stream_.emplace(std::move(connected.value()).value());
  }
  while (written_ < request_.size()) {
    Poll<net::Result<std::size_t>> sent =
        stream_->poll_write(cx, std::string_view(request_).substr(written_));
    if (sent.is_pending())
      return Poll<Output>::pending();
    if (!sent.value())
      return fail(sent.value().error());
    written_ += *sent.value();
  }
  for (;;) {
    switch (parser_.status()) {
    case ParseStatus::Complete:
      done_ = true;
      stream_.reset();
      return Poll<Output>::ready(parser_.take());
    case ParseStatus::Failed:
      return fail(parser_.error());
    case ParseStatus::Incomplete:
      break;
    }
    Poll<net::Result<std::size_t>> received =
        stream_->poll_read(cx, std::span(chunk_.get(), ChunkSize));
    if (received.is_pending())
      return Poll<Output>::pending();
    if (!received.value())
      return fail(received.value().error());
    if (*received.value() == 0)
      (void)parser_.finish();
    else
      (void)parser_.feed(std::string_view(chunk_.get(), *received.value()));
  }
}

//===----------------------------------------------------------------------===//
// Server
//===----------------------------------------------------------------------===//

struct Server::Shared {
  Handler handler;
  ServerOptions options;
};

namespace {

/// How long a closing connection keeps reading what the client still
/// sends, so that closing with unread bytes does not reset the connection
/// before the client has read the response.
constexpr auto LingerTime = std::chrono::seconds(2);
/// Connections accepted in one poll before letting them run.
constexpr int AcceptsPerPoll = 128;

/// The IMF-fixdate of the current second for the Date header, "Sun, 06
/// Nov 1994 08:49:37 GMT". It is formatted once a second per thread: a
/// gmtime_r() and a strftime() per response cost more than the rest of a
/// small response's head. The names are spelled here, not by strftime(),
/// whose %a and %b follow the locale.
std::string_view httpDate() {
  struct Cache {
    std::time_t second = -1;
    char text[32];
  };
  thread_local Cache cache;
  std::time_t now = std::time(nullptr);
  if (now != cache.second) {
    static constexpr char Days[] = "SunMonTueWedThuFriSat";
    static constexpr char Months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    std::tm utc;
    gmtime_r(&now, &utc);
    auto two = [](char *at, int value) {
      at[0] = static_cast<char>('0' + value / 10 % 10);
      at[1] = static_cast<char>('0' + value % 10);
    };
    char *text = cache.text;
    std::memcpy(text, "Sun, 00 Jan 0000 00:00:00 GMT", 29);
    std::memcpy(text, Days + 3 * utc.tm_wday, 3);
    two(text + 5, utc.tm_mday);
    std::memcpy(text + 8, Months + 3 * utc.tm_mon, 3);
    two(text + 12, (1900 + utc.tm_year) / 100);
    two(text + 14, (1900 + utc.tm_year) % 100);
    two(text + 17, utc.tm_hour);
    two(text + 20, utc.tm_min);
    two(text + 23, utc.tm_sec);
    cache.second = now;
  }
  return std::string_view(cache.text, 29);
}

/// A connection's output buffer is kept for the next response unless a
/// large one made it this large.
constexpr std::size_t MaxKeptOutput = 64 * 1024;

/// One client connection: read a request, run the handler, write the
/// response, and again while the connection is kept alive.
class Connection {
public:
  using Output = void;

  Connection(net::TcpStream stream, std::shared_ptr<const Server::Shared> shared)
      : stream_(std::move(stream)), shared_(std::move(shared)),
        parser_(shared_->options.limits),
        chunk_(std::make_unique_for_overwrite<char[]>(ChunkSize)) {}

  /// Runs the step of each stage in turn until one is pending.
  Poll<void> poll(Context &cx) {
    for (;;) {
      bool progressed = false;
      switch (stage_) {
      case Stage::Reading:
        progressed = readRequest(cx);
        break;
      case Stage::Handling:
        progressed = handle(cx);
        break;
      case Stage::Writing:
        progressed = writeResponse(cx);
        break;
      case Stage::Lingering:
        progressed = linger(cx);
        break;
      case Stage::Closed:
        return Poll<void>::ready();
      }
      if (!progressed)
        return Poll<void>::pending();
    }
  }

private:
  enum class Stage { Reading, Handling, Writing, Lingering, Closed };

  std::span<char> chunk() const noexcept {
    return std::span(chunk_.get(), ChunkSize);
  }

  /// Reads until a request is complete (true), or pending (false). A
  /// connection that ends, fails or times out between requests closes.
  bool readRequest(Context &cx) {
    ParseStatus status = parser_.status();
    while (status == ParseStatus::Incomplete) {
      Poll<net::Result<std::size_t>> received = stream_.poll_read(cx, chunk());
      if (received.is_pending()) {
        if (!readTimedOut(cx))
          return false;
        stage_ = Stage::Closed;
        return true;
      }
      if (!received.value() || *received.value() == 0) {
        stage_ = Stage::Closed;
        return true;
      }
      status = parser_.feed(std::string_view(chunk_.get(), *received.value()));
    }
    has_deadline_ = false; // the next request's time starts when it waits
    if (status == ParseStatus::Failed) {
      head_request_ = false;
      close_ = true;
      respond(Response::text(400, "bad request: " + parser_.error().message() +
                                      "\n"));
      return true;
    }
    Request request = parser_.take();
    head_request_ = request.method == "HEAD";
    close_ = !request.keep_alive();
    keep_alive_1_0_ = !close_ && request.minor_version == 0;
    try {
      handling_.emplace(shared_->handler(std::move(request)));
      stage_ = Stage::Handling;
    } catch (...) {
      failed();
    }
    return true;
  }

  /// Whether the request being read is overdue, called when the read waits;
  /// if not, the task is woken by then. The first wait of a request sets
  /// its deadline. The connection's one Sleep stays armed from request to
  /// request and is moved only when it fires before the deadline, so that
  /// a request costs no update of the reactor's timer heap (nor its lock):
  /// the Sleep, armed with this task's waker (only its task polls a
  /// Connection), need not be polled again before its own deadline.
  bool readTimedOut(Context &cx) {
    Clock::time_point now = Clock::now();
    if (!has_deadline_) {
      deadline_ = now + shared_->options.read_timeout;
      has_deadline_ = true;
    }
    for (;;) {
      if (!timer_) {
        timer_.emplace(deadline_);
        timer_armed_ = false;
      } else if (timer_armed_ && now < timer_->deadline()) {
        return false;
      }
      if (timer_->poll(cx).is_pending()) {
        timer_armed_ = true;
        return false;
      }
      if (deadline_ <= now)
        return true;
      timer_.reset(); // fired for an earlier request: re-arm
    }
  }

  /// Polls the handler's future; true once it gave a response.
  bool handle(Context &cx) {
    Poll<Response> polled;
    try {
      polled = handling_->poll(cx);
    } catch (...) {
      handling_.reset();
      failed();
      return true;
    }
    if (polled.is_pending())
      return false;
    handling_.reset();
    respond(std::move(polled).value());
    return true;
  }

  /// A handler that threw (or an empty one): 500, and close.
  void failed() {
    close_ = true;
    respond(Response::text(500, "internal server error\n"));
  }

  /// Serializes `response` into out_, whose capacity is reused, with the
  /// Date and Connection fields the server owes.
  void respond(const Response &response) {
    ResponseFields fields = scanFields(response.headers);
    std::string_view connection;
    if (fields.close)
      close_ = true;
    else if (close_)
      connection = "close";
    else if (keep_alive_1_0_)
      connection = "keep-alive";
    out_.clear();
    // A HEAD gets the head of a GET, without its body.
    appendResponse(out_, response, fields,
                   fields.date ? std::string_view() : httpDate(), connection,
                   !head_request_);
    written_ = 0;
    stage_ = Stage::Writing;
  }

  bool writeResponse(Context &cx) {
    while (written_ < out_.size()) {
      Poll<net::Result<std::size_t>> sent =
          stream_.poll_write(cx, std::string_view(out_).substr(written_));
      if (sent.is_pending())
        return false;
      if (!sent.value()) { // the client is gone
        stage_ = Stage::Closed;
        return true;
      }
      written_ += *sent.value();
    }
    if (out_.capacity() > MaxKeptOutput)
      out_ = std::string();
    if (!close_) {
      stage_ = Stage::Reading;
      return true;
    }
    (void)stream_.shutdown(net::Shutdown::Write);
    timer_.emplace(Clock::now() + LingerTime);
    timer_armed_ = false;
    stage_ = Stage::Lingering;
    return true;
  }

  /// Discards what the client sends until it closes or LingerTime passed.
  bool linger(Context &cx) {
    for (;;) {
      Poll<net::Result<std::size_t>> received = stream_.poll_read(cx, chunk());
      if (received.is_pending()) {
        if (timer_->poll(cx).is_pending())
          return false;
        break;
      }
      if (!received.value() || *received.value() == 0)
        break;
    }
    stage_ = Stage::Closed;
    return true;
  }

  net::TcpStream stream_;
  std::shared_ptr<const Server::Shared> shared_;
  RequestParser parser_;
  std::unique_ptr<char[]> chunk_; // the read buffer
  Stage stage_ = Stage::Reading;
  std::optional<Sleep> timer_; // read timeout, then linger time
  bool timer_armed_ = false;   // polled (pending) with this task's waker
  Clock::time_point deadline_; // of the request being read
  bool has_deadline_ = false;  // whether its read has waited yet
  std::optional<Async<Response>> handling_;
  bool head_request_ = false;
  bool close_ = false;
  bool keep_alive_1_0_ = false;
  std::string out_;
  std::size_t written_ = 0;
};

/// Accept errors that only mean "not now": out of descriptors or memory.
bool isTransient(std::error_code error) {
  return error == std::errc::too_many_files_open ||
         error == std::errc::too_many_files_open_in_system ||
         error == std::errc::no_buffer_space ||
         error == std::errc::not_enough_memory;
}

} // namespace

Server::Server(net::TcpListener listener, Handler handler,
               ServerOptions options)
    : listener_(std::move(listener)),
      shared_(std::make_shared<const Shared>(
          Shared{std::move(handler), options})) {}

Poll<Server::Output> Server::poll(Context &cx) {
  for (int accepted = 0; accepted != AcceptsPerPoll; ++accepted) {
    if (backoff_) {
      if (backoff_->poll(cx).is_pending())
        return Poll<Output>::pending();
      backoff_.reset();
    }
    Poll<net::Result<net::Accepted>> next = listener_.poll_accept(cx);
    if (next.is_pending())
      return Poll<Output>::pending();
    if (!next.value()) {
      std::error_code error = next.value().error();
      if (!isTransient(error))
        return Poll<Output>::ready(error);
      // The connection waits in the backlog; retry when some have closed.
      backoff_.emplace(Clock::now() + std::chrono::milliseconds(100));
      continue;
    }
    spawn(Connection(std::move(next.value()->stream), shared_));
  }
  cx.waker().wake(); // let the new connections run before accepting more
  return Poll<Output>::pending();
}

} // namespace corofy::http
