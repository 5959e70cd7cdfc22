// SPDX-License-Identifier: MIT
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace lastcall::http {

// The header section may hold at most this much, request line included (431 beyond).
inline constexpr std::size_t kMaxHeaderBytes = 8 * 1024;

// The parts of a request the routes look at.
struct Request {
  std::string method;  // "GET"
  std::string path;    // "/metrics", without the query
};

// Reads one HTTP/1.x request head with Node's http_parser (libhttp-parser), fed in whatever
// pieces the socket delivers. It stops at the end of the header section: the routes need no
// body, and the connection closes after one response. One per connection.
class RequestParser {
 public:
  enum class Progress { Incomplete, Complete, Bad, TooLarge };

  RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Feeds the next bytes. Once the result is not Incomplete, further calls return it again.
  [[nodiscard]] Progress feed(std::string_view bytes);
  // Complete only: the request read.
  [[nodiscard]] const Request& request() const { return request_; }

 private:
  static int on_url(http_parser* parser, const char* at, std::size_t length) noexcept;
  static int on_headers_complete(http_parser* parser) noexcept;
  [[nodiscard]] Progress finish_head();

  http_parser parser_{};
  http_parser_settings settings_{};
  std::string url_;
  Request request_;
  std::size_t head_bytes_ = 0;  // bytes fed before the header section ended
  bool head_done_ = false;
  Progress result_ = Progress::Incomplete;
};

}  // namespace lastcall::http
