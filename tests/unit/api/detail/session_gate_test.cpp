#include "salesproc/api/detail/session_gate.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace salesproc::detail {
namespace {

using turn = session_gate::turn;

TEST(SessionGate, FirstGoesAheadOthersWaitUntilItSettles) {
    session_gate g;
    int woken = 0;
    EXPECT_EQ(g.claim("https://a:443", [&] { ++woken; }), turn::first);
    EXPECT_EQ(g.claim("https://a:443", [&] { ++woken; }), turn::wait);
    EXPECT_EQ(g.claim("https://a:443", [&] { ++woken; }), turn::wait);
    EXPECT_EQ(g.claim("https://b:443", [&] { ++woken; }), turn::first);  // keys are apart
    EXPECT_EQ(woken, 0);
    g.settle("https://a:443");
    EXPECT_EQ(woken, 2);
    EXPECT_EQ(g.claim("https://a:443", [&] { ++woken; }), turn::go);
    g.settle("https://a:443");  // idempotent: nobody is woken twice
    EXPECT_EQ(woken, 2);
}

TEST(SessionGate, SettlingBeforeAnyClaimMeansGo) {
    session_gate g;
    g.settle("k");
    EXPECT_EQ(g.claim("k", [] {}), turn::go);
}

TEST(SessionGate, EveryWaiterIsWokenOnceAcrossThreads) {
    session_gate g;
    ASSERT_EQ(g.claim("k", [] {}), turn::first);
    std::atomic<int> woken{0}, waiting{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            if (g.claim("k", [&] { ++woken; }) == turn::wait) ++waiting;
        });
    for (auto& t : threads)
        t.join();
    g.settle("k");
    EXPECT_EQ(woken.load(), waiting.load());
    EXPECT_EQ(waiting.load(), 8);
}

}  // namespace
}  // namespace salesproc::detail
