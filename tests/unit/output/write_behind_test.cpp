#include "salesproc/output/write_behind.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace salesproc {
namespace {

TEST(WriteBehind, WritesEverythingInOrderOnItsOwnThread) {
    std::string written;
    std::thread::id writer;
    {
        write_behind w(
            [&](std::string_view b) -> result<void> {
                writer = std::this_thread::get_id();
                // A slow sink: the producer must be held back by the queue bound, not lose data.
                std::this_thread::sleep_for(std::chrono::microseconds(50));
                written.append(b);
                return {};
            },
            2);
        for (int i = 0; i < 200; ++i)
            ASSERT_TRUE(w.write(std::to_string(i) + ";"));
        ASSERT_TRUE(w.close());
    }
    std::string expected;
    for (int i = 0; i < 200; ++i)
        expected += std::to_string(i) + ";";
    EXPECT_EQ(written, expected);
    EXPECT_NE(writer, std::this_thread::get_id());
}

TEST(WriteBehind, TheFirstSinkErrorReachesTheProducer) {
    std::atomic<int> calls{0};
    write_behind w([&](std::string_view) -> result<void> {
        if (++calls == 3) return make_error(errc::io_error, "r.csv", "No space left on device");
        return {};
    });
    bool failed = false;
    for (int i = 0; i < 1000 && !failed; ++i) {
        failed = !w.write("x");
        if (!failed) std::this_thread::sleep_for(std::chrono::microseconds(10));
    }
    const auto r = w.close();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "r.csv: No space left on device");
    EXPECT_EQ(calls.load(), 3);  // nothing is written after the failure
}

}  // namespace
}  // namespace salesproc
