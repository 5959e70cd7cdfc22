// SPDX-License-Identifier: MIT
#include "http/request_parser.hpp"

#include <algorithm>

namespace lastcall::http {
namespace {

// A URL longer than the whole head allows cannot be valid; bounding it bounds url_.
constexpr std::size_t kMaxUrlBytes = kMaxHeaderBytes;

}  // namespace

RequestParser::RequestParser() {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_url = on_url;
  settings_.on_headers_complete = on_headers_complete;
}

RequestParser::Progress RequestParser::feed(std::string_view bytes) {
  if (result_ != Progress::Incomplete) return result_;
  // Never hand the parser more than the head may still hold: what lies beyond the limit is
  // either the body, which we do not need, or proof that the head is too large.
  const std::size_t room = kMaxHeaderBytes - head_bytes_;
  const std::size_t length = std::min(bytes.size(), room);
  const std::size_t parsed = http_parser_execute(&parser_, &settings_, bytes.data(), length);
  head_bytes_ += parsed;
  if (head_done_) return result_ = finish_head();
  if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK || parsed != length) return result_ = Progress::Bad;
  if (head_bytes_ >= kMaxHeaderBytes) return result_ = Progress::TooLarge;
  return Progress::Incomplete;
}

RequestParser::Progress RequestParser::finish_head() {
  // http_parser takes any one-digit version; only HTTP/1.x is spoken here.
  if (parser_.http_major != 1) return Progress::Bad;
  http_parser_url parts;
  http_parser_url_init(&parts);
  if (http_parser_parse_url(url_.data(), url_.size(), 0, &parts) != 0) return Progress::Bad;
  if ((parts.field_set & (1 << UF_PATH)) == 0) return Progress::Bad;
  const auto& path = parts.field_data[UF_PATH];
  request_.method = http_method_str(static_cast<http_method>(parser_.method));
  request_.path = url_.substr(path.off, path.len);
  return Progress::Complete;
}

int RequestParser::on_url(http_parser* parser, const char* at, std::size_t length) noexcept {
  auto* self = static_cast<RequestParser*>(parser->data);
  if (self->url_.size() + length > kMaxUrlBytes) return 1;  // an error for http_parser_execute
  try {
    self->url_.append(at, length);
  } catch (...) {
    return 1;  // out of memory: a bad request rather than an exception through C frames
  }
  return 0;
}

int RequestParser::on_headers_complete(http_parser* parser) noexcept {
  auto* self = static_cast<RequestParser*>(parser->data);
  self->head_done_ = true;
  // Pausing makes http_parser_execute return here, before any body.
  http_parser_pause(parser, 1);
  return 0;
}

}  // namespace lastcall::http
