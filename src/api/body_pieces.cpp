#include "salesproc/api/body_pieces.hpp"

#include "plain_record.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace salesproc {
namespace {

using detail::is_json_space;
using detail::utf8_bom;

// Whether a line holds a record: body_records skips a line of nothing but blanks and RS.
bool line_has_record(const char* begin, const char* end) noexcept {
    for (const char* p = begin; p != end; ++p)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\x1e') return true;
    return false;
}

}  // namespace

std::string piece_buffers::take() {
    std::lock_guard lock(mu_);
    if (free_.empty()) return {};
    std::string b = std::move(free_.back());
    free_.pop_back();
    return b;
}

void piece_buffers::give(std::string&& buffer) {
    if (buffer.capacity() < least_) return;
    buffer.clear();
    std::lock_guard lock(mu_);
    if (free_.size() < keep_) free_.push_back(std::move(buffer));
}

body_cutter::body_cutter(api_format format, const body_options& options, std::size_t piece_size,
                         std::shared_ptr<piece_buffers> buffers)
    : ndjson_(format == api_format::ndjson),
      piece_size_(std::max<std::size_t>(piece_size, 1)),
      // A record (or a run of whitespace) may be longer in bytes than it counts for
      // --max-record-size; past this the body is read as a stream, in bounded memory.
      held_limit_(2 * piece_size_ + 2 * options.max_record_size),
      buffers_(std::move(buffers)) {
    // Pointers are followed by one reader of the whole body.
    if (!ndjson_ &&
        (!options.layout.records_pointer.empty() || !options.layout.next_pointer.empty()))
        streaming_ = true;
    // No room is taken ahead: most bodies are small, and a piece's worth each would cost them.
}

void body_cutter::feed(std::string_view bytes, const std::function<void(body_piece)>& ready) {
    // A piece's worth at a time, so that what follows a cut (copied once) stays small whatever
    // the caller hands over.
    while (!bytes.empty() && !streaming_) {
        const std::string_view slice = bytes.substr(0, piece_size_);
        bytes.remove_prefix(slice.size());
        held_.append(slice);
        if (ndjson_)
            cut_lines(ready);
        else
            cut_array(ready);
    }
    held_.append(bytes);
}

body_piece body_cutter::take_rest() {
    body_piece p{std::move(held_), origin_, false, 0, {}};
    held_.clear();
    return p;
}

body_piece body_cutter::finish() {
    body_piece p{std::move(held_), origin_, true, first_element_, std::move(ends_)};
    held_.clear();
    return p;
}

void body_cutter::check_held() {
    if (held_.size() > held_limit_) streaming_ = true;
}

void body_cutter::emit(std::size_t n, std::uint64_t lines, std::uint64_t records, bool resumes,
                       const std::function<void(body_piece)>& ready) {
    body_piece p;
    p.origin = origin_;
    // The piece keeps the big buffer; only what follows the cut is copied.
    p.bytes = std::move(held_);
    held_ = buffers_ ? buffers_->take() : std::string();
    held_.reserve(piece_size_ + (64 << 10));
    held_.assign(std::string_view(p.bytes).substr(n));
    p.bytes.resize(n);
    origin_.byte += n;
    origin_.line += lines;
    origin_.record += records;
    origin_.resumes_array = resumes;
    p.first_element = std::exchange(first_element_, 0);
    p.element_ends = std::move(ends_);
    ends_.clear();
    ready(std::move(p));
}

// NDJSON: a piece ends with the first line end at or past piece_size bytes.
void body_cutter::cut_lines(const std::function<void(body_piece)>& ready) {
    while (held_.size() >= piece_size_) {
        const std::size_t from = std::max(scanned_, piece_size_ - 1);
        const void* nl = std::memchr(held_.data() + from, '\n', held_.size() - from);
        if (nl == nullptr) {
            scanned_ = held_.size();
            check_held();
            return;
        }
        const std::size_t n =
            static_cast<std::size_t>(static_cast<const char*>(nl) - held_.data()) + 1;
        const char* at = held_.data();
        const char* end = at + n;
        if (origin_.byte == 0 && std::string_view(held_).starts_with(utf8_bom))
            at += utf8_bom.size();
        std::uint64_t lines = 0;
        std::uint64_t records = 0;
        while (at != end) {
            const auto* line_end =
                static_cast<const char*>(std::memchr(at, '\n', static_cast<std::size_t>(end - at)));
            if (line_has_record(at, line_end)) ++records;
            ++lines;
            at = line_end + 1;
        }
        scanned_ = 0;
        emit(n, lines, records, false, ready);
    }
}

// JSON: the value must be an array (after whitespace and, first, a BOM).
bool body_cutter::find_array_start() {
    if (origin_.byte == 0 && scanned_ == 0) {
        const std::string_view head = std::string_view(held_).substr(0, utf8_bom.size());
        if (head.size() < utf8_bom.size() && utf8_bom.starts_with(head)) return false;
        if (head == utf8_bom) scanned_ = utf8_bom.size();
    }
    while (scanned_ < held_.size() && is_json_space(held_[scanned_]))
        ++scanned_;
    if (scanned_ == held_.size()) return false;
    if (held_[scanned_] != '[') {
        streaming_ = true;
        return false;
    }
    ++scanned_;
    depth_ = 1;
    first_element_ = scanned_;
    array_ = array_state::inside;
    return true;
}

// A piece ends with the first ',' between the array's elements at or past piece_size bytes. The
// scan knows strings and nesting and nothing else: until the first syntax error it agrees with
// the parser, and the piece holding that error reports it.
void body_cutter::cut_array(const std::function<void(body_piece)>& ready) {
    if (array_ == array_state::before && !find_array_start()) {
        check_held();
        return;
    }
    constexpr std::size_t window = 16 << 10;
    offsets_.resize(window);
    while (array_ == array_state::inside && scanned_ < held_.size()) {
        const std::size_t start = scanned_;
        const std::size_t size = std::min(held_.size() - start, window);
        const std::size_t count = detail::index_json_structurals(
            std::string_view(held_).substr(start, size), offsets_.data(), scan_);
        scanned_ = start + size;
        std::size_t cut = 0;  // bytes the cuts in this window took off held_'s front
        for (std::size_t k = 0; k < count && array_ == array_state::inside; ++k) {
            const std::size_t at = start + offsets_[k] - cut;
            const char c = held_[at];
            if (c == '[' || c == '{') {
                ++depth_;
            } else if (c == ']' || c == '}') {
                if (--depth_ != 0) continue;
                ends_.push_back(at);
                array_ = array_state::after;
            } else if (depth_ == 1) {
                ends_.push_back(at);
                if (at + 1 < piece_size_) continue;
                cut += at + 1;
                scanned_ -= at + 1;
                emit(at + 1, 0, ends_.size(), true, ready);
            }
        }
    }
    check_held();
}

namespace {

// The parser reads the piece from `from` bytes into it, element `k` of it (0: from the start).
result<api_records> parse_piece(const body_piece& piece, api_format format, const rules& r,
                                const body_options& o, const std::string& context, std::size_t from,
                                std::size_t k) {
    body_origin origin = piece.origin;
    if (k != 0) origin = {origin.byte + from, origin.line, origin.record + k, true};
    body_records reader(format, r, o, context, origin);
    const std::span<const std::size_t> ends(piece.element_ends);
    if (format == api_format::json)
        reader.know_elements(piece.bytes, k == 0 ? piece.first_element : from, ends.subspan(k));
    if (auto fed = reader.feed(std::string_view(piece.bytes).substr(from)); !fed)
        return fed.error();
    if (piece.last) {
        if (auto done = reader.finish(); !done) return done.error();
    }
    return std::move(reader.records());
}

// A piece of a top-level array: its plain elements (see plain_record.hpp) are read without the
// parser, and from the first that is not, the parser reads the rest. Elements end at a ',' or at
// the array's ']', which only whitespace may follow.
result<api_records> read_array_piece(const body_piece& piece, const rules& r, const body_options& o,
                                     const std::string& context) {
    api_records out;
    out.rejects.reset(o.rejects);
    out.records = piece.origin.record;
    detail::record_fields fields(r);
    detail::record_seen rec;
    const detail::quick_rules quick(r);
    rec.quick = &quick;
    detail::plain_context plain{fields, rec, o.max_record_size};
    const std::string_view bytes = piece.bytes;
    const std::vector<std::size_t>& ends = piece.element_ends;
    // What follows the elements: nothing but the ',' after the last, or the array's ']' and
    // whitespace. Else the parser reads the last element with it, to find the error there.
    const std::string_view after = bytes.substr(ends.back() + 1);
    const bool tail_ok = piece.last ? bytes[ends.back()] == ']' &&
                                          std::all_of(after.begin(), after.end(), is_json_space)
                                    : after.empty();
    const std::size_t plain_elements = ends.size() - (tail_ok ? 0 : 1);
    std::size_t k = 0;
    std::size_t from = piece.first_element;
    for (; k < plain_elements; from = ends[k++] + 1) {
        std::string_view text = bytes.substr(from, ends[k] - from);
        while (!text.empty() && is_json_space(text.front()))
            text.remove_prefix(1);
        const auto added = detail::add_plain_record(text, bytes, plain, r, out);
        if (added == detail::plain_outcome::overflow) return detail::total_overflow(out, context);
        if (added == detail::plain_outcome::parse) break;
    }
    if (k == ends.size()) {
        out.rejects.set_lines(out.records);
        return out;
    }
    if (k == 0) return parse_piece(piece, api_format::json, r, o, context, 0, 0);
    auto rest = parse_piece(piece, api_format::json, r, o, context, from, k);
    if (!rest) return rest.error();
    if (auto ok = add_piece(out, std::move(*rest), o, context); !ok) return ok.error();
    return out;
}

}  // namespace

result<api_records> read_piece(const body_piece& piece, api_format format, const rules& r,
                               const body_options& options, const std::string& context) {
    body_options o = options;
    o.spill_bytes = std::numeric_limits<std::size_t>::max();
    if (format == api_format::json && !piece.element_ends.empty())
        return read_array_piece(piece, r, o, context);
    return parse_piece(piece, format, r, o, context, 0, 0);
}

result<void> add_piece(api_records& into, api_records&& piece, const body_options& options,
                       const std::string& context) {
    into.records = piece.records;
    if (!into.sales.merge(piece.sales)) return detail::total_overflow(into, context);
    into.rejects.append(std::move(piece.rejects));
    into.rejects.set_lines(into.records);
    if (piece.next) into.next = std::move(piece.next);
    return into.rejects.spill_over(options.spill_bytes);
}

}  // namespace salesproc
