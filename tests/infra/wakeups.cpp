// The condition variables of every test binary (linked with the test main):
// spurious wakeups injected, and the hooks a test may set (core/testing.hpp).
//
// POSIX lets pthread_cond_wait return without a notify, and C++'s
// condition_variable inherits that: a wait must sit in a loop that checks
// its condition (`while (!token) cv.wait(lock);` or `cv.wait(lock, pred)`).
// On this machine a real spurious wakeup is rare, so a learner's
// `if (!token) cv.wait(lock);` would pass every test. Here, every other wait
// on each thread (the 1st, 3rd, 5th, ...) returns at once, with the mutex
// held, as a spurious wakeup does: a wait without its loop fails the first
// time it waits.
//
// Covered, by defining the C functions the standard library calls (a symbol
// in the executable or in a library loaded before libc wins the dynamic
// linker's lookup, also for calls from inside libstdc++.so):
//   pthread_cond_wait       std::condition_variable::wait (with or without a predicate)
//   pthread_cond_clockwait  wait_for, and wait_until on steady_clock (libstdc++ 12)
//   pthread_cond_timedwait  wait_until on system_clock where clockwait is missing
//   pthread_cond_signal, pthread_cond_broadcast   only for the tests' hooks
// std::condition_variable_any waits through a condition_variable: covered.
// Not covered, and why: std::atomic<T>::wait loops inside libstdc++ until the
// value changes, so a spurious return from its futex never reaches the
// caller; std::binary_semaphore likewise.
//
// Off (nothing replaced) under ThreadSanitizer, which intercepts these
// functions itself; injection off when EXECUTOR_SPURIOUS_WAKEUPS=0.
#include <dlfcn.h>
#include <pthread.h>
#include <time.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "core/testing.hpp"

namespace {
std::atomic<long> injected{0};
thread_local bool off_here = false;
core::testing::detail::CondvarHooks hooks;
}  // namespace

long core::testing::spurious_wakeups_injected() { return injected.load(std::memory_order_relaxed); }

bool core::testing::spurious_wakeups_enabled() {
    if (!CORE_TESTING_CONDVAR_HOOKS) return false;
    static const bool on = [] {
        const char* env = std::getenv("EXECUTOR_SPURIOUS_WAKEUPS");
        return !(env && std::strcmp(env, "0") == 0);
    }();
    return on;
}

core::testing::NoSpuriousWakeupsHere::NoSpuriousWakeupsHere() : was_(off_here) { off_here = true; }
core::testing::NoSpuriousWakeupsHere::~NoSpuriousWakeupsHere() { off_here = was_; }

void core::testing::detail::set_condvar_hooks(CondvarHooks h) { hooks = h; }

#if CORE_TESTING_CONDVAR_HOOKS
namespace {

// Every other wait of this thread returns at once: the first wait of every
// thread is spurious, so a missing loop shows on its first use.
bool spurious_now() {
    thread_local unsigned waits = 0;
    if (off_here || !core::testing::spurious_wakeups_enabled() || ++waits % 2 == 0) return false;
    injected.fetch_add(1, std::memory_order_relaxed);
    return true;
}

// A test's hook runs outside itself: the hook's own waits and notifies pass.
thread_local bool in_hook = false;
void before_wait() {
    if (!hooks.before_wait || in_hook) return;
    in_hook = true;
    hooks.before_wait();
    in_hook = false;
}
bool drop_notify(const void* cond) {
    if (!hooks.before_notify || in_hook) return false;
    in_hook = true;
    bool drop = hooks.before_notify(cond);
    in_hook = false;
    return drop;
}

// The real functions, looked up once. glibc has two versions of most of them
// (the default, GLIBC_2.3.2, and a compatibility one); name the default, as
// libstdc++ was linked against it.
template <typename F>
F real(const char* name, const char* version) {
    void* f = version ? dlvsym(RTLD_NEXT, name, version) : nullptr;
    if (!f) f = dlsym(RTLD_NEXT, name);
    if (!f) std::abort();
    return reinterpret_cast<F>(f);
}

}  // namespace

extern "C" int pthread_cond_wait(pthread_cond_t* cond, pthread_mutex_t* mutex) {
    using F = int (*)(pthread_cond_t*, pthread_mutex_t*);
    static const F wait = real<F>("pthread_cond_wait", "GLIBC_2.3.2");
    if (!in_hook && spurious_now()) return 0;
    before_wait();
    return wait(cond, mutex);
}

extern "C" int pthread_cond_timedwait(pthread_cond_t* cond, pthread_mutex_t* mutex, const struct timespec* abstime) {
    using F = int (*)(pthread_cond_t*, pthread_mutex_t*, const struct timespec*);
    static const F wait = real<F>("pthread_cond_timedwait", "GLIBC_2.3.2");
    if (!in_hook && spurious_now()) return 0;
    before_wait();
    return wait(cond, mutex, abstime);
}

extern "C" int pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock,
                                      const struct timespec* abstime) {
    using F = int (*)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const struct timespec*);
    static const F wait = real<F>("pthread_cond_clockwait", nullptr);
    if (!in_hook && spurious_now()) return 0;
    before_wait();
    return wait(cond, mutex, clock, abstime);
}

extern "C" int pthread_cond_signal(pthread_cond_t* cond) {
    using F = int (*)(pthread_cond_t*);
    static const F signal = real<F>("pthread_cond_signal", "GLIBC_2.3.2");
    if (drop_notify(cond)) return 0;
    return signal(cond);
}

extern "C" int pthread_cond_broadcast(pthread_cond_t* cond) {
    using F = int (*)(pthread_cond_t*);
    static const F broadcast = real<F>("pthread_cond_broadcast", "GLIBC_2.3.2");
    if (drop_notify(cond)) return 0;
    return broadcast(cond);
}
#endif
