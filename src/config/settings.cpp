// SPDX-License-Identifier: MIT
#include "config/settings.hpp"

#include <algorithm>

namespace lastcall::config {

bool Settings::is_trigger(core::Signal signal) const {
  return std::find(triggers.begin(), triggers.end(), signal) != triggers.end();
}

}  // namespace lastcall::config
