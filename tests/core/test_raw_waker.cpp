// Tests of core::RawWaker, Waker::from_raw and core::WakerRef: the waker
// chapter 7 builds on a task's own reference count, with no shared_ptr.
// The probe is a hand-counted object with a table that counts every call,
// so each test can see exactly which of clone / wake / wake_by_ref / drop ran.
#include "testing/catch.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include "core/testing.hpp"
#include "core/waker.hpp"

namespace raw_waker_test {

struct Counted {
    std::atomic<long> refs{1};  // the reference the test itself holds
    std::atomic<int> clones{0}, wakes{0}, wakes_by_ref{0}, drops{0};
};

const void* counted_clone(const void* p) {
    auto* c = static_cast<Counted*>(const_cast<void*>(p));
    c->clones.fetch_add(1);
    c->refs.fetch_add(1);
    return p;
}
void counted_wake(const void* p) {
    auto* c = static_cast<Counted*>(const_cast<void*>(p));
    c->wakes.fetch_add(1);
    c->refs.fetch_sub(1);  // wake consumes its reference
}
void counted_wake_by_ref(const void* p) { static_cast<Counted*>(const_cast<void*>(p))->wakes_by_ref.fetch_add(1); }
void counted_drop(const void* p) {
    auto* c = static_cast<Counted*>(const_cast<void*>(p));
    c->drops.fetch_add(1);
    c->refs.fetch_sub(1);
}
constexpr core::RawWakerVTable counted_table{counted_clone, counted_wake, counted_wake_by_ref, counted_drop};
constexpr core::RawWakerVTable other_table{counted_clone, counted_wake, counted_wake_by_ref, counted_drop};

// A Waker that owns one reference the test counted for it.
core::Waker owned(Counted& c, const core::RawWakerVTable& table = counted_table) {
    c.refs.fetch_add(1);
    return core::Waker::from_raw(core::RawWaker{&c, &table});
}

}  // namespace raw_waker_test

using namespace raw_waker_test;

TEST_CASE("a raw waker's copy calls clone, its destruction calls drop, wake() calls wake_by_ref",
          "[core][raw-waker]") {
    Counted c;
    {
        core::Waker w = owned(c);
        CHECK(c.refs.load() == 2);
        w.wake();
        INFO("wake() on a const Waker must not consume its reference: it calls wake_by_ref");
        CHECK(c.wakes_by_ref.load() == 1);
        CHECK(c.wakes.load() == 0);
        core::Waker copy = w;
        CHECK(c.clones.load() == 1);
        CHECK(c.refs.load() == 3);
        core::Waker moved = std::move(copy);
        INFO("moving a Waker transfers its reference: no clone, no drop");
        CHECK(c.clones.load() == 1);
        CHECK(c.drops.load() == 0);
    }
    INFO("two owning wakers were destroyed (the moved-from one owns nothing)");
    CHECK(c.drops.load() == 2);
    CHECK(c.refs.load() == 1);
}

TEST_CASE("wake_and_release consumes the reference through the table's wake", "[core][raw-waker]") {
    Counted c;
    core::Waker w = owned(c);
    w.wake_and_release();
    CHECK(c.wakes.load() == 1);
    CHECK(c.refs.load() == 1);
    INFO("the waker is a no-op afterwards: waking or dropping it again touches nothing");
    w.wake();
    CHECK(c.wakes_by_ref.load() == 0);
}

TEST_CASE("assigning over a raw waker drops the old reference and clones the new one", "[core][raw-waker]") {
    Counted a, b;
    core::Waker wa = owned(a);
    core::Waker wb = owned(b);
    wa = wb;
    CHECK(a.drops.load() == 1);
    CHECK(b.clones.load() == 1);
    CHECK(wa.will_wake(wb));
    wa = core::Waker::noop();
    CHECK(b.drops.load() == 1);
    core::Waker& alias = wb;
    wb = alias;  // self-assignment keeps the waker and its one reference
    CHECK(b.refs.load() == 2);
    CHECK(b.drops.load() == 1);
}

TEST_CASE("will_wake compares the data pointer and the table, across both kinds of waker", "[core][raw-waker]") {
    Counted a, b;
    core::Waker wa = owned(a), wa2 = owned(a), wb = owned(b), wa_other = owned(a, other_table);
    CHECK(wa.will_wake(wa2));
    CHECK_FALSE(wa.will_wake(wb));
    INFO("the same data with another table is another waker (Rust compares both)");
    CHECK_FALSE(wa.will_wake(wa_other));
    core::testing::CountingWaker shared;
    CHECK_FALSE(wa.will_wake(shared.waker()));
    CHECK_FALSE(shared.waker().will_wake(wa));
    CHECK_FALSE(wa.will_wake(core::Waker::noop()));
    CHECK(core::Waker::noop().will_wake(core::Waker()));
}

TEST_CASE("a WakerRef lends a waker without counting; only a kept copy is counted", "[core][raw-waker]") {
    Counted c;
    core::Waker kept;
    {
        core::WakerRef lent(core::RawWaker{&c, &counted_table});
        core::Context cx(lent.get());
        cx.waker().wake();
        CHECK(c.wakes_by_ref.load() == 1);
        INFO("lending must not clone");
        CHECK(c.clones.load() == 0);
        kept = cx.waker();
        CHECK(c.clones.load() == 1);
        CHECK(kept.will_wake(lent));
    }
    INFO("the WakerRef going away must not call drop: it never owned a reference");
    CHECK(c.drops.load() == 0);
    CHECK(c.refs.load() == 2);
    kept = core::Waker();
    CHECK(c.drops.load() == 1);
    CHECK(c.refs.load() == 1);
}

TEST_CASE("raw wakers can be cloned, woken and dropped from many threads at once", "[core][raw-waker][race]") {
    Counted c;
    core::Waker root = owned(c);
    constexpr int threads = 8, per_thread = 10'000;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            for (int i = 0; i < per_thread; ++i) {
                core::Waker local = root;
                local.wake();
            }
        });
    for (auto& t : pool) t.join();
    CHECK(c.wakes_by_ref.load() == threads * per_thread);
    CHECK(c.clones.load() == threads * per_thread);
    CHECK(c.drops.load() == threads * per_thread);
    CHECK(c.refs.load() == 2);
}

TEST_CASE("a shared_ptr waker and a noop waker behave as before beside raw ones", "[core][raw-waker]") {
    core::testing::CountingWaker probe;
    core::Waker w = probe.waker();
    core::Waker moved = std::move(w);
    moved.wake();
    CHECK(probe.wakes() == 1);
    CHECK(probe.live_wakers() == 2);
    moved.wake_and_release();
    CHECK(probe.wakes() == 2);
    CHECK(probe.live_wakers() == 1);
    static_assert(sizeof(core::Waker) <= 32, "a Waker stays small: a shared_ptr and a RawWaker");
}
