#include "salesproc/input/shard.hpp"

#include "salesproc/input/csv.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>
#include <utility>

namespace salesproc {

std::optional<shard_spec> parse_shard(std::string_view text) noexcept {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto number = [](std::string_view s) -> std::optional<unsigned> {
        unsigned v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
        return v;
    };
    const auto k = number(text.substr(0, slash));
    const auto n = number(text.substr(slash + 1));
    if (!k || !n || *n == 0 || *k >= *n) return std::nullopt;
    return shard_spec{*k, *n, false};
}

std::optional<bool> parse_shard_start(std::string_view text) noexcept {
    if (text == "outside") return false;
    if (text == "quoted") return true;
    return std::nullopt;
}

std::string_view quote_state_name(bool quoted) noexcept {
    return quoted ? "quoted" : "outside";
}

byte_range shard_range(const shard_spec& s, std::uint64_t size) noexcept {
    // size * K / N without overflow for any file size: 128-bit intermediate.
    auto at = [&](std::uint64_t k) {
        __extension__ using wide = unsigned __int128;
        return static_cast<std::uint64_t>(static_cast<wide>(size) * k / s.count);
    };
    return {at(s.index), at(s.index + 1U)};
}

namespace detail {

shard_tracker::shard_tracker(std::uint64_t stream_begin, std::uint64_t range_end,
                             std::uint64_t search_from, bool start_quoted) noexcept
    : range_end_(range_end), search_from_(search_from), quoted_(start_quoted), end_(stream_begin) {
    // A search from the stream's own start finds it: it is a boundary.
    done_ = search_from <= stream_begin;
}

std::size_t shard_tracker::feed(std::uint64_t offset, std::string_view bytes) noexcept {
    if (done_) return 0;
    std::size_t i = 0;
    // Before the search starts (the byte before search_from may already end a record), only the
    // quote state matters: count whole runs at vector speed.
    if (search_from_ - 1 > offset) {
        const auto before = static_cast<std::size_t>(
            std::min<std::uint64_t>(search_from_ - 1 - offset, bytes.size()));
        const std::string_view run = bytes.substr(0, before);
        quoted_ ^= (csv::count_quotes(run) & 1U) != 0;
        if (offset < range_end_) {
            const auto in_range =
                static_cast<std::size_t>(std::min<std::uint64_t>(range_end_ - offset, run.size()));
            parity_ ^= (csv::count_quotes(run.substr(0, in_range)) & 1U) != 0;
        }
        i = before;
    }
    for (; i < bytes.size(); ++i) {
        const std::uint64_t at = offset + i;
        if (bytes[i] == '"') {
            quoted_ = !quoted_;
            if (at < range_end_) parity_ = !parity_;
        } else if (bytes[i] == '\n' && !quoted_) {
            done_ = true;
            end_ = at + 1;
            return i + 1;
        }
    }
    end_ = offset + bytes.size();
    return bytes.size();
}

}  // namespace detail
namespace {

// The first record boundary at or after `from` (a range's start, not the input's) under the
// assumed state, and the quote parity of the range's bytes before it.
result<std::pair<std::uint64_t, bool>> first_boundary(std::uint64_t from, const byte_range& range,
                                                      std::uint64_t size, bool start_quoted,
                                                      const positional_reader& read) {
    auto before = read(from - 1, 1);
    if (!before) return before.error();
    // After a '\n' outside quotes, the range starts on a boundary.
    if (*before == "\n" && !start_quoted) return std::make_pair(from, false);
    detail::shard_tracker find(from, range.end, from + 1, start_quoted);
    for (std::uint64_t at = from; !find.done() && at < size;) {
        auto block = read(at, std::size_t{64} << 10);
        if (!block) return block.error();
        if (block->empty()) break;
        find.feed(at, *block);
        at += block->size();
    }
    return std::make_pair(find.done() ? find.end() : size, find.range_parity());
}

}  // namespace

result<shard_plan> plan_shard(const shard_spec& s, std::uint64_t size, std::uint64_t header_end,
                              const positional_reader& read) {
    const byte_range range = shard_range(s, size);
    std::uint64_t start = 0;
    bool parity = false;  // of the quotes in [range.begin, start) that lie before range.end
    if (s.index != 0) {
        std::uint64_t boundary = range.begin;  // the input's start is one
        if (range.begin != 0) {
            auto found = first_boundary(range.begin, range, size, s.start_quoted, read);
            if (!found) return found.error();
            std::tie(boundary, parity) = *found;
        }
        start = std::max(boundary, header_end);
        if (start > boundary && boundary < range.end) {
            // Header bytes between the two: their quotes count towards the range's parity.
            auto gap =
                read(boundary, static_cast<std::size_t>(std::min(start, range.end) - boundary));
            if (!gap) return gap.error();
            parity ^= (csv::count_quotes(*gap) & 1U) != 0;
        }
    }
    // The last shard runs to the end of the input; the others to the first boundary at or after
    // their range's end (never inside the header).
    const std::uint64_t search =
        s.index + 1 == s.count ? size + 1 : std::max(range.end, header_end);
    shard_plan plan;
    plan.begin = start;
    plan.end_parity_from = s.start_quoted != parity;
    plan.tracker = detail::shard_tracker(start, range.end, std::max(search, start));
    return plan;
}

}  // namespace salesproc
