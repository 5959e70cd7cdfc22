// SPDX-License-Identifier: MIT
#include "config/listen_parser.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace lastcall::config {
namespace {

std::optional<int> parse_port(std::string_view text) {
  const bool digits = !text.empty() && text.size() <= 5 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return std::nullopt;
  int port = 0;
  for (char c : text) port = port * 10 + (c - '0');
  if (port < 1 || port > 65535) return std::nullopt;
  return port;
}

// inet_pton(3) accepts only the numeric forms, so "localhost" and "1.2.3" are rejected.
bool is_numeric_address(int family, const std::string& host) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(family, host.c_str(), buffer) == 1;
}

}  // namespace

std::optional<ListenAddress> parse_listen(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto port = parse_port(text.substr(colon + 1));
  if (!port) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const bool ipv6 = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (ipv6) host = host.substr(1, host.size() - 2);
  ListenAddress address{.host = std::string(host), .port = *port, .ipv6 = ipv6};
  if (!is_numeric_address(ipv6 ? AF_INET6 : AF_INET, address.host)) return std::nullopt;
  return address;
}

std::string format_listen(const ListenAddress& address) {
  const std::string host = address.ipv6 ? "[" + address.host + "]" : address.host;
  return host + ":" + std::to_string(address.port);
}

}  // namespace lastcall::config
