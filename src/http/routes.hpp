// SPDX-License-Identifier: MIT
#pragma once

#include "http/request_parser.hpp"
#include "http/response.hpp"
#include "http/snapshot.hpp"

namespace lastcall::http {

// The admin endpoint's answer to one request, from the snapshot alone:
//   GET /healthz  200 "ok" while lastcall runs
//   GET /readyz   200 while the child runs and no shutdown has started, else 503
//   GET /metrics  Prometheus text format 0.0.4
// HEAD is a GET without the body. Another path is 404; another method on a known path, 405.
[[nodiscard]] Response route(const Request& request, const Snapshot& snapshot);

}  // namespace lastcall::http
