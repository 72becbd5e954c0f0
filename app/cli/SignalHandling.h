#pragma once
// SIGINT/SIGTERM in headless runs: the first signal asks the run to stop
// cleanly (finish the current step, checkpoint, mark the run stopped, exit
// 128+n: 130 for SIGINT, 143 for SIGTERM); a second one exits at once. The handler only writes to a pipe; a
// watcher thread turns that into the callback, so the callback may lock,
// log and call Trainer::stop().
#include <functional>

namespace hpt::cli {

// Called first thing in main() for commands that train: a SIGINT/SIGTERM that arrives while
// libraries load, before any StopOnSignal exists, is kept instead of killing the process, and
// the first StopOnSignal reports it as received (a second signal still exits at once).
void deferStopSignals();

class StopOnSignal {
public:
    // Installs handlers for SIGINT and SIGTERM; `onStop` runs on the watcher
    // thread once, with the signal number.
    explicit StopOnSignal(std::function<void(int signal)> onStop);
    ~StopOnSignal();  // restores the previous handlers
    StopOnSignal(const StopOnSignal&) = delete;
    StopOnSignal& operator=(const StopOnSignal&) = delete;

    // The signal that arrived, or 0.
    int received() const;

private:
    struct Impl;
    Impl* impl_;
};

}  // namespace hpt::cli
