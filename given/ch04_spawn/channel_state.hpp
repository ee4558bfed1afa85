// ch04_spawn/channel_state.hpp: detail::Channel, what a channel's ends share (given).
//
// Contract:
// - One Channel<T> per channel<T>() call, owned by every Sender and Receiver
//   of it through a shared_ptr: it lives as long as either end does.
// - `mutex` guards every other field. `queue` holds the values sent and not
//   yet received, oldest first; `senders` and `receivers` count the live
//   ends (channel.hpp keeps them); `not_empty` is where recv() sleeps.
//
// Why one mutex for the counts too: any thread may copy or drop an end at
// any time, and "no sender left" must be read in the same critical section
// as "the queue is empty", or a recv() could sleep through the close.
//
// Rust counterpart: the shared state behind std::sync::mpsc's Sender and
// Receiver (crossbeam-channel's Counter<C>: the channel plus the two counts).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace ch04::detail {

template <class T>
struct Channel {
    std::mutex mutex;
    std::condition_variable not_empty;
    std::deque<T> queue;
    std::size_t senders = 0;    // guarded by mutex, like everything here
    std::size_t receivers = 0;
};

}  // namespace ch04::detail
