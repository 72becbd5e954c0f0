#include "cli/SignalHandling.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace hpt::cli {

namespace {
// Async-signal-safe state: only these are touched inside the handler.
int gPipe[2] = {-1, -1};
std::atomic<int> gSignal{0};

void onSignal(int sig) {
    int expected = 0;
    if (!gSignal.compare_exchange_strong(expected, sig)) {
        // Second signal: the user means it. Exit without unwinding.
        static const char msg[] = "\nhpt: second signal, exiting now without a final checkpoint\n";
        (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
        _exit(128 + sig);
    }
    const char b = char(sig);
    const int saved = errno;
    (void)!write(gPipe[1], &b, 1);
    errno = saved;
}
// Before a StopOnSignal exists: remember the first signal, exit on the second.
void onEarlySignal(int sig) {
    int expected = 0;
    if (!gSignal.compare_exchange_strong(expected, sig)) _exit(128 + sig);
}
}  // namespace

void deferStopSignals() {
    struct sigaction sa {};
    sa.sa_handler = onEarlySignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

struct StopOnSignal::Impl {
    std::function<void(int)> onStop;
    std::thread watcher;
    struct sigaction oldInt {}, oldTerm {};
};

StopOnSignal::StopOnSignal(std::function<void(int)> onStop) : impl_(new Impl) {
    impl_->onStop = std::move(onStop);
    if (pipe(gPipe) != 0) gPipe[0] = gPipe[1] = -1;
    fcntl(gPipe[1], F_SETFL, O_NONBLOCK);
    impl_->watcher = std::thread([this, fd = gPipe[0]] {
        char b = 0;
        ssize_t n;
        do n = read(fd, &b, 1); while (n < 0 && errno == EINTR);
        // b == 0 is the destructor's wake-up, not a signal.
        if (n == 1 && b != 0 && impl_->onStop) impl_->onStop(int(b));
    });
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    // A signal kept by deferStopSignals() (or left by an earlier guard's first signal) is
    // delivered now, so it is not lost between handlers.
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    sigaction(SIGINT, &sa, &impl_->oldInt);
    sigaction(SIGTERM, &sa, &impl_->oldTerm);
    if (const int early = gSignal.load()) {
        const char b = char(early);
        (void)!write(gPipe[1], &b, 1);
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

StopOnSignal::~StopOnSignal() {
    sigaction(SIGINT, &impl_->oldInt, nullptr);
    sigaction(SIGTERM, &impl_->oldTerm, nullptr);
    if (gSignal.load() == 0) {
        const char b = 0;
        (void)!write(gPipe[1], &b, 1);
    }
    if (impl_->watcher.joinable()) impl_->watcher.join();
    close(gPipe[0]);
    close(gPipe[1]);
    gPipe[0] = gPipe[1] = -1;
    delete impl_;
}

int StopOnSignal::received() const { return gSignal.load(); }

}  // namespace hpt::cli
