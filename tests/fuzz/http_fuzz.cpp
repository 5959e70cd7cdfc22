// SPDX-License-Identifier: MIT
// libFuzzer target: the admin endpoint's request path on any bytes a client may send, in any
// pieces. The first input byte picks the piece size. Whatever arrives, the parser settles on
// one answer and keeps it; a complete request has a method, and routing it gives one of the
// statuses the endpoint sends, serialised as an HTTP/1.1 response.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "http/request_parser.hpp"
#include "http/routes.hpp"
#include "http/snapshot.hpp"

using namespace lastcall;

namespace {

bool is_sent_status(int status) {
  switch (status) {
    case 200: case 400: case 404: case 405: case 408: case 431: case 503: return true;
    default: return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  http::RequestParser parser;
  auto progress = http::RequestParser::Progress::Incomplete;
  while (!rest.empty()) {
    const auto next = rest.substr(0, piece);
    rest.remove_prefix(next.size());
    const auto before = progress;
    progress = parser.feed(next);
    if (before != http::RequestParser::Progress::Incomplete) FUZZ_CHECK(progress == before);
  }
  if (progress != http::RequestParser::Progress::Complete) return 0;
  FUZZ_CHECK(!parser.request().method.empty());
  const http::Snapshot snapshot{};
  const auto response = http::route(parser.request(), snapshot);
  FUZZ_CHECK(is_sent_status(response.status));
  const std::string bytes = http::serialize(response);
  FUZZ_CHECK(std::string_view(bytes).starts_with("HTTP/1.1 "));
  return 0;
}
