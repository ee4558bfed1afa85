// ch06_reactor/executor.hpp: the whole chapter 6 API in one include.
//
//   ch06::Runtime rt(workers);                 workers + a reactor thread
//   rt.spawn(fut) / ch06::spawn(fut) / rt.block_on(fut)   chapter 5's runtime
//   co_await ch06::sleep_for(d)                a timer served by the reactor
//   auto l = ch06::TcpListener::bind(port);    127.0.0.1; 0 = any free port
//   ch06::TcpStream s = co_await l.accept();
//   ch06::TcpStream s = co_await ch06::TcpStream::connect(port);
//   std::size_t n = co_await s.read(span);     0 = the peer closed
//   std::size_t n = co_await s.write(span);
//   ch06::http_get(port, "/200/hello")         the tests' and demo's HTTP client
//
// Reading order: fd.hpp; reactor_class.hpp (the Reactor's data and given
// parts), then the bodies: registry.hpp, timers.hpp, reactor.hpp (one turn);
// source.hpp; sleep_class.hpp, sleep.hpp; net_classes.hpp, net.hpp. Then the
// runtime carried from chapter 5: state.hpp, join.hpp, scheduler.hpp,
// task.hpp, join_handle.hpp, runtime.hpp.
//
// Rust counterpart: tokio's runtime with its I/O and time drivers, and
// tokio::net.
#pragma once

#include "ch06_reactor/fd.hpp"
#include "ch06_reactor/http.hpp"
#include "ch06_reactor/join.hpp"
#include "ch06_reactor/join_handle.hpp"
#include "ch06_reactor/net.hpp"
#include "ch06_reactor/reactor.hpp"
#include "ch06_reactor/runtime.hpp"
#include "ch06_reactor/scheduler.hpp"
#include "ch06_reactor/sleep.hpp"
#include "ch06_reactor/source.hpp"
#include "ch06_reactor/state.hpp"
#include "ch06_reactor/task.hpp"
