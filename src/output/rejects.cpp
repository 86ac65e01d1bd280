// The rejects file and the report's samples: batches taken in input order (see
// output/rejects.hpp).
#include "salesproc/output/rejects.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <utility>

namespace salesproc {
namespace {

constexpr std::size_t buffer_bytes = std::size_t{1} << 20;
// Room past buffer_bytes for the line that crosses it: a line is at most a few KiB (rows over
// --max-row-size are cut), and a longer one only makes the buffer grow once.
constexpr std::size_t buffer_slack = std::size_t{64} << 10;

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

rejects_format rejects_format_for(std::string_view path) noexcept {
    return ends_with(path, ".jsonl") || ends_with(path, ".ndjson") ? rejects_format::jsonl
                                                                   : rejects_format::csv;
}

reject_log::reject_log(reject_options options, writer out)
    : options_(options), out_(std::move(out)) {
    // Whole from the start, so that filling it never reallocates and copies what it holds.
    if (options_.all) buffer_.reserve_more(buffer_bytes + buffer_slack);
    if (options_.all && options_.format == rejects_format::csv)
        buffer_.append("source,line,reason,detail,row\n");
}

reject_log::reject_log(reject_options options, view_writer out)
    : reject_log(options, [out = std::move(out)](detail::byte_buffer& b) -> result<void> {
          auto r = out(b.view());
          b.clear();
          return r;
      }) {}

result<void> reject_log::take(const reject_batch& batch, std::string_view source,
                              std::uint64_t first_line) {
    if (!batch.samples_kept_.empty() && (firsts_.empty() || firsts_.back().first != source))
        firsts_.emplace_back(std::string(source), decltype(firsts_)::value_type::second_type{});
    for (const auto& s : batch.samples_kept_) {
        const auto r = static_cast<std::size_t>(s.reason);
        reject_sample sample{std::string(source), first_line + s.line, s.detail, s.row};
        if (samples_[r].size() < options_.samples) samples_[r].push_back(sample);
        auto& first = firsts_.back().second[r];
        if (!first) first = std::move(sample);
    }
    if (!options_.all || batch.listed() == 0) return {};
    if (source != source_ || prefix_.empty()) {
        source_ = source;
        prefix_.clear();
        if (options_.format == rejects_format::csv) {
            detail::append_csv_field(prefix_, source);
            prefix_ += ',';
        } else {
            prefix_ = "{\"source\":";
            detail::append_json_string(prefix_, source);
            prefix_ += ",\"line\":";
        }
    }
    if (batch.spill_)
        if (auto r = take_spilled(batch, first_line); !r) return r;
    // The serial part of writing rejects, on the reducer's thread: copies into a buffer that the
    // writer takes whole, with no per-line allocation.
    std::size_t begin = 0;
    for (const auto& e : batch.entries_) {
        if (auto r = put_line(first_line + e.line, {batch.text_.data() + begin, e.end - begin}); !r)
            return r;
        begin = e.end;
    }
    return {};
}

result<void> reject_log::put_line(std::uint64_t line, std::string_view tail) {
    char* p = buffer_.reserve_more(prefix_.size() + 20 + tail.size());
    p = detail::copy_bytes(p, prefix_.data(), prefix_.size());
    p = std::to_chars(p, p + 20, line).ptr;
    p = detail::copy_bytes(p, tail.data(), tail.size());
    buffer_.commit(p);
    if (buffer_.size() >= buffer_bytes) return hand_over(false);
    return {};
}

result<void> reject_log::take_spilled(const reject_batch& batch, std::uint64_t first_line) {
    std::FILE* f = batch.spill_.get();
    const auto failed = [] {
        return make_error(
            errc::io_error, "rejects",
            std::string("cannot read back a temporary file: ") + std::strerror(errno));
    };
    if (std::fflush(f) != 0 || std::fseek(f, 0, SEEK_SET) != 0) return failed();
    std::string tail;
    for (std::uint64_t i = 0; i < batch.spilled_; ++i) {
        std::uint64_t head[2];
        if (std::fread(head, sizeof head, 1, f) != 1) return failed();
        tail.resize(static_cast<std::size_t>(head[1]));
        if (std::fread(tail.data(), 1, tail.size(), f) != tail.size()) return failed();
        if (auto r = put_line(first_line + head[0], tail); !r) return r;
    }
    return {};
}

const reject_sample* reject_log::first(std::string_view source, reject_reason why) const {
    for (const auto& [name, firsts] : firsts_)
        if (name == source && firsts[static_cast<std::size_t>(why)])
            return &*firsts[static_cast<std::size_t>(why)];
    return nullptr;
}

result<void> reject_log::flush() {
    return hand_over(true);
}

result<void> reject_log::hand_over(bool all) {
    // Until the end, only whole 4 KiB blocks go: the writer can send those to the disk as they
    // are (O_DIRECT), and the few bytes after the last one start the next buffer.
    constexpr std::size_t block = 4096;
    const std::size_t n = all ? buffer_.size() : buffer_.size() / block * block;
    if (n == 0) return {};
    carry_.assign(buffer_.view().substr(n));
    buffer_.truncate(n);
    result<void> r;
    if (out_) r = out_(buffer_);
    buffer_.clear();
    buffer_.reserve_more(buffer_bytes + buffer_slack);  // a buffer fresh from the writer is empty
    buffer_.append(carry_);
    return r;
}

}  // namespace salesproc
