#include "salesproc/api/detail/object_step.hpp"

#include <gtest/gtest.h>

namespace salesproc::detail {
namespace {

using kind = object_action::kind;

struct ObjectStep : ::testing::Test {
    retry_policy policy{{3, milliseconds(100), milliseconds(1000)}, [] { return 0.5; }};
    object_step step{policy};

    static http_response head(unsigned status, std::string etag, std::uint64_t length,
                              std::string range = "") {
        http_response h;
        h.status = status;
        h.reason = status == 200 ? "OK" : "Partial Content";
        h.etag = std::move(etag);
        h.content_length = length;
        h.content_range = std::move(range);
        return h;
    }
    static attempt_failure reset() {
        attempt_failure f;
        f.code = make_error_code(errc::connection_lost);
        return f;
    }
};

TEST_F(ObjectStep, ACutBodyResumesFromTheNextByteWithIfMatch) {
    EXPECT_TRUE(step.next_request().empty());
    EXPECT_EQ(step.on_head(head(200, "\"v1\"", 1000)).what, kind::read_body);
    step.on_bytes(400);
    auto a = step.on_failure(reset(), "connection reset", std::nullopt);
    ASSERT_EQ(a.what, kind::wait);
    EXPECT_EQ(step.on_waited().what, kind::send);
    const auto fields = step.next_request();
    ASSERT_EQ(fields.size(), 2U);
    EXPECT_EQ(fields[0], (std::pair<std::string, std::string>{"Range", "bytes=400-"}));
    EXPECT_EQ(fields[1], (std::pair<std::string, std::string>{"If-Match", "\"v1\""}));
    a = step.on_head(head(206, "\"v1\"", 600, "bytes 400-999/1000"));
    EXPECT_EQ(a.what, kind::read_body);
    EXPECT_EQ(a.skip, 0U);
    step.on_bytes(600);
    EXPECT_EQ(step.on_body_end(std::nullopt).what, kind::done);
    EXPECT_EQ(step.resumes(), 1U);
    EXPECT_EQ(step.attempts(), 2U);
}

TEST_F(ObjectStep, ADifferentEtagFailsNamingBoth) {
    (void)step.next_request();
    (void)step.on_head(head(200, "\"v1\"", 1000));
    step.on_bytes(10);
    (void)step.on_failure(reset(), "reset", std::nullopt);
    (void)step.next_request();
    const auto a = step.on_head(head(206, "\"v2\"", 990, "bytes 10-999/1000"));
    ASSERT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.code, make_error_code(errc::input_changed));
    EXPECT_EQ(a.error,
              "the object changed while it was read (ETag \"v1\" at the start, \"v2\" now) after "
              "10 bytes");
}

TEST_F(ObjectStep, PreconditionFailedIsAChangedObject) {
    (void)step.next_request();
    (void)step.on_head(head(200, "\"v1\"", 1000));
    step.on_bytes(10);
    (void)step.on_failure(reset(), "reset", std::nullopt);
    (void)step.next_request();
    http_response h;
    h.status = 412;
    const auto a = step.on_head(h);
    ASSERT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.code, make_error_code(errc::input_changed));
}

TEST_F(ObjectStep, AServerThatIgnoresRangeSendsAllAndTheReadBytesAreSkipped) {
    (void)step.next_request();
    (void)step.on_head(head(200, "\"v1\"", 1000));
    step.on_bytes(300);
    (void)step.on_failure(reset(), "reset", std::nullopt);
    (void)step.next_request();
    const auto a = step.on_head(head(200, "\"v1\"", 1000));
    ASSERT_EQ(a.what, kind::read_body);
    EXPECT_EQ(a.skip, 300U);
}

TEST_F(ObjectStep, AWrongRangeOrSizeIsRefused) {
    (void)step.next_request();
    (void)step.on_head(head(200, "", 1000));
    step.on_bytes(300);
    (void)step.on_failure(reset(), "reset", std::nullopt);
    (void)step.next_request();
    auto a = step.on_head(head(206, "", 700, "bytes 0-699/1000"));
    EXPECT_EQ(a.code, make_error_code(errc::bad_response));
    a = step.on_head(head(206, "", 700, "bytes 300-999/1200"));
    EXPECT_EQ(a.code, make_error_code(errc::input_changed));
}

TEST_F(ObjectStep, AShortBodyIsACutAndRetriesStopAfterTheBudgetWithoutProgress) {
    (void)step.next_request();
    (void)step.on_head(head(200, "\"v\"", 1000));
    step.on_bytes(100);
    for (int i = 0; i < 3; ++i) {
        const auto a = step.on_body_end(std::nullopt);
        ASSERT_EQ(a.what, kind::wait) << i;
        (void)step.next_request();
        (void)step.on_head(head(206, "\"v\"", 900, "bytes 100-999/1000"));
    }
    const auto a = step.on_body_end(std::nullopt);
    ASSERT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.error, "the body ended after 100 of 1000 bytes; gave up after 4 attempts");
}

TEST_F(ObjectStep, ProgressStartsTheAttemptCountAgain) {
    (void)step.next_request();
    (void)step.on_head(head(200, "\"v\"", 10'000));
    for (int i = 0; i < 20; ++i) {
        step.on_bytes(100);
        ASSERT_EQ(step.on_failure(reset(), "reset", std::nullopt).what, kind::wait) << i;
        (void)step.next_request();
        (void)step.on_head(
            head(206, "\"v\"", 1, "bytes " + std::to_string(step.offset()) + "-9999/10000"));
    }
    EXPECT_EQ(step.resumes(), 20U);
}

TEST_F(ObjectStep, ErrorStatusesAreReadThenDecidedByThePolicy) {
    (void)step.next_request();
    http_response h;
    h.status = 503;
    EXPECT_EQ(step.on_head(h).what, kind::read_error);
    attempt_failure f;
    f.code = make_error_code(errc::http_status);
    f.http_status = 503;
    EXPECT_EQ(step.on_failure(f, "HTTP 503: SlowDown", std::nullopt).what, kind::wait);
    f.http_status = 404;
    const auto a = step.on_failure(f, "HTTP 404 Not Found: NoSuchKey", std::nullopt);
    ASSERT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.error, "HTTP 404 Not Found: NoSuchKey");
}

// --shard: a range of the object, every request ranged and matched to the ETag known.
TEST_F(ObjectStep, ARangeAsksForItsBytesResumesWithinThemAndEndsAtItsEnd) {
    object_step part(policy, remote_range{1000, 2000, "\"v1\""});
    auto fields = part.next_request();
    ASSERT_EQ(fields.size(), 2U);
    EXPECT_EQ(fields[0], (std::pair<std::string, std::string>{"Range", "bytes=1000-1999"}));
    EXPECT_EQ(fields[1], (std::pair<std::string, std::string>{"If-Match", "\"v1\""}));
    auto a = part.on_head(head(206, "\"v1\"", 1000, "bytes 1000-1999/5000"));
    ASSERT_EQ(a.what, kind::read_body);
    EXPECT_EQ(part.size(), 5000U);  // the object's, not the range's
    part.on_bytes(300);
    ASSERT_EQ(part.on_failure(reset(), "reset", std::nullopt).what, kind::wait);
    fields = part.next_request();
    EXPECT_EQ(fields[0].second, "bytes=1300-1999");
    EXPECT_EQ(part.on_head(head(206, "\"v1\"", 700, "bytes 1300-1999/5000")).what, kind::read_body);
    part.on_bytes(700);
    EXPECT_EQ(part.on_body_end(std::nullopt).what, kind::done);
    EXPECT_EQ(part.resumes(), 1U);

    // Open-ended, with the ETag still unknown: the first response gives it.
    object_step head_part(policy, remote_range{});
    fields = head_part.next_request();
    ASSERT_EQ(fields.size(), 1U);
    EXPECT_EQ(fields[0].second, "bytes=0-");
    EXPECT_EQ(head_part.on_head(head(206, "\"v7\"", 5000, "bytes 0-4999/5000")).what,
              kind::read_body);
    EXPECT_EQ(head_part.etag(), "\"v7\"");
    head_part.on_bytes(5000);
    EXPECT_EQ(head_part.on_body_end(std::nullopt).what, kind::done);
    EXPECT_EQ(head_part.resumes(), 0U);
}

TEST_F(ObjectStep, ARangeAnsweredWholeOrOfAnotherObjectFails) {
    object_step part(policy, remote_range{1000, std::nullopt, "\"v1\""});
    (void)part.next_request();
    auto a = part.on_head(head(200, "\"v1\"", 5000));
    ASSERT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.code, make_error_code(errc::bad_response));
    EXPECT_EQ(a.error,
              "the server answered 'Range: bytes=1000-' with the whole object (HTTP 200): it "
              "does not serve byte ranges, which --shard needs");
    a = part.on_head(head(206, "\"v2\"", 4000, "bytes 1000-4999/5000"));
    EXPECT_EQ(a.code, make_error_code(errc::input_changed));
    a = part.on_head(head(206, "\"v1\"", 4000, "bytes 0-4999/5000"));
    EXPECT_EQ(a.code, make_error_code(errc::bad_response));
}

TEST(ContentRange, ParsesOnlyWhatIsValid) {
    auto r = parse_content_range("bytes 5-9/10");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->first, 5U);
    EXPECT_EQ(r->last, 9U);
    EXPECT_EQ(r->size, 10U);
    EXPECT_FALSE(parse_content_range("bytes 5-9/*"));
    EXPECT_FALSE(parse_content_range("bytes 9-5/10"));
    EXPECT_FALSE(parse_content_range("bytes 5-10/10"));
    EXPECT_FALSE(parse_content_range("items 5-9/10"));
}

}  // namespace
}  // namespace salesproc::detail
