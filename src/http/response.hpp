// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace lastcall::http {

// One response, before it becomes bytes. Every response closes the connection.
struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string allow;      // the Allow header of a 405; empty otherwise
  bool head_only = false;  // a HEAD request: the headers of the GET, no body

  friend bool operator==(const Response&, const Response&) = default;
};

// "OK", "Not Found", ...: the reason phrase of the statuses lastcall sends.
[[nodiscard]] const char* reason_phrase(int status);

// The response as HTTP/1.1 bytes: status line, Content-Type, Content-Length, Cache-Control,
// Connection: close, then the body.
[[nodiscard]] std::string serialize(const Response& response);

// A plain-text response.
[[nodiscard]] Response text_response(int status, std::string body);

// A plain-text response for an error status, such as 408 "request timeout".
[[nodiscard]] Response error_response(int status);

}  // namespace lastcall::http
