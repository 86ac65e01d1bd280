#include "salesproc/api/detail/object_step.hpp"

#include <charconv>

namespace salesproc::detail {
namespace {

bool read_number(std::string_view& s, std::uint64_t& out) {
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || ptr == s.data()) return false;
    s.remove_prefix(static_cast<std::size_t>(ptr - s.data()));
    return true;
}

bool take(std::string_view& s, char c) {
    if (s.empty() || s.front() != c) return false;
    s.remove_prefix(1);
    return true;
}

object_action act(object_action::kind k) {
    object_action a;
    a.what = k;
    return a;
}

object_action failure(errc code, std::string text) {
    object_action a;
    a.what = object_action::kind::fail;
    a.code = make_error_code(code);
    a.error = std::move(text);
    return a;
}

}  // namespace

std::optional<content_range> parse_content_range(std::string_view v) {
    if (!v.starts_with("bytes ")) return std::nullopt;
    v.remove_prefix(6);
    content_range r;
    if (!read_number(v, r.first) || !take(v, '-') || !read_number(v, r.last) || !take(v, '/') ||
        !read_number(v, r.size) || !v.empty() || r.last < r.first || r.last >= r.size)
        return std::nullopt;
    return r;
}

object_step::object_step(const retry_policy& policy, const remote_range& range)
    : policy_(policy),
      ranged_(true),
      begin_(range.begin),
      end_(range.end),
      etag_(range.etag),
      offset_(range.begin) {}

std::string object_step::range_asked() const {
    return "bytes=" + std::to_string(offset_) + "-" + (end_ ? std::to_string(*end_ - 1) : "");
}

std::vector<std::pair<std::string, std::string>> object_step::next_request() {
    ++total_attempts_;
    std::vector<std::pair<std::string, std::string>> out;
    const bool resuming = started_ && offset_ > begin_;
    if (!resuming && !ranged_) return out;
    if (resuming) ++resumes_;
    out.emplace_back("Range", range_asked());
    if (!etag_.empty()) out.emplace_back("If-Match", etag_);
    return out;
}

object_action object_step::changed(const std::string& why) const {
    return failure(errc::input_changed, "the object changed while it was read (" + why +
                                            ") after " + std::to_string(offset_) + " bytes");
}

object_action object_step::on_head(const http_response& head) {
    if (head.status == 412)
        return changed("ETag " + etag_ + " at the start, " +
                       (head.etag.empty() ? std::string("no longer matched") : "now " + head.etag));
    if (head.status < 200 || head.status >= 300) return act(object_action::kind::read_error);
    if (ranged_ && head.status == 200)
        return failure(errc::bad_response,
                       "the server answered 'Range: " + range_asked() +
                           "' with the whole object (HTTP 200): it does not serve byte ranges, "
                           "which --shard needs");
    if (!started_ && ranged_) return start_range(head);
    if (!started_) {
        if (head.status != 200)
            return failure(errc::bad_response, "HTTP " + std::to_string(head.status) + " " +
                                                   head.reason +
                                                   " to a request for the whole "
                                                   "object");
        started_ = true;
        etag_ = head.etag;
        size_ = head.content_length;
        return act(object_action::kind::read_body);
    }
    if (!etag_.empty() && head.etag != etag_)
        return changed("ETag " + etag_ + " at the start, " +
                       (head.etag.empty() ? std::string("none") : head.etag) + " now");
    return check_range(head);
}

// The first answer to a ranged request: the object's size is Content-Range's, and its ETag is
// the one asked for (when one was).
object_action object_step::start_range(const http_response& head) {
    const auto range = parse_content_range(head.content_range);
    if (head.status != 206 || !range || range->first != offset_)
        return failure(errc::bad_response, "HTTP " + std::to_string(head.status) +
                                               " with Content-Range '" + head.content_range +
                                               "' to a request for " + range_asked());
    if (!etag_.empty() && head.etag != etag_)
        return changed("ETag " + etag_ + " at the start, " +
                       (head.etag.empty() ? std::string("none") : head.etag) + " now");
    started_ = true;
    etag_ = head.etag;
    size_ = range->size;
    return act(object_action::kind::read_body);
}

object_action object_step::check_range(const http_response& head) {
    object_action a = act(object_action::kind::read_body);
    if (head.status == 200) {
        // The server ignored the Range: the same object again, from its start.
        if (size_ && head.content_length && *head.content_length != *size_)
            return changed("size " + std::to_string(*size_) + " at the start, " +
                           std::to_string(*head.content_length) + " now");
        a.skip = offset_;
        return a;
    }
    const auto range = parse_content_range(head.content_range);
    if (head.status != 206 || !range || range->first != offset_)
        return failure(errc::bad_response, "HTTP " + std::to_string(head.status) +
                                               " with Content-Range '" + head.content_range +
                                               "' to a request for bytes " +
                                               std::to_string(offset_) + "-");
    if (size_ && range->size != *size_)
        return changed("size " + std::to_string(*size_) + " at the start, " +
                       std::to_string(range->size) + " now");
    return a;
}

void object_step::on_bytes(std::size_t n) noexcept {
    if (n == 0) return;
    offset_ += n;
    attempt_ = 0;
}

object_action object_step::on_body_end(std::optional<milliseconds> time_left) {
    if (!size_ || offset_ == *size_ || (end_ && offset_ == *end_))
        return act(object_action::kind::done);
    if (offset_ > *size_)
        return changed("more than its " + std::to_string(*size_) + " bytes arrived");
    attempt_failure f;
    f.code = make_error_code(errc::connection_lost);
    return on_failure(f,
                      "the body ended after " + std::to_string(offset_) + " of " +
                          std::to_string(*size_) + " bytes",
                      time_left);
}

object_action object_step::on_failure(const attempt_failure& f, const std::string& message,
                                      std::optional<milliseconds> time_left) {
    if (f.code == make_error_code(errc::interrupted)) return failure(errc::interrupted, message);
    const retry_decision d = policy_.next(attempt_, f, time_left);
    ++attempt_;
    if (!d.retry) {
        object_action a;
        a.what = object_action::kind::fail;
        a.code = f.code;
        a.error = message + (d.give_up_reason.empty() ? "" : "; " + d.give_up_reason);
        return a;
    }
    object_action a;
    a.what = object_action::kind::wait;
    a.delay = d.delay;
    return a;
}

}  // namespace salesproc::detail
