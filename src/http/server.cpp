// SPDX-License-Identifier: MIT
#include "http/server.hpp"

#include <algorithm>

#include "core/events.hpp"
#include "uv/loop.hpp"

namespace lastcall::http {
namespace {

constexpr int kBacklog = 128;
// Not a contract event: logged at debug level only.
constexpr std::string_view kConnectionRejected = "admin_connection_rejected";

}  // namespace

Server::Server(uv_loop_t* loop, const Snapshot& snapshot, log::Logger& logger, Limits limits)
    : loop_(loop),
      snapshot_(snapshot),
      logger_(logger),
      limits_(limits),
      listener_(loop, [this](int status) { on_connection(status); }) {}

int Server::listen(const std::string& host, int port, bool ipv6) {
  return listener_.listen(host, port, ipv6, kBacklog);
}

void Server::on_connection(int status) {
  if (status != 0) {
    // UV_EMFILE and the like: libuv has dropped the connection; the server goes on. Once:
    // whatever exhausts descriptors would otherwise flood the log too.
    if (!accept_failed_) {
      logger_.warn(core::event::kInternalError,
                   "admin endpoint cannot accept a connection: " + uv::error_message(status) + "; it goes on");
    }
    accept_failed_ = true;
    return;
  }
  if (connections_.size() >= limits_.max_connections && !evict_oldest_waiting()) {
    reject();
    return;
  }
  auto connection = std::make_shared<Connection>(loop_, snapshot_, limits_,
                                                 [this](Connection& closed) { on_closed(closed); });
  if (listener_.accept(connection->stream()) != 0 || !connection->start()) return;
  connections_.push_back(std::move(connection));
}

// The oldest connection still waiting for its request makes room for the new one: a flood of
// idle connections then delays a probe by nothing, where refusing new ones would turn it
// away until the flood's request deadlines expire.
bool Server::evict_oldest_waiting() {
  const auto oldest = std::find_if(connections_.begin(), connections_.end(),
                                   [](const auto& open) { return open->is_waiting(); });
  if (oldest == connections_.end()) return false;
  const auto victim = *oldest;  // drop() erases it from connections_
  victim->drop();
  return true;
}

// Over the cap, with every connection busy answering: accepted, so that libuv keeps accepting, and closed at once.
void Server::reject() {
  uv::TcpStream stream(loop_);
  if (listener_.accept(stream) != 0) return;
  if (logger_.enabled(log::Level::Debug)) {
    logger_.debug(kConnectionRejected,
                  "admin endpoint has " + std::to_string(connections_.size()) +
                      " connections open already; closing a new one");
  }
}

void Server::on_closed(Connection& connection) {
  std::erase_if(connections_, [&connection](const auto& open) { return open.get() == &connection; });
}

}  // namespace lastcall::http
