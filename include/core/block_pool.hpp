// core/block_pool.hpp: a per-thread pool of small blocks, for task blocks and coroutine frames.
//
// Contract:
// - pool::allocate(n) / pool::deallocate(p, n) are a drop-in for
//   ::operator new(n) / ::operator delete(p, n): same n on both sides,
//   16-byte alignment. A block may be freed on any thread, not only the
//   one that allocated it (a "remote free": the block simply joins the
//   freeing thread's pool).
// - Blocks of up to max_pooled bytes come from this thread's cache: a
//   free list per size class (16-byte steps), refilled from and spilled to
//   a process-wide depot 64 blocks at a time, and carved from 64 KiB slabs
//   when the depot is empty too. Larger blocks go to ::operator new.
// - A thread that exits hands its cached blocks to the depot, where other
//   threads find them.
// - Pooled memory is NOT returned to the system: a slab, once taken, is
//   the pool's until the process ends (the depot keeps every slab
//   reachable, so a leak checker calls it "still reachable", not lost).
//   A burst of 10^5 live tasks leaves ~20 MB in the pool for the next one.
// - The pool is off (every call goes to ::operator new/delete) under
//   AddressSanitizer and ThreadSanitizer (they must see every block, or a
//   use-after-free of a recycled block goes unreported), under valgrind's
//   heap tools (memcheck, helgrind, DRD, massif: same reason), and when the
//   environment has CORE_BLOCK_POOL=off. Valgrind's callgrind and
//   cachegrind only count: `make bench-icount` measures the pool as it runs.
// - Coroutine frames: core::Async's promise asks pool::frames_here() (a
//   thread-local switch, off by default) and allocates from the pool only
//   where a runtime turned it on for its workers (FramesFromPool, an RAII
//   guard). Everywhere else a frame is ::operator new's, as before.
//
// Why: glibc's malloc keeps a per-thread cache of 7 blocks per size; in a
// burst of 10^5 live tasks it is useless, and every malloc and free takes
// the arena's lock (two atomic RMWs each) and walks its bins. A free list
// pop is three instructions and no atomic.
//
// Counterparts: asio recycles handler memory per thread
// (asio/detail/thread_info_base.hpp, recycling_allocator); oneTBB has its
// small-object pool (src/tbb/small_object_pool.cpp, which also hands a
// block freed on another thread back to the pool it came from); tokio has
// neither and relies on the global allocator. Bonwick's magazines (the
// Solaris slab allocator, USENIX 2001) are the idea behind the depot.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CORE_POOL_COMPILED_OUT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CORE_POOL_COMPILED_OUT 1
#endif
#endif

namespace core::pool {

inline constexpr std::size_t granule = 16;      // every block is 16-byte aligned (operator new's promise)
inline constexpr std::size_t max_pooled = 512;  // larger blocks are malloc's
inline constexpr std::size_t classes = max_pooled / granule;  // class k holds blocks of (k + 1) * 16 bytes

// A request of n bytes (1 <= n <= max_pooled) gets a block of class_of(n);
// the smallest is 32 bytes, room for the depot's three fields.
constexpr std::size_t class_of(std::size_t n) { return n <= 2 * granule ? 1 : (n - 1) / granule; }
inline constexpr std::uint32_t magazine = 64;   // blocks moved to or from the depot at once
inline constexpr std::size_t slab_bytes = 64 * 1024;

namespace detail {

struct FreeBlock {
    FreeBlock* next;  // within a chain
    // Head blocks in the depot only (a pooled block is at least 32 bytes):
    FreeBlock* next_chain;  // the chain under this one
    std::uint32_t count;    // blocks in this chain
};

struct Chain {
    FreeBlock* head = nullptr;
    std::uint32_t count = 0;
};

// Process-wide: chains spilled by threads, and every slab ever taken.
// constinit and trivially destructible: usable by threads that outlive main.
struct Depot {
    std::mutex mutex;
    // Written under the mutex; read without it only to skip the lock when
    // a class has nothing in the depot (a burst's allocations from a slab).
    std::atomic<FreeBlock*> chains[classes] = {};
    void* slabs = nullptr;  // each slab's first word links to the one before
};
constinit inline Depot depot;

inline void depot_push(std::size_t cls, Chain chain) {
    if (!chain.head) return;
    chain.head->count = chain.count;
    std::lock_guard lock(depot.mutex);
    chain.head->next_chain = depot.chains[cls].load(std::memory_order_relaxed);
    depot.chains[cls].store(chain.head, std::memory_order_relaxed);
}
inline Chain depot_pop(std::size_t cls) {
    if (!depot.chains[cls].load(std::memory_order_relaxed)) return {};  // a stale answer costs a slab block, no more
    std::lock_guard lock(depot.mutex);
    FreeBlock* head = depot.chains[cls].load(std::memory_order_relaxed);
    if (!head) return {};
    depot.chains[cls].store(head->next_chain, std::memory_order_relaxed);
    return {head, head->count};
}

// This thread's cache. Trivially destructible and constant-initialised, so
// the fast path reads it straight from thread-local storage with no guard;
// the flush at thread exit is a separate object (ExitFlush below),
// registered the first time the thread takes a slab or a chain.
struct ThreadCache {
    Chain loaded[classes];    // allocations pop here, frees push here
    Chain previous[classes];  // empty or full: saves a depot trip when frees and allocations alternate at the edge
    char* bump = nullptr;     // the current slab's free part
    char* bump_end = nullptr;
    bool registered = false;  // ExitFlush constructed for this thread
    bool exited = false;      // after ExitFlush ran: frees go straight to the depot
};
constinit inline thread_local ThreadCache cache;

inline void flush(ThreadCache& c) {
    for (std::size_t k = 0; k < classes; ++k) {
        depot_push(k, c.loaded[k]);
        depot_push(k, c.previous[k]);
        c.loaded[k] = {nullptr, magazine};  // "full": a later free takes the slow path, which sees `exited`
        c.previous[k] = {};
    }
    c.exited = true;  // a thread-local destructor that runs after this one frees to the depot
}
struct ExitFlush {
    ~ExitFlush() { flush(cache); }
};
inline void register_exit_flush(ThreadCache& c) {
    if (c.registered) return;
    c.registered = true;
    static thread_local ExitFlush at_exit;
    (void)&at_exit;
}

inline bool decide_enabled() {
    // Valgrind's heap tools replace malloc through a preloaded library
    // (vgpreload_memcheck-..., vgpreload_helgrind-...); callgrind and
    // cachegrind preload only vgpreload_core. Read from the environment,
    // not from <valgrind/valgrind.h>: that header is there only once the
    // valgrind package is, and a binary built before it must still know.
    const char* preload = std::getenv("LD_PRELOAD");
    for (const char* p = preload; p && (p = std::strstr(p, "vgpreload_")); p += 10)
        if (std::strncmp(p, "vgpreload_core", 14) != 0) return false;
    const char* knob = std::getenv("CORE_BLOCK_POOL");
    return !(knob && std::strcmp(knob, "off") == 0);
}

[[gnu::noinline]] inline void* new_slab(ThreadCache& c, std::size_t size) {
    // The old slab's tail (under 512 bytes) is left unused.
    char* slab = static_cast<char*>(::operator new(slab_bytes));
    {
        std::lock_guard lock(depot.mutex);
        std::memcpy(slab, &depot.slabs, sizeof(void*));
        depot.slabs = slab;
    }
    c.bump = slab + granule + size;  // the first granule holds the link
    c.bump_end = slab + slab_bytes;
    return slab + granule;
}

[[gnu::noinline]] inline void* refill(ThreadCache& c, std::size_t cls) {
    std::size_t size = (cls + 1) * granule;
    // Late in a thread's exit: a block of the class's full size from
    // operator new is as good as a pooled one, and keeps nothing here.
    if (c.exited) return ::operator new(size);
    register_exit_flush(c);
    Chain chain = depot_pop(cls);
    if (chain.head) {
        c.loaded[cls] = {chain.head->next, chain.count - 1};
        return chain.head;
    }
    if (std::size_t(c.bump_end - c.bump) < size) return new_slab(c, size);
    void* p = c.bump;
    c.bump += size;
    return p;
}

// This thread's list of the class is empty: a full chain kept back, else
// the depot, else the slab.
inline void* allocate_slow(ThreadCache& c, std::size_t cls) {
    if (FreeBlock* b = c.previous[cls].head) {
        c.loaded[cls] = {b->next, c.previous[cls].count - 1};
        c.previous[cls] = {};
        return b;
    }
    std::size_t size = (cls + 1) * granule;
    // A burst's allocations come from the slab: keep that path short.
    if (c.registered && !depot.chains[cls].load(std::memory_order_relaxed) &&
        std::size_t(c.bump_end - c.bump) >= size) {
        void* p = c.bump;
        c.bump += size;
        return p;
    }
    return refill(c, cls);
}

[[gnu::noinline]] inline void deallocate_slow(ThreadCache& c, std::size_t cls, FreeBlock* b) {
    b->next = nullptr;
    if (c.exited) return depot_push(cls, {b, 1});  // this thread's cache was flushed: nothing may stay in it now
    register_exit_flush(c);
    // loaded is full: it becomes `previous`, and a full `previous` goes to the depot.
    if (c.previous[cls].count) depot_push(cls, c.previous[cls]);
    c.previous[cls] = c.loaded[cls];
    c.loaded[cls] = {b, 1};
}

// The pool itself, whether or not it is enabled now (a frame's byte, or a
// task block allocated while it was, says the block is the pool's).
inline void* pop(std::size_t cls) {
    ThreadCache& c = cache;
    Chain& list = c.loaded[cls];
    if (FreeBlock* b = list.head) {
        list.head = b->next;
        --list.count;
        return b;
    }
    return allocate_slow(c, cls);
}
inline void push(std::size_t cls, void* p) noexcept {
    ThreadCache& c = cache;
    Chain& list = c.loaded[cls];
    auto* b = static_cast<FreeBlock*>(p);
    if (list.count < magazine) {  // also false after the exit flush
        b->next = list.head;
        list.head = b;
        ++list.count;
        return;
    }
    deallocate_slow(c, cls, b);
}

}  // namespace detail

namespace detail {
// -1: not decided yet; then 1 (on) or 0 (off). Relaxed: every thread
// computes the same answer, and testing::PoolOff runs with no task alive.
constinit inline std::atomic<int> state{-1};
[[gnu::noinline]] inline bool decide() {
    int expected = -1;
    state.compare_exchange_strong(expected, decide_enabled() ? 1 : 0, std::memory_order_relaxed);
    return state.load(std::memory_order_relaxed) == 1;
}
}  // namespace detail

// Whether the pool runs in this process (decided at the first call).
inline bool enabled() {
#if defined(CORE_POOL_COMPILED_OUT)
    return false;
#else
    int s = detail::state.load(std::memory_order_relaxed);
    return s < 0 ? detail::decide() : s == 1;
#endif
}

inline void* allocate(std::size_t n) {
    if (n == 0 || n > max_pooled || !enabled()) return ::operator new(n);
    return detail::pop(class_of(n));
}

inline void deallocate(void* p, std::size_t n) noexcept {
    if (n == 0 || n > max_pooled || !enabled()) return ::operator delete(p);  // unsized: clang has sized delete only with -fsized-deallocation
    detail::push(class_of(n), p);
}

// The switch core::Async's promise reads: frames from the pool on this thread?
namespace detail {
constinit inline thread_local bool frames_on = false;
}
inline bool frames_here() { return detail::frames_on; }

// A coroutine frame of n bytes from the pool, with the byte after it set
// (core::Async's promise reads it to send the frame back here). Called
// only where frames_here(), that is where the pool is enabled.
inline void* allocate_frame(std::size_t n) {
    if (n + 1 > max_pooled) {
        auto* p = static_cast<unsigned char*>(::operator new(n + 1));
        p[n] = 0;
        return p;
    }
    auto* p = static_cast<unsigned char*>(detail::pop(class_of(n + 1)));
    p[n] = 1;
    return p;
}
inline void deallocate_frame(void* frame, std::size_t n) noexcept {
    // Never taken (a frame's byte says "pooled" only when it fit), but it
    // keeps class_of's result in bounds for the compiler too: g++ -O2 sees
    // a frame's size as a constant and warned of loaded[33] otherwise.
    if (n + 1 > max_pooled) [[unlikely]] return ::operator delete(frame);
    detail::push(class_of(n + 1), frame);
}

// A runtime's worker turns frames from the pool on for its lifetime.
class FramesFromPool {
public:
    FramesFromPool() : previous_(detail::frames_on) { detail::frames_on = enabled(); }
    ~FramesFromPool() { detail::frames_on = previous_; }
    FramesFromPool(const FramesFromPool&) = delete;
    FramesFromPool& operator=(const FramesFromPool&) = delete;

private:
    bool previous_;
};

namespace testing {
// Off for a while: every allocation and free goes to ::operator new and
// delete, where a test that counts allocations or watches a block being
// freed sees them. Only while no pooled task block is alive (one would be
// handed to ::operator delete): make it before the runtime, drop it after.
// Frames are safe either way (their byte says where they came from).
class PoolOff {
public:
    PoolOff() : previous_(detail::state.exchange(0, std::memory_order_relaxed)) {}
    ~PoolOff() { detail::state.store(previous_, std::memory_order_relaxed); }
    PoolOff(const PoolOff&) = delete;
    PoolOff& operator=(const PoolOff&) = delete;

private:
    int previous_;
};
}  // namespace testing

}  // namespace core::pool
