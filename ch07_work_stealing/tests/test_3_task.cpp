// The task as one block: one allocation per task (the header, the future
// and the output together), the waker lent during a poll and counted only
// when kept, the output destroyed as soon as nobody can read it, and a
// detached task's exception reported once.
#include "testing/catch.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>

#include "ch07_work_stealing/executor.hpp"
#include "ch07_work_stealing/scheduler.hpp"  // this piece's file: check-chNN re-runs the piece when it changes
#include "ch07_work_stealing/task.hpp"  // this piece's file: check-chNN re-runs the piece when it changes
#include "core/block_pool.hpp"
#include "core/core.hpp"
#include "core/testing.hpp"
#include "probes.hpp"

// ---- a global allocation counter, switched on only around a measurement ----
// g++ 12 warns that free() in our operator delete "mismatches" operator new
// once both are inlined; they do match.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
// AddressSanitizer has its own operator new and reports ours (malloc
// inside, free in delete) as a mismatch; clang's ThreadSanitizer runtime is
// linked statically with its own operator new, so ours is a duplicate
// symbol there: under either, nothing is counted.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CH07_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CH07_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef CH07_COUNT_ALLOCATIONS
#define CH07_COUNT_ALLOCATIONS 1
#endif
namespace ch07_task_alloc {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
// Blocks whose freeing a test watches for (a task's, the runtime's state):
// operator delete marks the slot when it frees one of them.
struct Watched {
    std::atomic<const void*> block{nullptr};
    std::atomic<bool> freed{false};
};
Watched watched[2];
inline void watch(int i, const void* block) {
    watched[i].freed.store(false);
    watched[i].block.store(block);
}
inline bool freed(int i) { return watched[i].freed.load(); }
inline void unwatch() {
    for (auto& w : watched) w.block.store(nullptr);
}
inline void note_free(void* p) {
    if (!p) return;
    for (auto& w : watched)
        if (w.block.load(std::memory_order_relaxed) == p) w.freed.store(true);
}
// Valgrind swaps in its own operator new and delete wherever a call reaches
// them (so nothing is counted there), and cannot swap one that the compiler
// inlined: our operators stay out of line, so it swaps both or neither, and
// the test skips the count when valgrind's preload library is in the process.
inline bool under_valgrind() {
    const char* preload = std::getenv("LD_PRELOAD");
    return preload && std::strstr(preload, "vgpreload");
}
}  // namespace ch07_task_alloc
#if CH07_COUNT_ALLOCATIONS
[[gnu::noinline]] void* operator new(std::size_t n) {
    if (ch07_task_alloc::counting.load(std::memory_order_relaxed))
        ch07_task_alloc::allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept {
    ch07_task_alloc::note_free(p);
    std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
    ch07_task_alloc::note_free(p);
    std::free(p);
}
// The runtime's state is over-aligned (alignas(64)): it comes and goes
// through the aligned forms, which must be replaced as a pair.
[[gnu::noinline]] void* operator new(std::size_t n, std::align_val_t al) {
    std::size_t a = static_cast<std::size_t>(al);
    if (void* p = std::aligned_alloc(a, (n + a - 1) / a * a + (n ? 0 : a))) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p, std::align_val_t) noexcept {
    ch07_task_alloc::note_free(p);
    std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    ch07_task_alloc::note_free(p);
    std::free(p);
}
#endif

using namespace ch07_test;

namespace {

// A hand-written future (no coroutine frame): Pending `yields` times, waking
// itself, then Ready. Counts completions in a shared counter.
class Yields {
public:
    using Output = void;
    Yields(int yields, std::atomic<int>* done) : left_(yields), done_(done) {}
    core::Poll<void> poll(core::Context& cx) {
        if (left_-- > 0) {
            cx.waker().wake();
            return core::Poll<void>::pending();
        }
        done_->fetch_add(1);
        return core::Poll<void>::ready();
    }

private:
    int left_;
    std::atomic<int>* done_;
};

// Returns a value whose destruction is counted, and leaves a copy of its
// waker outside: that reference keeps the task's block alive after the
// task finished, so the test sees when the OUTPUT goes, not the block.
class MakesProbe {
public:
    using Output = DropProbe;
    MakesProbe(Counter drops, std::shared_ptr<core::Waker> keep) : drops_(std::move(drops)), keep_(std::move(keep)) {}
    core::Poll<DropProbe> poll(core::Context& cx) {
        *keep_ = cx.waker();
        return core::Poll<DropProbe>(DropProbe(drops_));
    }

private:
    Counter drops_;
    std::shared_ptr<core::Waker> keep_;
};

core::Async<int> throws_detached(std::string what) {
    throw std::runtime_error(what);
    co_return 0;
}

// Keeps (copies) the waker of its first poll, compares it with the second.
class KeepsWaker {
public:
    using Output = bool;
    core::Poll<bool> poll(core::Context& cx) {
        if (!kept_) {
            kept_.emplace(cx.waker());
            cx.waker().wake();
            return core::Poll<bool>::pending();
        }
        return core::Poll<bool>(kept_->will_wake(cx.waker()));
    }

private:
    std::optional<core::Waker> kept_;
};

// The runtime of the thread that polls it (block_on's future: the Runtime's
// Shared), as an address to watch.
class CurrentRuntime {
public:
    using Output = const void*;
    core::Poll<const void*> poll(core::Context&) { return core::Poll<const void*>(ch07::detail::current_shared); }
};

// The window of a wake from outside the workers: Shared::schedule has pushed
// the task onto the injection queue and has not yet woken a sleeper. The hook
// (ch07::detail::on_remote_push, set on the waking thread only) stops that
// thread there until the test lets it go.
struct RemotePushWindow {
    std::atomic<ch07::Header*> task{nullptr};
    Latch go{1};
};
thread_local RemotePushWindow* remote_push_window = nullptr;
void hold_remote_push(ch07::Header* task) {
    ch07::detail::on_remote_push = nullptr;  // once
    remote_push_window->task.store(task);
    remote_push_window->go.wait();
}

struct MoveFailed : std::exception {
    const char* what() const noexcept override { return "the future's move constructor threw (on purpose)"; }
};

// Its move constructor throws on the n-th move of this future (moves of its
// moved-to copies count too), so a test can make spawn fail at each of the
// moves it makes, in turn.
class ThrowsOnMove {
public:
    using Output = int;
    explicit ThrowsOnMove(int nth_move) : left_(std::make_shared<int>(nth_move)) {}
    ThrowsOnMove(ThrowsOnMove&& o) : left_(o.left_) {
        if (--*left_ == 0) throw MoveFailed();
    }
    ThrowsOnMove& operator=(ThrowsOnMove&&) = delete;
    core::Poll<int> poll(core::Context&) { return core::Poll<int>(1); }

private:
    std::shared_ptr<int> left_;
};

}  // namespace

TEST_CASE("a spawned task is one allocation, however often it is polled", "[ch07][task]") {
    core::testing::hang_hint("spawned tasks never completed");
    core::pool::testing::PoolOff pool_off;  // task blocks from operator new, where the count sees them
    ch07::Runtime rt(1);
    rt.block_on(rt.spawn(value_of(0)));  // the worker is up and warm
    constexpr int n = 200;
    std::atomic<int> done{0};
    ch07_task_alloc::allocations.store(0);
    ch07_task_alloc::counting.store(true);
    for (int i = 0; i < n; ++i) (void)rt.spawn(Yields(5, &done));  // detached: the handle is dropped at once
    bool all = eventually([&] { return done.load() == n; });
    ch07_task_alloc::counting.store(false);
    REQUIRE(all);
    if (!CH07_COUNT_ALLOCATIONS || ch07_task_alloc::under_valgrind()) {
        WARN("allocations are not counted under a sanitizer or valgrind; the plain build checks this");
        return;
    }
    INFO(ch07_task_alloc::allocations.load()
         << " allocations for " << n << " tasks polled 6 times each: the header, the future and the output "
         << "slot are one block (Cell<F>), the waker is the header itself (no shared_ptr per poll)");
    CHECK(ch07_task_alloc::allocations.load() == n);
}

TEST_CASE("the waker a task lends is the same across polls, and a kept copy stays valid", "[ch07][task]") {
    ch07::Runtime rt(2);
    INFO("will_wake between the waker kept from the first poll and the second poll's: the same task, "
         "so the same data pointer and table");
    CHECK(rt.block_on(rt.spawn(KeepsWaker{})));
}

TEST_CASE("a finished task's output is destroyed when its handle is dropped, not later", "[ch07][task]") {
    ch07::Runtime rt(1);
    auto drops = make_counter();
    auto keep = std::make_shared<core::Waker>();
    {
        auto h = rt.spawn(MakesProbe(drops, keep));
        REQUIRE(eventually([&] { return h.is_finished(); }));
        CHECK(drops->load() == 0);
    }
    INFO("dropping the handle of a finished task must destroy the output it will never read");
    CHECK(drops->load() == 1);
}

TEST_CASE("a detached task's output is destroyed as soon as the task finishes", "[ch07][task]") {
    ch07::Runtime rt(1);
    auto drops = make_counter();
    auto keep = std::make_shared<core::Waker>();
    (void)rt.spawn(MakesProbe(drops, keep));
    // One worker takes tasks from the injection queue in order: once a task
    // spawned after this one has finished, this one has finished too. (No
    // timed wait: it would race the mutant run's watchdog.)
    (void)rt.block_on(rt.spawn(value_of(0)));
    INFO("detached output kept: with no handle, Cell::finish must destroy the output at once");
    CHECK(drops->load() == 1);
}

TEST_CASE("an exception in a detached task is reported on stderr once; a joined one is not", "[ch07][task]") {
    std::string text;
    {
        StderrCapture capture;
        {
            // One worker takes tasks from the injection queue in order, so the
            // detached task has run once the joined one has: with two, it could
            // still be queued when the runtime is dropped, and never report.
            ch07::Runtime rt(1);
            (void)rt.spawn(throws_detached("detached disk on fire"));
            auto joined = rt.spawn(throws_detached("joined disk on fire"));
            CHECK_THROWS_AS(rt.block_on(std::move(joined)), std::runtime_error);
            auto finished = rt.spawn(throws_detached("never joined disk on fire"));
            REQUIRE(eventually([&] { return finished.is_finished(); }));
        }  // `finished` is dropped after the runtime: still reported, once
        text = capture.text();
    }
    INFO("stderr was:\n" << text);
    CHECK(occurrences(text, "detached disk on fire") == 1);
    CHECK(occurrences(text, "never joined disk on fire") == 1);
    CHECK(occurrences(text, "joined disk on fire") == 1);  // only inside "never joined ...": the joined one is not reported
}

TEST_CASE("wakes from 8 threads while a task is polled never make two polls overlap", "[ch07][task][race]") {
    core::testing::hang_hint("a wake during a poll was lost: the task never got its next poll");
    ch07::Runtime rt(4);
    core::testing::CountingFuture f(300, /*wake_self=*/false);
    auto stats = f.stats();
    auto waker = std::make_shared<core::Waker>();
    class Capture {
    public:
        using Output = void;
        Capture(core::testing::CountingFuture inner, std::shared_ptr<core::Waker> out)
            : inner_(std::move(inner)), out_(std::move(out)) {}
        core::Poll<void> poll(core::Context& cx) {
            if (!published_) {
                *out_ = cx.waker();
                published_ = true;
            }
            return inner_.poll(cx);
        }

    private:
        core::testing::CountingFuture inner_;
        std::shared_ptr<core::Waker> out_;
        bool published_ = false;
    };
    auto h = rt.spawn(Capture(std::move(f), waker));
    REQUIRE(eventually([&] { return stats->polls.load() >= 1; }));
    core::Waker w = *waker;  // a counted clone, used from all threads
    std::atomic<bool> stop{false};
    std::vector<std::thread> wakers;
    for (int t = 0; t < 8; ++t)
        wakers.emplace_back([&] {
            while (!stop.load()) {
                w.wake();
                std::this_thread::yield();  // 8 threads on a small machine: leave the workers some time
            }
        });
    auto deadline = std::chrono::steady_clock::now() + core::testing::scaled(std::chrono::seconds(30));
    while (!h.is_finished() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    bool finished = h.is_finished();
    stop.store(true);
    for (auto& t : wakers) t.join();
    REQUIRE(finished);
    INFO("two polls overlapped: a task was queued while it was running or already queued; Header::wake_by_ref "
         "must schedule the task only when the state's transition says submit");
    CHECK(stats->overlaps.load() == 0);
    CHECK(stats->completions.load() == 1);
}

TEST_CASE("a wake by value from outside keeps its task, and so the runtime, alive until schedule() returns",
          "[ch07][task][race]") {
    core::testing::hang_hint("a wake by value from another thread: the waking thread is held between the push "
                             "onto the injection queue and the wake of a sleeper while ~Runtime runs");
    const bool watching = CH07_COUNT_ALLOCATIONS && !ch07_task_alloc::under_valgrind();
    core::pool::testing::PoolOff pool_off;  // the task's block goes back to operator delete, where it is watched
    auto window = std::make_shared<RemotePushWindow>();
    auto slot = std::make_shared<core::Waker>();
    auto polled = std::make_shared<std::atomic<bool>>(false);
    auto rt = std::make_unique<ch07::Runtime>(1);
    const void* shared = rt->block_on(CurrentRuntime{});
    (void)rt->spawn(KeepsWakerPending(slot, polled, DropProbe(nullptr)));  // detached: the live list and the waker own it
    REQUIRE(eventually([&] { return polled->load() && rt->metrics().unparked == 0; }));  // idle, worker asleep
    core::Waker waker = std::move(*slot);
    std::thread waking([window, waker = std::move(waker)]() mutable {
        remote_push_window = window.get();
        ch07::detail::on_remote_push = &hold_remote_push;
        waker.wake_and_release();  // by value: this thread gives its reference away
        ch07::detail::on_remote_push = nullptr;
    });
    bool held = eventually([&] { return window->task.load() != nullptr; });
    if (!held) {
        window->go.count_down();
        waking.join();
        FAIL("a wake by value of an idle task from another thread never reached Shared::schedule: "
             "transition_to_notified_by_val must answer submit for an idle task, and Header::wake_by_val schedule it");
    }
    ch07::Header* task = window->task.load();
    ch07_task_alloc::watch(0, task);  // Cell<F> starts with its Header: the block's address
    ch07_task_alloc::watch(1, shared);
    rt.reset();  // ~Runtime while the waking thread is inside schedule(): close, join, shut down, drain, release
    if (watching && ch07_task_alloc::freed(0)) {
        ch07_task_alloc::unwatch();
        waking.detach();  // never let go: it would go on to use the freed runtime
        FAIL("the task was freed while a wake by value was still inside schedule(), and the runtime's state with "
             "it (next: notify_parked on freed memory): the waker's reference must outlive schedule. "
             "transition_to_notified_by_val must give the queue entry a reference of its own, and "
             "Header::wake_by_val drop the waker's only after schedule() returns "
             "(see book/ch07_work_stealing.md#the-task-in-one-block)");
    }
    window->go.count_down();  // under ASan the old bug is a heap-use-after-free report from here on
    waking.join();
    bool task_freed = ch07_task_alloc::freed(0), shared_freed = ch07_task_alloc::freed(1);
    ch07_task_alloc::unwatch();
    if (!watching) {
        WARN("frees are not watched under a sanitizer or valgrind (they report a use after free or a leak "
             "themselves); the plain build checks them");
        return;
    }
    INFO("wake_by_val must drop the waker's reference after schedule: once the wake returned, that reference "
         "was the task's last, and the task's block (and, with it, the runtime's state) leaks otherwise");
    CHECK(task_freed);
    CHECK(shared_freed);
}

TEST_CASE("a future whose move constructor throws in spawn leaves nothing behind, and the runtime is still freed",
          "[ch07][task]") {
    const bool watching = CH07_COUNT_ALLOCATIONS && !ch07_task_alloc::under_valgrind();
    core::pool::testing::PoolOff pool_off;  // blocks go back to operator delete, where they are watched
    int failed_moves = 0;
    for (int nth = 1; nth <= 16; ++nth) {
        bool threw = false;
        int value = 0;
        {
            ch07::Runtime rt(1);
            ch07_task_alloc::watch(1, rt.block_on(CurrentRuntime{}));
            try {
                auto h = rt.spawn(ThrowsOnMove(nth));
                value = rt.block_on(std::move(h));
            } catch (const MoveFailed&) {
                threw = true;
            }
        }
        bool shared_freed = ch07_task_alloc::freed(1);
        ch07_task_alloc::unwatch();
        if (!threw) {  // past the last move spawn makes: the task ran
            CHECK(value == 1);
            break;
        }
        ++failed_moves;
        if (!watching) continue;
        INFO("the future's move number " << nth << " threw inside spawn: the exception must leave spawn and "
             "~Runtime must still free the runtime's state. A Header that counts its reference on the runtime "
             "before the future is moved into the Cell keeps that reference forever when the move throws: "
             "take it only once the Cell is built");
        CHECK(shared_freed);
    }
    INFO("ThrowsOnMove never threw from inside spawn: spawn must move the future into the task's block");
    CHECK(failed_moves >= 1);
    if (!watching) WARN("frees are not watched under a sanitizer or valgrind (LeakSanitizer reports a leak itself)");
}
