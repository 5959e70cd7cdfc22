// SPDX-License-Identifier: MIT
#pragma once

namespace lastcall::app {

// Ends lastcall by `signal`, as the child ended (`--exit-by-signal`): the disposition back to
// SIG_DFL, the signal unblocked, no core dump, then raise(3). As PID 1 the kernel ignores a
// signal that PID 1 has not caught, so there, and should the raise not end us, it returns
// `code` (128 + signal) for main to exit with.
[[nodiscard]] int exit_by_signal(int signal, int code);

}  // namespace lastcall::app
